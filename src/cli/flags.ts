/**
 * Command-line flags, with upstream kube-proxy's names. Accepts `--flag=value`
 * and `--flag value`; booleans also as `--flag` and `--flag=false`. Unknown
 * flags and bad values fail with a message naming the flag.
 *
 * @module
 */

import { ConfigError } from "../config/config_error.ts";
import type { ProxyOptions } from "../config/options.ts";
import { parseDuration } from "../config/duration.ts";

type Kind = "string" | "bool" | "int" | "duration" | "list";

interface FlagSpec {
  kind: Kind;
  option: keyof ProxyOptions;
  help: string;
  /** Shown in help as the value's name. */
  value?: string;
}

/** Every flag the proxy accepts. */
export const FLAGS: Record<string, FlagSpec> = {
  "config": {
    kind: "string",
    option: "config",
    value: "FILE",
    help: "KubeProxyConfiguration file (kubeproxy.config.k8s.io/v1alpha1). Flags override it.",
  },
  "kubeconfig": {
    kind: "string",
    option: "kubeconfig",
    value: "FILE",
    help: "kubeconfig file with the API server and credentials. Default: in-cluster config.",
  },
  "master": {
    kind: "string",
    option: "master",
    value: "URL",
    help: "API server address; overrides the kubeconfig's.",
  },
  "manifests": {
    kind: "string",
    option: "manifests",
    value: "PATH",
    help:
      "Read Services, EndpointSlices, Nodes and ServiceCIDRs from a YAML file or directory instead of the API server; re-read on change.",
  },
  "hostname-override": {
    kind: "string",
    option: "hostnameOverride",
    value: "NAME",
    help: "Name of this node's Node object. Default: the hostname.",
  },
  "cluster-cidr": {
    kind: "string",
    option: "clusterCIDR",
    value: "CIDRS",
    help:
      "Pod CIDR(s) of the cluster, comma-separated. Traffic to ClusterIPs from outside is masqueraded.",
  },
  "masquerade-all": {
    kind: "bool",
    option: "masqueradeAll",
    help: "Masquerade all traffic sent to Services.",
  },
  "proxy-mode": {
    kind: "string",
    option: "mode",
    value: "MODE",
    help: "Only 'nftables' is implemented; other values warn and use nftables.",
  },
  "nodeport-addresses": {
    kind: "list",
    option: "nodePortAddresses",
    value: "LIST",
    help: "CIDRs of the addresses NodePorts are served on, or 'primary'. Default: primary.",
  },
  "detect-local-mode": {
    kind: "string",
    option: "detectLocalMode",
    value: "MODE",
    help:
      "How pod traffic is recognised: ClusterCIDR, NodeCIDR, BridgeInterface or InterfaceNamePrefix.",
  },
  "pod-bridge-interface": {
    kind: "string",
    option: "podBridgeInterface",
    value: "NAME",
    help: "Bridge of the pods, for --detect-local-mode=BridgeInterface.",
  },
  "pod-interface-name-prefix": {
    kind: "string",
    option: "podInterfaceNamePrefix",
    value: "PREFIX",
    help: "Prefix of pod interfaces, for --detect-local-mode=InterfaceNamePrefix.",
  },
  "service-cidrs": {
    kind: "list",
    option: "serviceCIDRs",
    value: "LIST",
    help:
      "Service CIDRs, used when the cluster has no ServiceCIDR objects: unallocated addresses inside are dropped.",
  },
  "sync-period": {
    kind: "duration",
    option: "syncPeriodMs",
    value: "DURATION",
    help: "Longest time between syncs. Default 30s.",
  },
  "min-sync-period": {
    kind: "duration",
    option: "minSyncPeriodMs",
    value: "DURATION",
    help: "Shortest time between syncs; changes in between are coalesced. Default 1s; 0 allowed.",
  },
  "full-sync-period": {
    kind: "duration",
    option: "fullSyncPeriodMs",
    value: "DURATION",
    help: "Period of full resyncs (rewrite the whole table). Default 1h.",
  },
  "healthz-bind-address": {
    kind: "string",
    option: "healthzBindAddress",
    value: "ADDR",
    help: "ip:port of /healthz and /livez. Default 0.0.0.0:10256; empty disables.",
  },
  "metrics-bind-address": {
    kind: "string",
    option: "metricsBindAddress",
    value: "ADDR",
    help: "ip:port of /metrics. Default 127.0.0.1:10249; empty disables.",
  },
  "drift-check-period": {
    kind: "duration",
    option: "driftCheckPeriodMs",
    value: "DURATION",
    help:
      "How often to check that the table was not flushed or deleted behind the proxy's back. Default 30s; 0 disables.",
  },
  "nft-table": {
    kind: "string",
    option: "tableName",
    value: "NAME",
    help: "Name of the proxy's nft tables (ip and ip6). Default kube-nft-proxy.",
  },
  "max-service-elements": {
    kind: "int",
    option: "maxServiceElements",
    value: "N",
    help:
      "Most ruleset elements one Service may use in one IP family (endpoints × entry points, source ranges, ...); a Service above it is not programmed and is reported. Default 50000.",
  },
  "affinity-max-clients": {
    kind: "int",
    option: "affinityMaxClients",
    value: "N",
    help:
      "Most clients remembered per endpoint of a sessionAffinity ClientIP Service; beyond it new clients get no affinity (other Services are unaffected). Default 65536.",
  },
  "remove-upstream-rules": {
    kind: "bool",
    option: "removeUpstreamRules",
    help:
      "After the first successful sync, remove upstream kube-proxy's leftovers: nftables tables ip/ip6 kube-proxy (in the same transaction) and its iptables-mode KUBE-* chains. Default true.",
  },
  "nft-backend": {
    kind: "string",
    option: "nftBackend",
    value: "BACKEND",
    help:
      "How rules are applied: auto (libnftables in-process, else the nft binary), libnftables, or exec (the nft binary). Default auto.",
  },
  "conntrack-cleanup": {
    kind: "bool",
    option: "conntrackCleanup",
    help: "Delete stale UDP conntrack entries of removed endpoints. Default true.",
  },
  "v": {
    kind: "int",
    option: "verbosity",
    value: "N",
    help: "Log verbosity (klog levels: 2 = one line per sync, 4 = failing script lines).",
  },
  "logging-format": {
    kind: "string",
    option: "loggingFormat",
    value: "FORMAT",
    help: "text (klog-like, default) or json.",
  },
  "dry-run": {
    kind: "bool",
    option: "dryRun",
    help: "Print the nft script that would be applied, then exit.",
  },
  "cleanup": {
    kind: "bool",
    option: "cleanup",
    help: "Remove the proxy's tables in both families, then exit.",
  },
  "src": {
    kind: "string",
    option: "explainSrc",
    value: "IP",
    help: "explain: source address of the packet.",
  },
  "dst": {
    kind: "string",
    option: "explainDst",
    value: "IP:PORT[/PROTO]",
    help: "explain: destination of the packet, e.g. 10.96.0.10:80/tcp or [fd00::1]:53/udp.",
  },
  "output": {
    kind: "string",
    option: "output",
    value: "FORMAT",
    help: "explain: text (default) or json.",
  },
  "help": { kind: "bool", option: "help", help: "Print this help." },
  "version": { kind: "bool", option: "version", help: "Print the version and git commit." },
};

