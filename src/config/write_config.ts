/**
 * `--write-config-to`: the effective configuration as a
 * `KubeProxyConfiguration` with every field, in upstream's layout (sorted
 * keys), so that `--config` of the written file gives the same proxy.
 * Settings that only this proxy's flags hold are listed in a comment.
 *
 * @module
 */

import { stringify } from "yaml";
import { CONFIG_API_VERSION, CONFIG_KIND, type FieldValue } from "./config_file.ts";
import { EXTENSION_DEFAULTS, UPSTREAM_DEFAULTS } from "./draft.ts";
import { formatDuration } from "./duration.ts";
import { formatHostPort, type HostPort } from "./host_port.ts";
import type { ProxyConfig } from "./proxy_config.ts";

type Obj = Record<string, unknown>;

/** Sets `value` at a dotted `path` in `obj`, creating objects on the way. */
function setPath(obj: Obj, path: string, value: unknown): void {
  const parts = path.split(".");
  let o = obj;
  for (const p of parts.slice(0, -1)) {
    if (typeof o[p] !== "object" || o[p] === null) o[p] = {};
    o = o[p] as Obj;
  }
  o[parts[parts.length - 1]] = value;
}

const dur = (ms: number) => formatDuration(ms);

/**
 * A zero minimum sync period cannot be written as `0s`: kube-proxy's
 * defaulting (and this proxy's) reads `0s` as the default 1s. One nanosecond
 * is read back as (practically) zero.
 */
function minSync(ms: number): string {
  return ms === 0 ? "1ns" : dur(ms);
}

/** `host:port`; a disabled server is written as port 0, which this proxy reads as disabled. */
function server(addr: HostPort | null): string {
  return addr ? formatHostPort(addr) : "0.0.0.0:0";
}

/** Flags a `KubeProxyConfiguration` cannot hold, with their values when not the default. */
export function extensionFlags(c: ProxyConfig): string[] {
  const out: string[] = [];
  if (c.master) out.push(`--master=${c.master}`);
  if (c.manifests) out.push(`--manifests=${c.manifests}`);
  if (c.serviceCIDRs.length > 0) {
    out.push(`--service-cidrs=${c.serviceCIDRs.map((x) => x.text).join(",")}`);
  }
  if (c.fullSyncPeriodMs !== EXTENSION_DEFAULTS.fullSyncPeriodMs) {
    out.push(`--full-sync-period=${dur(c.fullSyncPeriodMs)}`);
  }
  if (c.driftCheckPeriodMs !== EXTENSION_DEFAULTS.driftCheckPeriodMs) {
    out.push(`--drift-check-period=${dur(c.driftCheckPeriodMs)}`);
  }
  if (c.tableName !== EXTENSION_DEFAULTS.tableName) out.push(`--nft-table=${c.tableName}`);
  if (c.conntrackCleanup !== EXTENSION_DEFAULTS.conntrackCleanup) {
    out.push(`--conntrack-cleanup=${c.conntrackCleanup}`);
  }
  if (c.nftBackend !== EXTENSION_DEFAULTS.nftBackend) out.push(`--nft-backend=${c.nftBackend}`);
  if (c.removeUpstreamRules !== EXTENSION_DEFAULTS.removeUpstreamRules) {
    out.push(`--remove-upstream-rules=${c.removeUpstreamRules}`);
  }
  if (c.maxServiceElements !== EXTENSION_DEFAULTS.maxServiceElements) {
    out.push(`--max-service-elements=${c.maxServiceElements}`);
  }
  if (c.affinityMaxClients !== EXTENSION_DEFAULTS.affinityMaxClients) {
    out.push(`--affinity-max-clients=${c.affinityMaxClients}`);
  }
  return out;
}

/**
 * The YAML text of the effective configuration. `passthrough` holds the
 * fields of the `--config` file that this proxy does not use; they are
 * written back unchanged.
 */
