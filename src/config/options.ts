/**
 * The proxy's options: every setting a flag or the configuration file can
 * give, with upstream kube-proxy's defaults.
 *
 * @module
 */

import type { DetectLocalMode } from "../plan/proxy_settings.ts";

/** All options, after defaults, the config file and flags are merged. */
export interface ProxyOptions {
  /** --config */
  config: string;
  /** --kubeconfig / clientConnection.kubeconfig */
  kubeconfig: string;
  /** --master */
  master: string;
  /** --manifests: read objects from files instead of the API server. */
  manifests: string;
  /** --hostname-override / hostnameOverride */
  hostnameOverride: string;
  /** --cluster-cidr / clusterCIDR (comma-separated, one per family) */
  clusterCIDR: string;
  /** --masquerade-all / nftables.masqueradeAll */
  masqueradeAll: boolean;
  /** nftables.masqueradeBit */
  masqueradeBit: number;
  /** --sync-period / nftables.syncPeriod, ms */
  syncPeriodMs: number;
  /** --min-sync-period / nftables.minSyncPeriod, ms */
  minSyncPeriodMs: number;
  /** --full-sync-period: periodic full resync, ms */
  fullSyncPeriodMs: number;
  /** --proxy-mode / mode */
  mode: string;
  /** --nodeport-addresses / nodePortAddresses */
  nodePortAddresses: string[];
  /** --detect-local-mode / detectLocalMode */
  detectLocalMode: DetectLocalMode;
  /** --pod-bridge-interface / detectLocal.bridgeInterface */
  podBridgeInterface: string;
  /** --pod-interface-name-prefix / detectLocal.interfaceNamePrefix */
  podInterfaceNamePrefix: string;
  /** --service-cidrs: used when the cluster has no ServiceCIDR objects */
  serviceCIDRs: string[];
  /** --healthz-bind-address / healthzBindAddress */
  healthzBindAddress: string;
  /** --metrics-bind-address / metricsBindAddress */
  metricsBindAddress: string;
  /** --drift-check-period, ms */
  driftCheckPeriodMs: number;
  /** --v / logging.verbosity */
  verbosity: number;
  /** --logging-format / logging.format */
  loggingFormat: "text" | "json";
  /** --dry-run */
  dryRun: boolean;
  /** --cleanup */
  cleanup: boolean;
  /** --nft-table: name of the proxy's tables */
  tableName: string;
  /** --max-service-elements */
  maxServiceElements: number;
  /** --affinity-max-clients */
  affinityMaxClients: number;
  /** --remove-upstream-rules: remove upstream kube-proxy's leftovers after the first sync */
  removeUpstreamRules: boolean;
  /** --nft-backend: auto, libnftables or exec */
  nftBackend: "auto" | "libnftables" | "exec";
  /** --conntrack-cleanup: delete stale UDP conntrack entries */
  conntrackCleanup: boolean;
  /** explain: --src IP */
  explainSrc: string;
  /** explain: --dst IP:PORT[/tcp|udp|sctp] */
  explainDst: string;
  /** explain: --output text|json */
  output: string;
  help: boolean;
  version: boolean;
}

/** Upstream defaults. */
export function defaultOptions(): ProxyOptions {
  return {
    config: "",
    kubeconfig: "",
    master: "",
    manifests: "",
    hostnameOverride: "",
    clusterCIDR: "",
    masqueradeAll: false,
    masqueradeBit: 14,
    syncPeriodMs: 30_000,
    minSyncPeriodMs: 1_000,
    fullSyncPeriodMs: 3_600_000,
    mode: "nftables",
    nodePortAddresses: [],
    detectLocalMode: "ClusterCIDR",
    podBridgeInterface: "",
    podInterfaceNamePrefix: "",
    serviceCIDRs: [],
    healthzBindAddress: "0.0.0.0:10256",
    metricsBindAddress: "127.0.0.1:10249",
    driftCheckPeriodMs: 30_000,
    verbosity: 0,
    loggingFormat: "text",
    dryRun: false,
    cleanup: false,
    tableName: "kube-nft-proxy",
    nftBackend: "auto",
    removeUpstreamRules: true,
    maxServiceElements: 50_000,
    affinityMaxClients: 65_536,
    conntrackCleanup: true,
    explainSrc: "",
    explainDst: "",
    output: "text",
    help: false,
    version: false,
  };
}
