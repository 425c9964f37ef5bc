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
export function extensionFlags(config: ProxyConfig): string[] {
  const out: string[] = [];
  if (config.master) out.push(`--master=${config.master}`);
  if (config.manifests) out.push(`--manifests=${config.manifests}`);
  if (config.serviceCIDRs.length > 0) {
    out.push(`--service-cidrs=${config.serviceCIDRs.map((x) => x.text).join(",")}`);
  }
  if (config.fullSyncPeriodMs !== EXTENSION_DEFAULTS.fullSyncPeriodMs) {
    out.push(`--full-sync-period=${dur(config.fullSyncPeriodMs)}`);
  }
  if (config.driftCheckPeriodMs !== EXTENSION_DEFAULTS.driftCheckPeriodMs) {
    out.push(`--drift-check-period=${dur(config.driftCheckPeriodMs)}`);
  }
  if (config.tableName !== EXTENSION_DEFAULTS.tableName) {
    out.push(`--nft-table=${config.tableName}`);
  }
  if (config.conntrackCleanup !== EXTENSION_DEFAULTS.conntrackCleanup) {
    out.push(`--conntrack-cleanup=${config.conntrackCleanup}`);
  }
  if (config.nftBackend !== EXTENSION_DEFAULTS.nftBackend) {
    out.push(`--nft-backend=${config.nftBackend}`);
  }
  if (config.removeUpstreamRules !== EXTENSION_DEFAULTS.removeUpstreamRules) {
    out.push(`--remove-upstream-rules=${config.removeUpstreamRules}`);
  }
  if (config.maxServiceElements !== EXTENSION_DEFAULTS.maxServiceElements) {
    out.push(`--max-service-elements=${config.maxServiceElements}`);
  }
  if (config.affinityMaxClients !== EXTENSION_DEFAULTS.affinityMaxClients) {
    out.push(`--affinity-max-clients=${config.affinityMaxClients}`);
  }
  return out;
}

/**
 * The YAML text of the effective configuration. `passthrough` holds the
 * fields of the `--config` file that this proxy does not use; they are
 * written back unchanged.
 */
export function encodeConfig(config: ProxyConfig, passthrough: Map<string, FieldValue>): string {
  const D = UPSTREAM_DEFAULTS;
  const mode = {
    masqueradeAll: config.masqueradeAll,
    masqueradeBit: config.masqueradeBit,
    minSyncPeriod: minSync(config.minSyncPeriodMs),
    syncPeriod: dur(config.syncPeriodMs),
  };
  const doc: Obj = {
    apiVersion: CONFIG_API_VERSION,
    kind: CONFIG_KIND,
    bindAddress: config.nodeIPOverride.map((ip) => ip.text).join(",") || D.bindAddress,
    bindAddressHardFail: config.bindAddressHardFail,
    clientConnection: {
      acceptContentTypes: "",
      burst: D.clientBurst,
      contentType: D.clientContentType,
      kubeconfig: config.kubeconfig,
      qps: D.clientQPS,
    },
    clusterCIDR: config.clusterCIDRs.map((x) => x.text).join(","),
    configSyncPeriod: dur(config.configSyncPeriodMs),
    conntrack: {
      maxPerCore: config.conntrack.maxPerCore,
      min: config.conntrack.min,
      tcpBeLiberal: config.conntrack.tcpBeLiberal,
      tcpCloseWaitTimeout: dur(config.conntrack.tcpCloseWaitTimeoutMs),
      tcpEstablishedTimeout: dur(config.conntrack.tcpEstablishedTimeoutMs),
      udpStreamTimeout: dur(config.conntrack.udpStreamTimeoutMs),
      udpTimeout: dur(config.conntrack.udpTimeoutMs),
    },
    detectLocal: {
      bridgeInterface: config.bridgeInterface,
      interfaceNamePrefix: config.interfaceNamePrefix,
    },
    detectLocalMode: config.detectLocalMode,
    enableProfiling: false,
    healthzBindAddress: server(config.healthzBindAddress),
    hostnameOverride: config.hostnameOverride,
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
      format: config.loggingFormat,
      options: { json: { infoBufferSize: "0" }, text: { infoBufferSize: "0" } },
      verbosity: config.verbosity,
    },
    metricsBindAddress: server(config.metricsBindAddress),
    mode: "nftables",
    nftables: mode,
    nodePortAddresses: config.nodePortAddresses === "primary"
      ? ["primary"]
      : config.nodePortAddresses.map((x) => x.text),
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
  const extra = extensionFlags(config);
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
