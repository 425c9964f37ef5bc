/**
 * The configuration before validation: every setting as the flags or the
 * file gave it (text for addresses and CIDRs, milliseconds for durations),
 * after upstream's defaulting, with the origin of each value so that
 * validation can name it.
 *
 * @module
 */

import { DEFAULT_ORIGIN, type Origin } from "./origin.ts";
import type { FieldValue } from "./config_file.ts";

/** Upstream kube-proxy's defaults (`SetDefaults_KubeProxyConfiguration` and the Linux ones). */
export const UPSTREAM_DEFAULTS = {
  bindAddress: "0.0.0.0",
  healthzPort: 10256,
  metricsPort: 10249,
  syncPeriodMs: 30_000,
  minSyncPeriodMs: 1_000,
  masqueradeBit: 14,
  localhostNodePorts: true,
  detectLocalMode: "ClusterCIDR",
  conntrackMaxPerCore: 32 * 1024,
  conntrackMin: 128 * 1024,
  conntrackTcpEstablishedTimeoutMs: 24 * 3_600_000,
  conntrackTcpCloseWaitTimeoutMs: 3_600_000,
  configSyncPeriodMs: 15 * 60_000,
  loggingFormat: "text",
  loggingFlushFrequencyMs: 5_000,
  oomScoreAdj: -999,
  clientContentType: "application/vnd.kubernetes.protobuf",
  clientQPS: 5,
  clientBurst: 10,
  ipvsSyncPeriodMs: 30_000,
} as const;

/** Defaults of this proxy's own settings. */
export const EXTENSION_DEFAULTS = {
  fullSyncPeriodMs: 3_600_000,
  driftCheckPeriodMs: 30_000,
  tableName: "kube-nft-proxy",
  conntrackCleanup: true,
  nftBackend: "auto",
  removeUpstreamRules: true,
  maxServiceElements: 50_000,
  affinityMaxClients: 65_536,
} as const;

/** Default healthz and metrics addresses for a bind address, as upstream (IPv6 ones for an IPv6 bind address). */
export function defaultServerAddresses(bindAddress: string): { healthz: string; metrics: string } {
  const v6 = bindAddress.split(",")[0].includes(":");
  return v6
    ? {
      healthz: `[::]:${UPSTREAM_DEFAULTS.healthzPort}`,
      metrics: `[::1]:${UPSTREAM_DEFAULTS.metricsPort}`,
    }
    : {
      healthz: `0.0.0.0:${UPSTREAM_DEFAULTS.healthzPort}`,
      metrics: `127.0.0.1:${UPSTREAM_DEFAULTS.metricsPort}`,
    };
}

/** Every setting before validation. */
export interface DraftValues {
  kubeconfig: string;
  master: string;
  manifests: string;
  hostnameOverride: string;
  /** Node IP override (`--bind-address`), one IP per family, comma-separated. */
  bindAddress: string;
  bindAddressHardFail: boolean;
  /** IP[:port]; empty disables. */
  healthzBindAddress: string;
  /** IP[:port]; empty disables. */
  metricsBindAddress: string;
  mode: string;
  clusterCIDR: string;
  masqueradeAll: boolean;
  masqueradeBit: number;
  syncPeriodMs: number;
  minSyncPeriodMs: number;
  /** iptables mode's localhost NodePorts (not supported); null when not given. */
  localhostNodePorts: boolean | null;
  detectLocalMode: string;
  bridgeInterface: string;
  interfaceNamePrefix: string;
  nodePortAddresses: string[];
  conntrackMaxPerCore: number;
  conntrackMin: number;
  conntrackTcpEstablishedTimeoutMs: number;
  conntrackTcpCloseWaitTimeoutMs: number;
  conntrackTcpBeLiberal: boolean;
  conntrackUdpTimeoutMs: number;
  conntrackUdpStreamTimeoutMs: number;
  configSyncPeriodMs: number;
  verbosity: number;
  loggingFormat: string;
  serviceCIDRs: string[];
  fullSyncPeriodMs: number;
  driftCheckPeriodMs: number;
  tableName: string;
  conntrackCleanup: boolean;
  nftBackend: string;
  removeUpstreamRules: boolean;
  maxServiceElements: number;
  affinityMaxClients: number;
}

/** Name of a setting. */
export type DraftKey = keyof DraftValues;

/** The values of an empty configuration after upstream's defaulting, with this proxy's defaults. */
export function defaultDraftValues(): DraftValues {
  const d = UPSTREAM_DEFAULTS;
  const servers = defaultServerAddresses(d.bindAddress);
  return {
    kubeconfig: "",
    master: "",
    manifests: "",
    hostnameOverride: "",
    bindAddress: d.bindAddress,
    bindAddressHardFail: false,
    healthzBindAddress: servers.healthz,
    metricsBindAddress: servers.metrics,
    mode: "",
    clusterCIDR: "",
    masqueradeAll: false,
    masqueradeBit: d.masqueradeBit,
    syncPeriodMs: d.syncPeriodMs,
    minSyncPeriodMs: d.minSyncPeriodMs,
    localhostNodePorts: null,
    detectLocalMode: d.detectLocalMode,
    bridgeInterface: "",
    interfaceNamePrefix: "",
    nodePortAddresses: [],
    conntrackMaxPerCore: d.conntrackMaxPerCore,
    conntrackMin: d.conntrackMin,
    conntrackTcpEstablishedTimeoutMs: d.conntrackTcpEstablishedTimeoutMs,
    conntrackTcpCloseWaitTimeoutMs: d.conntrackTcpCloseWaitTimeoutMs,
    conntrackTcpBeLiberal: false,
    conntrackUdpTimeoutMs: 0,
    conntrackUdpStreamTimeoutMs: 0,
    configSyncPeriodMs: d.configSyncPeriodMs,
    verbosity: 0,
    loggingFormat: d.loggingFormat,
    serviceCIDRs: [],
    ...EXTENSION_DEFAULTS,
  };
}

/** Settings being assembled from the file and the flags. */
export class Draft {
  readonly values: DraftValues = defaultDraftValues();
  readonly #origins = new Map<DraftKey, Origin>();
  /**
   * Fields of the file that this proxy does not use, with their decoded values,
   * so that `--write-config-to` writes them back.
   */
  readonly passthrough = new Map<string, FieldValue>();

  /** Sets `key` to `value`, remembering where it came from. */
  set<K extends DraftKey>(key: K, value: DraftValues[K], origin: Origin): void {
    this.values[key] = value;
    this.#origins.set(key, origin);
  }

  /** Where `key`'s value came from. */
  origin(key: DraftKey): Origin {
    return this.#origins.get(key) ?? DEFAULT_ORIGIN;
  }
}