/** Flags given on the command line, as option values. */
export type FlagValues = Partial<ProxyOptions>;

function convert(name: string, spec: FlagSpec, raw: string): unknown {
  switch (spec.kind) {
    case "string":
      return raw;
    case "bool":
      if (raw === "true" || raw === "") return true;
      if (raw === "false") return false;
      throw new ConfigError(
        `invalid value ${JSON.stringify(raw)} for flag --${name}: want true or false`,
      );
    case "int":
      if (!/^-?[0-9]+$/.test(raw)) {
        throw new ConfigError(
          `invalid value ${JSON.stringify(raw)} for flag --${name}: want an integer`,
        );
      }
      return Number(raw);
    case "duration": {
      const ms = parseDuration(raw);
      if (ms === undefined) {
        throw new ConfigError(
          `invalid value ${
            JSON.stringify(raw)
          } for flag --${name}: want a duration such as 1s or 500ms`,
        );
      }
      return ms;
    }
    case "list":
      return raw.split(",").map((s) => s.trim()).filter((s) => s !== "");
  }
}

/** Parses argv. Positional arguments are returned apart. A repeated flag: the last one wins. */
export function parseFlags(argv: readonly string[]): { values: FlagValues; positional: string[] } {
  const values: Record<string, unknown> = {};
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith("-") || arg === "-") {
      positional.push(arg);
      continue;
    }
    const body = arg.replace(/^--?/, "");
    const eq = body.indexOf("=");
    const name = eq >= 0 ? body.slice(0, eq) : body;
    const spec = FLAGS[name];
    if (!spec) throw new ConfigError(`unknown flag: ${arg.split("=")[0]} (see --help)`);
    let raw: string;
    if (eq >= 0) raw = body.slice(eq + 1);
    else if (spec.kind === "bool") raw = "true";
    else {
      if (i + 1 >= argv.length) throw new ConfigError(`flag needs an argument: --${name}`);
      raw = argv[++i];
    }
    values[spec.option] = convert(name, spec, raw);
  }
  return { values: values as FlagValues, positional };
}

/** The --help text. */
export function helpText(): string {
  const lines = [
    "kube-nft-proxy: a Kubernetes node service proxy (kube-proxy replacement), nftables only.",
    "",
    "Usage:",
    "  kube-proxy [flags]",
    "  kube-proxy explain --src IP --dst IP:PORT[/tcp|udp|sctp] [flags]",
    "",
    "Flags:",
  ];
  for (const [name, spec] of Object.entries(FLAGS)) {
    const left = `  --${name}${spec.value ? ` ${spec.value}` : ""}`;
    lines.push(left.padEnd(36) + spec.help);
  }
  return lines.join("\n");
}
