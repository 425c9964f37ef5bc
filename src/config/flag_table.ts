/**
 * Every command-line flag: upstream kube-proxy's (the current release's
 * `cmd/kube-proxy/app/options.go`, the logging flags, and the Windows and
 * cadvisor ones it also registers), and this proxy's own. Adding a flag is
 * one entry here plus, when it sets a value, one line in `draft_from_flags.ts`.
 *
 * @module
 */

/** How a flag's value is read. */
export type FlagKind = "string" | "bool" | "int" | "float" | "duration" | "list" | "map";

/**
 * When a flag applies:
 * - `file`: the `--config` file holds the same value; as upstream, the flag
 *   is ignored (with a warning) when `--config` is given;
 * - `always`: applies with or without `--config` (upstream's exceptions:
 *   `--hostname-override`, `--master`, the logging flags and the actions;
 *   and this proxy's flags that have no config field);
 * - `noop`: accepted for compatibility, has no effect here; warned about once.
 */
export type FlagScope = "file" | "always" | "noop";

/** One flag. */
export interface FlagSpec {
  kind: FlagKind;
  scope: FlagScope;
  help: string;
  /** Name of the value in the help text. @default none */
  value?: string;
  /** pflag string slice: a repeated flag appends instead of replacing. @default false */
  append?: boolean;
  /** Shown in the help text. @default undefined */
  deprecated?: string;
  /** Single-letter alias (`-v`, `-h`). @default undefined */
  short?: string;
  /** Only valid with this subcommand. @default undefined (the daemon's flags) */
  command?: "explain";
  /** Which table section the help text puts it in. */
  group: "proxy" | "extension" | "compat" | "explain";
}

const noop = (kind: FlagKind, help: string, value?: string): FlagSpec => ({
  kind,
  scope: "noop",
  help,
  value,
  group: "compat",
});

