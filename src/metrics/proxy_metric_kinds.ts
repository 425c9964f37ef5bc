/**
 * Names and label values of the proxy's metrics: the metric names
 * {@linkcode ProxyMetrics} registers, and the values its labels take.
 *
 * @module
 */

/** Kind of a sync: everything rewritten, or only the changed services. */
export type SyncKind = "full" | "partial";
/** Kind of an nft transaction, for `kubeproxy_nftables_apply_duration_seconds`. */
export type NftApplyKind = "full" | "partial" | "cleanup";
/** Kinds of objects the proxy reads, for `kubeproxy_invalid_objects`. */
export type InvalidObjectKind = "Service" | "EndpointSlice" | "Node" | "ServiceCIDR";
/** Every {@linkcode InvalidObjectKind}. */
export const INVALID_OBJECT_KINDS: readonly InvalidObjectKind[] = Object.freeze([
  "Service",
  "EndpointSlice",
  "Node",
  "ServiceCIDR",
]);
/**
 * Reasons shown from the start on `kubeproxy_refused_service_addresses`:
 * the address equals a ClusterIP, lies in a service CIDR, or is claimed by an
 * older Service. Other reasons (snake_case) are accepted too.
 */
export const REFUSAL_REASONS: readonly string[] = Object.freeze([
  "cluster_ip",
  "service_cidr",
  "claimed",
]);

/** Counts of Local-policy service ports with endpoints on other nodes only. */
export interface NoLocalEndpointCounts {
  /** Ports with `internalTrafficPolicy: Local`. */
  internal: number;
  /** Ports with `externalTrafficPolicy: Local`. */
  external: number;
}

/** Every metric name {@linkcode ProxyMetrics} registers (process metrics aside). */
export const PROXY_METRIC_NAMES: readonly string[] = Object.freeze([
  "kubeproxy_sync_proxy_rules_duration_seconds",
  "kubeproxy_sync_full_proxy_rules_duration_seconds",
  "kubeproxy_sync_partial_proxy_rules_duration_seconds",
  "kubeproxy_sync_proxy_rules_last_timestamp_seconds",
  "kubeproxy_sync_proxy_rules_last_queued_timestamp_seconds",
  "kubeproxy_network_programming_duration_seconds",
  "kubeproxy_sync_proxy_rules_service_changes_total",
  "kubeproxy_sync_proxy_rules_endpoint_changes_total",
  "kubeproxy_sync_proxy_rules_service_changes_pending",
  "kubeproxy_sync_proxy_rules_endpoint_changes_pending",
  "kubeproxy_sync_proxy_rules_nftables_sync_failures_total",
  "kubeproxy_sync_proxy_rules_nftables_cleanup_failures_total",
  "kubeproxy_sync_proxy_rules_no_local_endpoints_total",
  "kubeproxy_sync_proxy_rules_drift_restored_total",
  "kubeproxy_conntrack_reconciler_deleted_entries_total",
  "kubeproxy_conntrack_reconciler_sync_duration_seconds",
  "kubeproxy_proxy_healthz_total",
  "kubeproxy_proxy_livez_total",
  "kubeproxy_invalid_objects",
  "kubeproxy_refused_service_addresses",
  "kubeproxy_quarantined_services",
  "kubeproxy_services_over_limit",
  "kubeproxy_nftables_apply_duration_seconds",
  "kubernetes_build_info",
]);

/** @throws {RangeError} unless `count` is an integer >= 0. */
export function checkCount(what: string, count: number): void {
  if (!Number.isInteger(count) || count < 0) {
    throw new RangeError(`Cannot record ${what}: expected an integer >= 0, got ${count}`);
  }
}

/** @throws {RangeError} unless `seconds` is a finite number >= 0. */
export function checkSeconds(what: string, seconds: number): void {
  if (!Number.isFinite(seconds) || seconds < 0) {
    throw new RangeError(`Cannot record ${what}: expected seconds >= 0, got ${seconds}`);
  }
}