export function encodeConfig(c: ProxyConfig, passthrough: Map<string, FieldValue>): string {
  const D = UPSTREAM_DEFAULTS;
  const mode = {
    masqueradeAll: c.masqueradeAll,
    masqueradeBit: c.masqueradeBit,
    minSyncPeriod: minSync(c.minSyncPeriodMs),
    syncPeriod: dur(c.syncPeriodMs),
  };
  const doc: Obj = {
    apiVersion: CONFIG_API_VERSION,
    kind: CONFIG_KIND,
    bindAddress: c.nodeIPOverride.map((ip) => ip.text).join(",") || D.bindAddress,
    bindAddressHardFail: c.bindAddressHardFail,
    clientConnection: {
      acceptContentTypes: "",
      burst: D.clientBurst,
      contentType: D.clientContentType,
      kubeconfig: c.kubeconfig,
      qps: D.clientQPS,
    },
    clusterCIDR: c.clusterCIDRs.map((x) => x.text).join(","),
    configSyncPeriod: dur(c.configSyncPeriodMs),
    conntrack: {
      maxPerCore: c.conntrack.maxPerCore,
      min: c.conntrack.min,
      tcpBeLiberal: c.conntrack.tcpBeLiberal,
      tcpCloseWaitTimeout: dur(c.conntrack.tcpCloseWaitTimeoutMs),
      tcpEstablishedTimeout: dur(c.conntrack.tcpEstablishedTimeoutMs),
      udpStreamTimeout: dur(c.conntrack.udpStreamTimeoutMs),
      udpTimeout: dur(c.conntrack.udpTimeoutMs),
    },
    detectLocal: {
      bridgeInterface: c.bridgeInterface,
      interfaceNamePrefix: c.interfaceNamePrefix,
    },
    detectLocalMode: c.detectLocalMode,
    enableProfiling: false,
    healthzBindAddress: server(c.healthzBindAddress),
    hostnameOverride: c.hostnameOverride,
    // Not read in nftables mode: upstream's defaults.
    iptables: {
      localhostNodePorts: true,
      masqueradeAll: false,
      masqueradeBit: D.masqueradeBit,
      minSyncPeriod: dur(D.minSyncPeriodMs),
      syncPeriod: dur(D.syncPeriodMs),
    },
    ipvs: {
      excludeCIDRs: null,
      minSyncPeriod: "0s",
      scheduler: "",
      strictARP: false,
      syncPeriod: dur(D.ipvsSyncPeriodMs),
      tcpFinTimeout: "0s",
      tcpTimeout: "0s",
      udpTimeout: "0s",
    },
    logging: {
      flushFrequency: dur(D.loggingFlushFrequencyMs),
      format: c.loggingFormat,
      options: { json: { infoBufferSize: "0" }, text: { infoBufferSize: "0" } },
      verbosity: c.verbosity,
    },
    metricsBindAddress: server(c.metricsBindAddress),
    mode: "nftables",
    nftables: mode,
    nodePortAddresses: c.nodePortAddresses === "primary"
      ? ["primary"]
      : c.nodePortAddresses.map((x) => x.text),
    oomScoreAdj: D.oomScoreAdj,
    portRange: "",
    showHiddenMetricsForVersion: "",
    winkernel: {
      enableDSR: false,
      forwardHealthCheckVip: false,
      networkName: "",
      rootHnsEndpointName: "",
      sourceVip: "",
    },
  };
  for (const [field, value] of passthrough) {
    if (field.startsWith("iptables.") || field.startsWith("nftables.")) continue;
    setPath(doc, field, encodeField(field, value));
  }
  const extra = extensionFlags(c);
  const header = [
    "# The effective configuration of kube-nft-proxy (--write-config-to).",
    ...(extra.length > 0
      ? [
        "# Settings a KubeProxyConfiguration cannot hold; pass them as flags:",
        `#   ${extra.join(" ")}`,
      ]
      : []),
  ];
  return header.join("\n") + "\n" + stringify(doc, { sortMapEntries: true, lineWidth: 0 });
}

const DURATION_FIELDS = /(Period|Timeout|Frequency)$/;

function encodeField(field: string, value: FieldValue): unknown {
  // Decoded durations are milliseconds; write them back as Go durations.
  if (typeof value === "number" && DURATION_FIELDS.test(field)) return dur(value);
  return value;
}
