/**
 * Applies command-line flags to the settings, with upstream's precedence:
 * - without `--config`, flags override the defaults;
 * - with `--config`, the file's settings win, and flags that the file can
 *   hold are ignored (kube-proxy ignores them silently; this proxy warns,
 *   naming the field to set instead). `--hostname-override`, `--master`, the
 *   logging flags (`--v`, `--logging-format`) and this proxy's own flags that
 *   have no config field apply either way;
 * - flags without a meaning here are accepted and warned about once.
 *
 * @module
 */

import type { Draft, DraftKey, DraftValues } from "./draft.ts";
import type { ConfigNotes } from "./draft_from_file.ts";
import type { FlagValue, GivenFlag } from "./flags.ts";
import { formatHostPort, parseHostPort } from "./host_port.ts";
import { flagOrigin, type Origin } from "./origin.ts";
import { ConfigError, invalidValue } from "./config_error.ts";

/** How one flag sets the draft. */
interface FlagSetter {
  /** The config file field that holds the same setting (named in the "ignored" warning). */
  field?: string;
  /** The setting a plain flag sets. */
  key?: DraftKey;
  apply(draft: Draft, value: FlagValue, origin: Origin, flags: Map<string, GivenFlag>): void;
}

const to = <K extends DraftKey>(key: K, field?: string): FlagSetter => ({
  field,
  key,
  apply: (d, v, o) => d.set(key, v as DraftValues[K], o),
});

const modeOf = (d: Draft, flags: Map<string, GivenFlag>) =>
  (flags.get("proxy-mode")?.value as string | undefined) ?? d.values.mode;

/** Replaces the port of an address setting (`--healthz-port`); 0 disables the server. */
function portSetter(key: "healthzBindAddress" | "metricsBindAddress", field: string): FlagSetter {
  return {
    field,
    apply(d, v, o, flags) {
      const port = v as number;
      if (port < 0 || port > 65535) throw invalidValue(o, port, "want a port 0-65535");
      if (port === 0) return d.set(key, "", o);
      const addr = d.values[key];
      if (addr === "") return;
      let host: string;
      try {
        host = parseHostPort(addr, { defaultPort: 1, allowPortZero: true }).hostname;
      } catch {
        return; // the address itself is invalid: validation names its flag
      }
      const given = flags.has(
        key === "healthzBindAddress" ? "healthz-bind-address" : "metrics-bind-address",
      );
      d.set(
        key,
        formatHostPort({ hostname: host, port }),
        given ? d.origin(key) : o,
      );
    },
  };
}

/**
 * Flags that set a value, in the order they are applied (so that
 * `--healthz-port` sees `--healthz-bind-address`, and this proxy's
 * `--sync-period` wins over `--iptables-sync-period`).
 */
