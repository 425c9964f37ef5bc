/**
 * The validated configuration: every setting with its parsed type. It is
 * built once (`resolveConfig`) and read by the daemon, `--dry-run`,
 * `explain`, `--init-only` and `--write-config-to`.
 *
 * @module
 */

import type { Cidr, IpAddr } from "../model/ip.ts";
import type { DetectLocalMode } from "../plan/proxy_settings.ts";
import type { ConntrackSettings } from "../host/conntrack_sysctls.ts";
import type { LogFormat } from "../log/logger.ts";
import type { HostPort } from "./host_port.ts";

/** `mode` as given (validated); this proxy always programs nftables. */
export type ProxyMode = "" | "nftables" | "iptables" | "ipvs";

/** The validated configuration. */
export interface ProxyConfig {
  /** The `--config` file, or "" without one. */
  configFile: string;
  /** This node's name: `hostnameOverride`, or the lower-cased hostname. */
  nodeName: string;
  /** `--hostname-override` / `hostnameOverride`, lower-cased; "" when not given. */
  hostnameOverride: string;
  /** `--kubeconfig` / `clientConnection.kubeconfig`; "" for in-cluster configuration. */
  kubeconfig: string;
  /** `--master`: overrides the kubeconfig's server; "" when not given. */
  master: string;
  /** `--manifests`: read objects from files instead of the API server; "" when not given. */
  manifests: string;
  mode: ProxyMode;
  /** `--cluster-cidr` / `clusterCIDR`: at most one per family. */
  clusterCIDRs: Cidr[];
  masqueradeAll: boolean;
  /** 0..31. */
  masqueradeBit: number;
  syncPeriodMs: number;
  /** At most `syncPeriodMs`. */
  minSyncPeriodMs: number;
  fullSyncPeriodMs: number;
  /** 0 disables the drift check. */
  driftCheckPeriodMs: number;
  /** With `--manifests`: period of the safety re-read of the files. */
  configSyncPeriodMs: number;
  detectLocalMode: DetectLocalMode;
  bridgeInterface: string;
  interfaceNamePrefix: string;
  /** `primary` (the default), or CIDRs selecting this host's addresses. */
  nodePortAddresses: "primary" | Cidr[];
  /** `--service-cidrs`: used when the cluster has no ServiceCIDR objects. */
  serviceCIDRs: Cidr[];
  /** Where `/healthz` and `/livez` listen; null when disabled. */
  healthzBindAddress: HostPort | null;
  /** Where `/metrics` listens; null when disabled. */
  metricsBindAddress: HostPort | null;
  /** Exit when a server cannot bind, instead of logging and retrying. */
  bindAddressHardFail: boolean;
  /**
   * `--bind-address` / `bindAddress`: this node's primary IP per family,
   * overriding the Node object's; empty for `0.0.0.0` / `::` (the default).
   */
  nodeIPOverride: IpAddr[];
  conntrack: ConntrackSettings;
  verbosity: number;
  loggingFormat: LogFormat;
  /** `--nft-table`. */
  tableName: string;
  /** `--conntrack-cleanup`. */
  conntrackCleanup: boolean;
  /** `--nft-backend`. */
  nftBackend: "auto" | "libnftables" | "exec";
  /** `--remove-upstream-rules`. */
  removeUpstreamRules: boolean;
  /** `--max-service-elements`. */
  maxServiceElements: number;
  /** `--affinity-max-clients`. */
  affinityMaxClients: number;
}
