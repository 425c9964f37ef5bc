/**
 * The proxy's Prometheus metrics: upstream kube-proxy's names, help texts,
 * labels and buckets ({@linkcode ProxyMetrics}), the process and build
 * metrics, and the registry they are rendered from (prom-client).
 *
 * @module
 */

export { type BuildInfo, currentBuildInfo, registerBuildInfo } from "./build_info.ts";
export { checkIpFamilies, checkIpFamily, IP_FAMILIES, type IpFamily } from "./ip_family.ts";
export {
  type ProcessMetricsOptions,
  type ProcessSnapshot,
  ProcReadError,
  readProcessSnapshot,
  registerProcessMetrics,
} from "./process_metrics.ts";
export {
  INVALID_OBJECT_KINDS,
  type InvalidObjectKind,
  type NftApplyKind,
  type NoLocalEndpointCounts,
  PROXY_METRIC_NAMES,
  REFUSAL_REASONS,
  type SyncKind,
} from "./proxy_metric_kinds.ts";
export { ProxyMetrics, type ProxyMetricsOptions } from "./proxy_metrics.ts";
export {
  Counter,
  exponentialBuckets,
  Gauge,
  Histogram,
  linearBuckets,
  NETWORK_PROGRAMMING_BUCKETS,
  newRegistry,
  PROMETHEUS_TEXT_CONTENT_TYPE,
  Registry,
  renderMetrics,
  SYNC_DURATION_BUCKETS,
} from "./registry.ts";
