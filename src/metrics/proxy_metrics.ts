/**
 * The proxy's own metrics, with upstream kube-proxy's names, help texts,
 * labels and buckets, so existing dashboards and alerts keep working.
 *
 * Per-family metrics carry an `ip_family` label ("IPv4" or "IPv6") like
 * upstream since 1.33. Methods that take an optional `family` record the value
 * for every configured family when it is omitted, which suits a proxier that
 * programs both families in one transaction.
 *
 * @module
 */

import { defineProxyMetrics, type ProxyMetricSet } from "./_proxy_metric_defs.ts";
import { registerProcessMetrics } from "./process_metrics.ts";
import { newRegistry, type Registry, renderMetrics } from "./registry.ts";

/** An IP family as Kubernetes spells it. */
export type IpFamily = "IPv4" | "IPv6";
/** Kind of a sync: everything rewritten, or only the changed services. */
export type SyncKind = "full" | "partial";

/** Options of {@linkcode ProxyMetrics}. */
export interface ProxyMetricsOptions {
  /** Registry to register into. @default a new registry */
  registry?: Registry;
  /** Families this proxy programs. @default ["IPv4"] */
  ipFamilies?: IpFamily[];
  /** Also register process metrics (`process_*`, `deno_heap_*`). @default true */
  processMetrics?: boolean;
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
  "kubeproxy_proxy_healthz_total",
  "kubeproxy_proxy_livez_total",
]);

function checkCount(what: string, n: number): void {
  if (!Number.isInteger(n) || n < 0) {
    throw new RangeError(`Cannot record ${what}: expected an integer >= 0, got ${n}`);
  }
}

function checkSeconds(what: string, s: number): void {
  if (!Number.isFinite(s) || s < 0) {
    throw new RangeError(`Cannot record ${what}: expected seconds >= 0, got ${s}`);
  }
}

/** The proxy's metrics, registered in {@linkcode ProxyMetrics.registry}. */
export class ProxyMetrics {
  /** The registry holding every metric; serve it with `startMetricsServer`. */
  readonly registry: Registry;
  /** Families the family-less calls record for. */
  readonly ipFamilies: readonly IpFamily[];

  #m: ProxyMetricSet;

  constructor(options: ProxyMetricsOptions = {}) {
    const families = options.ipFamilies ?? ["IPv4"];
    if (families.length === 0 || families.some((f) => f !== "IPv4" && f !== "IPv6")) {
      throw new RangeError(
        `Cannot create metrics: 'ipFamilies' must list "IPv4" and/or "IPv6", got ${
          JSON.stringify(families)
        }`,
      );
    }
    this.ipFamilies = Object.freeze([...new Set(families)]);
    this.registry = options.registry ?? newRegistry();
    this.#m = defineProxyMetrics(this.registry);
    for (const f of this.ipFamilies) {
      // Show zero-valued series from the start so rate() and alerts work before any event.
      this.#m.syncFailures.inc({ ip_family: f }, 0);
      this.#m.cleanupFailures.inc({ ip_family: f }, 0);
      this.#m.driftRestored.inc({ ip_family: f }, 0);
      this.#m.noLocal.set({ ip_family: f, traffic_policy: "internal" }, 0);
      this.#m.noLocal.set({ ip_family: f, traffic_policy: "external" }, 0);
    }
    if (options.processMetrics ?? true) registerProcessMetrics(this.registry);
  }