/** Every flag, by name without dashes. */
export const FLAGS: Record<string, FlagSpec> = {
  // --- upstream flags with a meaning here ---------------------------------
  "config": {
    kind: "string",
    scope: "always",
    value: "FILE",
    group: "proxy",
    help:
      "KubeProxyConfiguration file (kubeproxy.config.k8s.io/v1alpha1). As in kube-proxy, flags that the file can hold are then ignored.",
  },
  "write-config-to": {
    kind: "string",
    scope: "always",
    value: "FILE",
    group: "proxy",
    help: "Write the effective configuration as a KubeProxyConfiguration to FILE, then exit.",
  },
  "cleanup": {
    kind: "bool",
    scope: "always",
    group: "proxy",
    help: "Remove the proxy's tables in both families, then exit.",
  },
  "init-only": {
    kind: "bool",
    scope: "always",
    group: "proxy",
    help: "Do the one-time setup that needs full privileges (conntrack sysctls), then exit.",
  },
  "kubeconfig": {
    kind: "string",
    scope: "file",
    value: "FILE",
    group: "proxy",
    help: "kubeconfig with the API server and credentials. Default: in-cluster config.",
  },
  "master": {
    kind: "string",
    scope: "always",
    value: "URL",
    group: "proxy",
    help: "API server address; overrides the kubeconfig's.",
  },
  "hostname-override": {
    kind: "string",
    scope: "always",
    value: "NAME",
    group: "proxy",
    help: "Name of this node's Node object. Default: the hostname.",
  },
  "bind-address": {
    kind: "string",
    scope: "file",
    value: "IP",
    group: "proxy",
    help:
      "This node's primary IP(s), one per family, overriding the Node object's. 0.0.0.0 or :: (default): from the Node.",
  },
  "healthz-bind-address": {
    kind: "string",
    scope: "file",
    value: "ADDR",
    group: "proxy",
    help: "IP[:PORT] of /healthz and /livez. Default 0.0.0.0:10256; empty disables.",
  },
  "metrics-bind-address": {
    kind: "string",
    scope: "file",
    value: "ADDR",
    group: "proxy",
    help: "IP[:PORT] of /metrics. Default 127.0.0.1:10249; empty disables.",
  },
  "healthz-port": {
    kind: "int",
    scope: "file",
    value: "PORT",
    group: "proxy",
    deprecated: "use --healthz-bind-address",
    help: "Port of the health server (replaces the address's port); 0 disables.",
  },
  "metrics-port": {
    kind: "int",
    scope: "file",
    value: "PORT",
    group: "proxy",
    deprecated: "use --metrics-bind-address",
    help: "Port of the metrics server (replaces the address's port); 0 disables.",
  },
  "bind-address-hard-fail": {
    kind: "bool",
    scope: "file",
    group: "proxy",
    help: "Exit when the health or metrics server cannot bind; by default log and retry.",
  },
  "proxy-mode": {
    kind: "string",
    scope: "file",
    value: "MODE",
    group: "proxy",
    help:
      "nftables. iptables and ipvs are accepted with a warning (nftables is programmed, with the iptables.* settings).",
  },
  "cluster-cidr": {
    kind: "string",
    scope: "file",
    value: "CIDRS",
    group: "proxy",
    help: "Pod CIDR(s) of the cluster, one per family, comma-separated.",
  },
  "masquerade-all": {
    kind: "bool",
    scope: "file",
    group: "proxy",
    help: "Masquerade all traffic sent to Services.",
  },
  "iptables-masquerade-bit": {
    kind: "int",
    scope: "file",
    value: "BIT",
    group: "proxy",
    help: "Packet-mark bit that flags masquerading (0-31), with an iptables or ipvs mode.",
  },
  "iptables-localhost-nodeports": {
    kind: "bool",
    scope: "file",
    group: "proxy",
    help: "Not supported (nftables has no localhost NodePorts); true warns.",
  },
  "iptables-sync-period": {
    kind: "duration",
    scope: "file",
    value: "DURATION",
    group: "proxy",
    help: "Longest time between syncs, unless the mode is ipvs.",
  },
  "iptables-min-sync-period": {
    kind: "duration",
    scope: "file",
    value: "DURATION",
    group: "proxy",
    help: "Shortest time between syncs, unless the mode is ipvs.",
  },
  "nodeport-addresses": {
    kind: "list",
    scope: "file",
    value: "LIST",
    append: true,
    group: "proxy",
    help: "CIDRs selecting this host's addresses for NodePorts, or 'primary' (the default).",
  },
  "detect-local-mode": {
    kind: "string",
    scope: "file",
    value: "MODE",
    group: "proxy",
    help:
      "How pod traffic is recognised: ClusterCIDR (default), NodeCIDR, BridgeInterface or InterfaceNamePrefix.",
  },
  "pod-bridge-interface": {
    kind: "string",
    scope: "file",
    value: "NAME",
    group: "proxy",
    help: "Bridge of the pods, for --detect-local-mode=BridgeInterface.",
  },
  "pod-interface-name-prefix": {
    kind: "string",
    scope: "file",
    value: "PREFIX",
    group: "proxy",
    help: "Prefix of pod interfaces, for --detect-local-mode=InterfaceNamePrefix.",
  },
  "conntrack-max-per-core": {
    kind: "int",
    scope: "file",
    value: "N",
    group: "proxy",
    help: "nf_conntrack_max = N x CPUs (at least --conntrack-min). Default 32768; 0 leaves it.",
  },
  "conntrack-min": {
    kind: "int",
    scope: "file",
    value: "N",
    group: "proxy",
    help: "Smallest nf_conntrack_max to set. Default 131072.",
  },
  "conntrack-tcp-timeout-established": {
    kind: "duration",
    scope: "file",
    value: "DURATION",
    group: "proxy",
    help: "nf_conntrack_tcp_timeout_established. Default 24h; 0 leaves it.",
  },
  "conntrack-tcp-timeout-close-wait": {
    kind: "duration",
    scope: "file",
    value: "DURATION",
    group: "proxy",
    help: "nf_conntrack_tcp_timeout_close_wait. Default 1h; 0 leaves it.",
  },
  "conntrack-tcp-be-liberal": {
    kind: "bool",
    scope: "file",
    group: "proxy",
    help: "Set nf_conntrack_tcp_be_liberal to 1.",
  },
  "conntrack-udp-timeout": {
    kind: "duration",
    scope: "file",
    value: "DURATION",
    group: "proxy",
    help: "nf_conntrack_udp_timeout. Default 0: left as it is.",
  },
  "conntrack-udp-timeout-stream": {
    kind: "duration",
    scope: "file",
    value: "DURATION",
    group: "proxy",
    help: "nf_conntrack_udp_timeout_stream. Default 0: left as it is.",
  },
  "config-sync-period": {
    kind: "duration",
    scope: "file",
    value: "DURATION",
    group: "proxy",
    help:
      "With --manifests, also re-read the files this often. Default 15m. (No effect with the API server: watches deliver every change.)",
  },
  "v": {
    kind: "int",
    scope: "always",
    short: "v",
    value: "N",
    group: "proxy",
    help: "Log verbosity (2: one line per sync, 4: failing script lines).",
  },
  "logging-format": {
    kind: "string",
    scope: "always",
    value: "FORMAT",
    group: "proxy",
    help: "text (klog-like, default) or json.",
  },
  "help": { kind: "bool", scope: "always", short: "h", group: "proxy", help: "Print this help." },
  "version": {
    kind: "bool",
    scope: "always",
    group: "proxy",
    help: "Print the version and git commit.",
  },

  // --- this proxy's own flags ----------------------------------------------
  "manifests": {
    kind: "string",
    scope: "always",
    value: "PATH",
    group: "extension",
    help:
      "Read Services, EndpointSlices, Nodes and ServiceCIDRs from a YAML/JSON file or directory instead of the API server; re-read on change.",
  },
  "dry-run": {
    kind: "bool",
    scope: "always",
    group: "extension",
    help: "Print the nft script of a full sync, then exit.",
  },
  "sync-period": {
    kind: "duration",
    scope: "file",
    value: "DURATION",
    group: "extension",
    help: "Longest time between syncs (nftables.syncPeriod). Default 30s.",
  },
  "min-sync-period": {
    kind: "duration",
    scope: "file",
    value: "DURATION",
    group: "extension",
    help: "Shortest time between syncs (nftables.minSyncPeriod). Default 1s; 0 allowed.",
  },
  "full-sync-period": {
    kind: "duration",
    scope: "always",
    value: "DURATION",
    group: "extension",
    help: "Period of full resyncs (rewrite the whole tables). Default 1h.",
  },
  "drift-check-period": {
    kind: "duration",
    scope: "always",
    value: "DURATION",
    group: "extension",
    help:
      "How often to list the tables to find changes made by other software, when nftables events cannot be watched. Default 30s; 0 disables drift detection.",
  },
  "service-cidrs": {
    kind: "list",
    scope: "always",
    value: "LIST",
    group: "extension",
    help: "Service CIDRs, used when the cluster has no ServiceCIDR objects.",
  },
  "nft-table": {
    kind: "string",
    scope: "always",
    value: "NAME",
    group: "extension",
    help: "Name of the proxy's nft tables (ip and ip6). Default kube-nft-proxy.",
  },
  "conntrack-cleanup": {
    kind: "bool",
    scope: "always",
    group: "extension",
    help: "Delete stale UDP conntrack entries of removed endpoints. Default true.",
  },
  "nft-backend": {
    kind: "string",
    scope: "always",
    value: "BACKEND",
    group: "extension",
    help:
      "How rules are applied: auto (libnftables in-process, else the nft binary), libnftables, or exec (the nft binary). Default auto.",
  },
  "remove-upstream-rules": {
    kind: "bool",
    scope: "always",
    group: "extension",
    help:
      "After the first successful sync, remove upstream kube-proxy's leftovers: the nftables tables ip/ip6 kube-proxy (in the same transaction) and its iptables-mode KUBE-* chains. Default true.",
  },
  "max-service-elements": {
    kind: "int",
    scope: "always",
    value: "N",
    group: "extension",
    help:
      "Most ruleset elements one Service may use in one IP family (endpoints x entry points, source ranges, ...); a Service above it is not programmed and is reported. Default 50000.",
  },
  "affinity-max-clients": {
    kind: "int",
    scope: "always",
    value: "N",
    group: "extension",
    help:
      "Most clients remembered per endpoint of a sessionAffinity ClientIP Service; beyond it new clients get no affinity, and other Services are unaffected. Default 65536.",
  },

  // --- explain ---------------------------------------------------------------
  "src": {
    kind: "string",
    scope: "always",
    value: "IP",
    command: "explain",
    group: "explain",
    help: "Source address of the packet.",
  },
  "dst": {
    kind: "string",
    scope: "always",
    value: "IP:PORT[/PROTO]",
    command: "explain",
    group: "explain",
    help: "Destination of the packet, e.g. 10.96.0.10:80/tcp or [fd00::10]:53/udp.",
  },
  "output": {
    kind: "string",
    scope: "always",
    value: "FORMAT",
    command: "explain",
    group: "explain",
    help: "text (default) or json.",
  },

  // --- upstream flags accepted for compatibility, without effect here -------
  "feature-gates": noop("map", "Feature gates (key=bool,...).", "GATES"),
  "kube-api-content-type": noop("string", "Content type of API requests (JSON is used).", "TYPE"),
  "kube-api-qps": noop("float", "Client-side API rate limit (not applied).", "QPS"),
  "kube-api-burst": noop("int", "Client-side API burst (not applied).", "N"),
  "profiling": noop("bool", "pprof handlers (none here)."),
  "show-hidden-metrics-for-version": noop("string", "Hidden metrics (none here).", "VERSION"),
  "oom-score-adj": noop("int", "OOM score of the process (set it in the unit or pod).", "N"),
  "ipvs-sync-period": noop("duration", "ipvs mode only.", "DURATION"),
  "ipvs-min-sync-period": noop("duration", "ipvs mode only.", "DURATION"),
  "ipvs-scheduler": noop("string", "ipvs mode only.", "NAME"),
  "ipvs-exclude-cidrs": { ...noop("list", "ipvs mode only.", "LIST"), append: true },
  "ipvs-strict-arp": noop("bool", "ipvs mode only."),
  "ipvs-tcp-timeout": noop("duration", "ipvs mode only.", "DURATION"),
  "ipvs-tcpfin-timeout": noop("duration", "ipvs mode only.", "DURATION"),
  "ipvs-udp-timeout": noop("duration", "ipvs mode only.", "DURATION"),
  "vmodule": noop("string", "Per-file log verbosity (not supported).", "PATTERNS"),
  "log-flush-frequency": noop("duration", "Log flush period (lines are written at once).", "D"),
  "log-json-split-stream": noop("bool", "JSON logs: split stdout/stderr (not supported)."),
  "log-json-info-buffer-size": noop("string", "JSON logs: buffer size (not supported).", "SIZE"),
  "log-text-split-stream": noop("bool", "Text logs: split stdout/stderr (not supported)."),
  "log-text-info-buffer-size": noop("string", "Text logs: buffer size (not supported).", "SIZE"),
  "windows-service": noop("bool", "Windows only."),
  "source-vip": noop("string", "Windows only.", "IP"),
  "network-name": noop("string", "Windows only.", "NAME"),
  "enable-dsr": noop("bool", "Windows only."),
  "root-hns-endpoint-name": noop("string", "Windows only.", "NAME"),
  "forward-healthcheck-vip": noop("bool", "Windows only."),
  "boot-id-file": noop("string", "cadvisor flag registered by kube-proxy.", "FILES"),
  "machine-id-file": noop("string", "cadvisor flag registered by kube-proxy.", "FILES"),
};

/** The spec of `name` (without dashes), resolving single-letter aliases. */
export function lookupFlag(name: string): { name: string; spec: FlagSpec } | undefined {
  const spec = FLAGS[name];
  if (spec) return { name, spec };
  for (const [n, s] of Object.entries(FLAGS)) if (s.short === name) return { name: n, spec: s };
  return undefined;
}
