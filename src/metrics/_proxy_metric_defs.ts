/**
 * Definitions (names, help texts, labels, buckets) of the proxy's metrics:
 * upstream kube-proxy's as upstream spells them (`ip_family` exactly on the
 * metrics upstream labels with it), then our own (`kubeproxy_invalid_objects`,
 * ...). Private to {@linkcode ProxyMetrics}.
 *
 * @module
 */

import {
  Counter,
  Gauge,
  Histogram,
  NETWORK_PROGRAMMING_BUCKETS,
  type Registry,
  SYNC_DURATION_BUCKETS,
} from "./registry.ts";

/** Label of the per-family metrics. */
export type FamilyLabel = "ip_family";

/** The metric objects behind {@linkcode ProxyMetrics}. */
export interface ProxyMetricSet {
  syncDuration: Histogram<FamilyLabel>;
  syncFullDuration: Histogram<FamilyLabel>;
  syncPartialDuration: Histogram<FamilyLabel>;
  lastSync: Gauge<FamilyLabel>;
  lastQueued: Gauge<FamilyLabel>;
  networkProgramming: Histogram<FamilyLabel>;
  serviceChanges: Counter;
  endpointChanges: Counter;
  servicePending: Gauge;
  endpointPending: Gauge;
  syncFailures: Counter<FamilyLabel>;
  cleanupFailures: Counter<FamilyLabel>;
  noLocal: Gauge<FamilyLabel | "traffic_policy">;
  driftRestored: Counter<FamilyLabel>;
  conntrackDeleted: Counter<FamilyLabel>;
  conntrackSyncDuration: Histogram<FamilyLabel>;
  healthz: Counter<"code">;
  livez: Counter<"code">;
  invalidObjects: Gauge<"kind">;
  refusedAddresses: Gauge<"reason">;
  quarantined: Gauge;
  overLimit: Gauge;
  nftApply: Histogram<"kind">;
}

const FAMILY: FamilyLabel[] = ["ip_family"];

/** Creates every proxy metric in `registry`. */
export function defineProxyMetrics(registry: Registry): ProxyMetricSet {
  const registers = [registry];
  const histogram = <L extends string = FamilyLabel>(
    name: string,
    help: string,
    buckets: readonly number[],
    labelNames: L[] = FAMILY as L[],
  ) => new Histogram<L>({ name, help, buckets: [...buckets], labelNames, registers });
  const counter = <L extends string>(name: string, help: string, labelNames: L[] = []) =>
    new Counter<L>({ name, help, labelNames, registers });
  const gauge = <L extends string>(name: string, help: string, labelNames: L[] = []) =>
    new Gauge<L>({ name, help, labelNames, registers });

  return {
    syncDuration: histogram(
      "kubeproxy_sync_proxy_rules_duration_seconds",
      "SyncProxyRules latency in seconds",
      SYNC_DURATION_BUCKETS,
    ),
    syncFullDuration: histogram(
      "kubeproxy_sync_full_proxy_rules_duration_seconds",
      "SyncProxyRules latency in seconds for full resyncs",
      SYNC_DURATION_BUCKETS,
    ),
    syncPartialDuration: histogram(
      "kubeproxy_sync_partial_proxy_rules_duration_seconds",
      "SyncProxyRules latency in seconds for partial resyncs",
      SYNC_DURATION_BUCKETS,
    ),
    lastSync: gauge(
      "kubeproxy_sync_proxy_rules_last_timestamp_seconds",
      "The last time proxy rules were successfully synced",
      FAMILY,
    ),
    lastQueued: gauge(
      "kubeproxy_sync_proxy_rules_last_queued_timestamp_seconds",
      "The last time a sync of proxy rules was queued",
      FAMILY,
    ),
    networkProgramming: histogram(
      "kubeproxy_network_programming_duration_seconds",
      "In Cluster Network Programming Latency in seconds",
      NETWORK_PROGRAMMING_BUCKETS,
    ),
    serviceChanges: counter(
      "kubeproxy_sync_proxy_rules_service_changes_total",
      "Cumulative proxy rules Service changes",
    ),
    endpointChanges: counter(
      "kubeproxy_sync_proxy_rules_endpoint_changes_total",
      "Cumulative proxy rules Endpoint changes",
    ),
    servicePending: gauge(
      "kubeproxy_sync_proxy_rules_service_changes_pending",
      "Pending proxy rules Service changes",
    ),
    endpointPending: gauge(
      "kubeproxy_sync_proxy_rules_endpoint_changes_pending",
      "Pending proxy rules Endpoint changes",
    ),
    syncFailures: counter(
      "kubeproxy_sync_proxy_rules_nftables_sync_failures_total",
      "Cumulative proxy nftables sync failures",
      FAMILY,
    ),
    cleanupFailures: counter(
      "kubeproxy_sync_proxy_rules_nftables_cleanup_failures_total",
      "Cumulative proxy nftables cleanup failures",
      FAMILY,
    ),
    noLocal: gauge(
      "kubeproxy_sync_proxy_rules_no_local_endpoints_total",
      "Number of services with a Local traffic policy and no endpoints",
      ["ip_family", "traffic_policy"],
    ),
    driftRestored: counter(
      "kubeproxy_sync_proxy_rules_drift_restored_total",
      "Cumulative syncs that found the proxy's nftables table changed by someone else and rewrote it",
      FAMILY,
    ),
    conntrackDeleted: counter(
      "kubeproxy_conntrack_reconciler_deleted_entries_total",
      "Cumulative conntrack flows deleted by conntrack reconciler",
      FAMILY,
    ),
    conntrackSyncDuration: histogram(
      "kubeproxy_conntrack_reconciler_sync_duration_seconds",
      "ReconcileConntrackFlowsLatency latency in seconds",
      SYNC_DURATION_BUCKETS,
    ),
    healthz: counter("kubeproxy_proxy_healthz_total", "Cumulative proxy healthz HTTP status", [
      "code",
    ]),
    livez: counter("kubeproxy_proxy_livez_total", "Cumulative proxy livez HTTP status", ["code"]),
    // Ours, not upstream's.
    invalidObjects: gauge(
      "kubeproxy_invalid_objects",
      "Objects currently skipped in whole or in part because a field is invalid, by kind",
      ["kind"],
    ),
    refusedAddresses: gauge(
      "kubeproxy_refused_service_addresses",
      "External and load-balancer IPs of Services currently refused (they equal a ClusterIP, lie in a service CIDR, or are claimed by an older Service), by reason",
      ["reason"],
    ),
    quarantined: gauge(
      "kubeproxy_quarantined_services",
      "Services currently left out of the ruleset because the kernel rejected their rules",
    ),
    overLimit: gauge(
      "kubeproxy_services_over_limit",
      "Services currently not programmed because they exceed the per-service element limit",
    ),
    nftApply: histogram(
      "kubeproxy_nftables_apply_duration_seconds",
      "Time nft took to apply one transaction, by kind of transaction",
      SYNC_DURATION_BUCKETS,
      ["kind"],
    ),
  };
}