  #families(family?: IpFamily): readonly IpFamily[] {
    if (family === undefined) return this.ipFamilies;
    if (family !== "IPv4" && family !== "IPv6") {
      throw new RangeError(`Unknown IP family ${JSON.stringify(family)}: use "IPv4" or "IPv6"`);
    }
    return [family];
  }

  /** Records how long one sync took (successful or not), as full or partial. */
  observeSync(kind: SyncKind, seconds: number, family?: IpFamily): void {
    if (kind !== "full" && kind !== "partial") {
      throw new RangeError(`Cannot record sync: kind must be "full" or "partial", got ${kind}`);
    }
    checkSeconds("sync duration", seconds);
    for (const ip_family of this.#families(family)) {
      this.#m.syncDuration.observe({ ip_family }, seconds);
      (kind === "full" ? this.#m.syncFullDuration : this.#m.syncPartialDuration).observe({
        ip_family,
      }, seconds);
    }
  }

  /** Records a successful sync at `nowMs` (epoch milliseconds). */
  synced(nowMs: number = Date.now(), family?: IpFamily): void {
    for (const ip_family of this.#families(family)) {
      this.#m.lastSync.set({ ip_family }, nowMs / 1000);
    }
  }

  /** Records that a sync was queued at `nowMs` (epoch milliseconds). */
  queued(nowMs: number = Date.now(), family?: IpFamily): void {
    for (const ip_family of this.#families(family)) {
      this.#m.lastQueued.set({ ip_family }, nowMs / 1000);
    }
  }

  /** Counts a failed nftables sync transaction. */
  syncFailed(family?: IpFamily): void {
    for (const ip_family of this.#families(family)) this.#m.syncFailures.inc({ ip_family });
  }

  /** Counts a failed cleanup of stale nftables objects. */
  cleanupFailed(family?: IpFamily): void {
    for (const ip_family of this.#families(family)) this.#m.cleanupFailures.inc({ ip_family });
  }

  /** Counts a sync that found the table altered by someone else and restored it. */
  driftRestored(family?: IpFamily): void {
    for (const ip_family of this.#families(family)) this.#m.driftRestored.inc({ ip_family });
  }

  /** Counts `n` Service changes received from the source. */
  serviceChanged(n = 1): void {
    checkCount("service changes", n);
    this.#m.serviceChanges.inc(n);
  }

  /** Counts `n` EndpointSlice changes received from the source. */
  endpointsChanged(n = 1): void {
    checkCount("endpoint changes", n);
    this.#m.endpointChanges.inc(n);
  }

  /** Sets how many Service and endpoint changes wait for the next sync. */
  setPendingChanges(pending: { services: number; endpoints: number }): void {
    checkCount("pending service changes", pending.services);
    checkCount("pending endpoint changes", pending.endpoints);
    this.#m.servicePending.set(pending.services);
    this.#m.endpointPending.set(pending.endpoints);
  }

  /**
   * Records network programming latency: for each trigger time (epoch ms,
   * e.g. from the `endpoints.kubernetes.io/last-change-trigger-time`
   * annotation) the time until `nowMs`. Trigger times in the future (clock
   * skew) are skipped, as upstream does.
   */
  networkProgrammed(
    triggerTimesMs: Iterable<number>,
    nowMs: number = Date.now(),
    family?: IpFamily,
  ): void {
    for (const t of triggerTimesMs) {
      if (!Number.isFinite(t) || t > nowMs) continue;
      for (const ip_family of this.#families(family)) {
        this.#m.networkProgramming.observe({ ip_family }, (nowMs - t) / 1000);
      }
    }
  }

  /** Sets the number of Local-policy services without local endpoints, per policy. */
  setNoLocalEndpoints(counts: { internal: number; external: number }, family?: IpFamily): void {
    checkCount("services without local endpoints", counts.internal);
    checkCount("services without local endpoints", counts.external);
    for (const ip_family of this.#families(family)) {
      this.#m.noLocal.set({ ip_family, traffic_policy: "internal" }, counts.internal);
      this.#m.noLocal.set({ ip_family, traffic_policy: "external" }, counts.external);
    }
  }

  /** Counts `n` stale conntrack entries deleted. */
  conntrackEntriesDeleted(n: number, family?: IpFamily): void {
    checkCount("deleted conntrack entries", n);
    for (const ip_family of this.#families(family)) this.#m.conntrackDeleted.inc({ ip_family }, n);
  }

  /** Counts one `/healthz` answer with HTTP status `code`. */
  healthzResponded(code: number): void {
    this.#m.healthz.inc({ code: String(code) });
  }

  /** Counts one `/livez` answer with HTTP status `code`. */
  livezResponded(code: number): void {
    this.#m.livez.inc({ code: String(code) });
  }

  /** Renders the registry in the Prometheus text format. */
  render(): Promise<string> {
    return renderMetrics(this.registry);
  }
}