export const FLAG_SETTERS: Record<string, FlagSetter> = {
  "kubeconfig": to("kubeconfig", "clientConnection.kubeconfig"),
  "master": to("master"),
  "hostname-override": {
    // As upstream: an empty value is no override; blanks alone are an error.
    apply(d, v, o) {
      const s = v as string;
      if (s.length === 0) return;
      if (s.trim() === "") {
        throw new ConfigError("invalid value for --hostname-override: empty after trimming", {
          origin: o,
        });
      }
      d.set("hostnameOverride", s.trim().toLowerCase(), o);
    },
  },
  "bind-address": to("bindAddress", "bindAddress"),
  "bind-address-hard-fail": to("bindAddressHardFail", "bindAddressHardFail"),
  "healthz-bind-address": to("healthzBindAddress", "healthzBindAddress"),
  "metrics-bind-address": to("metricsBindAddress", "metricsBindAddress"),
  "healthz-port": portSetter("healthzBindAddress", "healthzBindAddress"),
  "metrics-port": portSetter("metricsBindAddress", "metricsBindAddress"),
  "proxy-mode": to("mode", "mode"),
  "cluster-cidr": to("clusterCIDR", "clusterCIDR"),
  "masquerade-all": to("masqueradeAll", "nftables.masqueradeAll"),
  "iptables-masquerade-bit": {
    field: "iptables.masqueradeBit",
    apply(d, v, o, flags) {
      // Upstream's nftables mode reads nftables.masqueradeBit, which has no flag.
      if (modeOf(d, flags) !== "nftables") d.set("masqueradeBit", v as number, o);
    },
  },
  "iptables-localhost-nodeports": to("localhostNodePorts", "iptables.localhostNodePorts"),
  "iptables-sync-period": {
    field: "iptables.syncPeriod",
    apply(d, v, o, flags) {
      if (modeOf(d, flags) !== "ipvs") d.set("syncPeriodMs", v as number, o);
    },
  },
  "iptables-min-sync-period": {
    field: "iptables.minSyncPeriod",
    apply(d, v, o, flags) {
      if (modeOf(d, flags) !== "ipvs") d.set("minSyncPeriodMs", v as number, o);
    },
  },
  "sync-period": to("syncPeriodMs", "nftables.syncPeriod"),
  "min-sync-period": to("minSyncPeriodMs", "nftables.minSyncPeriod"),
  "nodeport-addresses": to("nodePortAddresses", "nodePortAddresses"),
  "detect-local-mode": to("detectLocalMode", "detectLocalMode"),
  "pod-bridge-interface": to("bridgeInterface", "detectLocal.bridgeInterface"),
  "pod-interface-name-prefix": to("interfaceNamePrefix", "detectLocal.interfaceNamePrefix"),
  "conntrack-max-per-core": to("conntrackMaxPerCore", "conntrack.maxPerCore"),
  "conntrack-min": to("conntrackMin", "conntrack.min"),
  "conntrack-tcp-timeout-established": to(
    "conntrackTcpEstablishedTimeoutMs",
    "conntrack.tcpEstablishedTimeout",
  ),
  "conntrack-tcp-timeout-close-wait": to(
    "conntrackTcpCloseWaitTimeoutMs",
    "conntrack.tcpCloseWaitTimeout",
  ),
  "conntrack-tcp-be-liberal": to("conntrackTcpBeLiberal", "conntrack.tcpBeLiberal"),
  "conntrack-udp-timeout": to("conntrackUdpTimeoutMs", "conntrack.udpTimeout"),
  "conntrack-udp-timeout-stream": to("conntrackUdpStreamTimeoutMs", "conntrack.udpStreamTimeout"),
  "config-sync-period": to("configSyncPeriodMs", "configSyncPeriod"),
  "v": to("verbosity", "logging.verbosity"),
  "logging-format": to("loggingFormat", "logging.format"),
  "manifests": to("manifests"),
  "service-cidrs": to("serviceCIDRs"),
  "full-sync-period": to("fullSyncPeriodMs"),
  "drift-check-period": to("driftCheckPeriodMs"),
  "nft-table": to("tableName"),
  "conntrack-cleanup": to("conntrackCleanup"),
  "nft-backend": to("nftBackend"),
  "remove-upstream-rules": to("removeUpstreamRules"),
  "max-service-elements": to("maxServiceElements"),
  "affinity-max-clients": to("affinityMaxClients"),
};

/** The flag that sets `key` directly, e.g. `pod-bridge-interface` for `bridgeInterface`. */
export function flagNameOf(key: DraftKey): string | undefined {
  return Object.entries(FLAG_SETTERS).find(([, s]) => s.key === key)?.[0];
}

/** Applies `flags` to `draft`; `configFile` is the `--config` path, or "" without one. */
export function applyFlags(
  draft: Draft,
  flags: Map<string, GivenFlag>,
  configFile: string,
  notes: ConfigNotes,
): void {
  for (const f of flags.values()) {
    if (f.spec.scope === "noop") {
      notes.warnings.push(
        `flag --${f.name} has no effect in kube-nft-proxy (accepted for compatibility with kube-proxy)`,
      );
    } else if (f.spec.scope === "file" && configFile !== "") {
      const field = FLAG_SETTERS[f.name]?.field;
      notes.warnings.push(
        `flag --${f.name} is ignored: with --config, kube-proxy takes the file's settings` +
          (field ? ` (set ${field} in ${configFile})` : ""),
      );
    } else if (f.spec.deprecated) {
      notes.warnings.push(`flag --${f.name} is deprecated: ${f.spec.deprecated}`);
    }
  }
  for (const [name, setter] of Object.entries(FLAG_SETTERS)) {
    const f = flags.get(name);
    if (!f || (f.spec.scope === "file" && configFile !== "")) continue;
    setter.apply(draft, f.value, flagOrigin(name), flags);
  }
  if (configFile !== "") return;
  const mode = modeOf(draft, flags);
  if (flags.has("iptables-masquerade-bit") && mode === "nftables") {
    notes.warnings.push(
      "flag --iptables-masquerade-bit has no effect with --proxy-mode=nftables (as in kube-proxy)",
    );
  }
  for (const name of ["iptables-sync-period", "iptables-min-sync-period"]) {
    if (flags.has(name) && mode === "ipvs") {
      notes.warnings.push(`flag --${name} has no effect with --proxy-mode=ipvs (as in kube-proxy)`);
    }
  }
  if (mode === "iptables" || mode === "ipvs") {
    notes.warnings.push(
      `--proxy-mode ${JSON.stringify(mode)} is not implemented: only nftables is; using nftables`,
    );
  }
  if (flags.get("iptables-localhost-nodeports")?.value === true) {
    notes.warnings.push(
      "--iptables-localhost-nodeports=true is not supported: nftables has no localhost NodePorts",
    );
  }
}
