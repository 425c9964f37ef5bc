/**
 * The proxy's metrics, with upstream kube-proxy's names, help texts, labels
 * and buckets, so existing dashboards and alerts keep working, plus a few of
 * our own (invalid objects, refused addresses, quarantined Services, nft
 * apply latency, drift restores).
 *
 * `ip_family` ("IPv4"/"IPv6") is on exactly the metrics upstream labels with
 * it. Upstream runs one proxier per family, each recording its own syncs;
 * this proxy programs the tables of every family in one nft transaction, so:
 * - sync-level calls ({@linkcode ProxyMetrics.observeSync}, `synced`,
 *   `queued`, `syncFailed`, `cleanupFailed`) record for the families the
 *   transaction programmed: pass them, or omit them for every family of
 *   `ipFamilies` (a full sync programs both tables, as both of upstream's
 *   proxiers would have synced);
 * - values that differ per family take the family as an argument and record
 *   for that family only, never copied to the other:
 *   {@linkcode ProxyMetrics.setServicePortsWithoutLocalEndpoints},
 *   {@linkcode ProxyMetrics.conntrackReconciled},
 *   {@linkcode ProxyMetrics.networkProgrammed},
 *   {@linkcode ProxyMetrics.driftRestored}. Their older family-less forms
 *   are deprecated and record for the first family of `ipFamilies` only.
 *
 * @module
 */

import { defineProxyMetrics, type ProxyMetricSet } from "./_proxy_metric_defs.ts";
import { type BuildInfo, registerBuildInfo } from "./build_info.ts";
import { checkIpFamilies, checkIpFamily, type IpFamily } from "./ip_family.ts";
import { registerProcessMetrics } from "./process_metrics.ts";
import { newRegistry, type Registry, renderMetrics } from "./registry.ts";

import {
  checkCount,
  checkSeconds,
  INVALID_OBJECT_KINDS,
  type InvalidObjectKind,
  type NftApplyKind,
  type NoLocalEndpointCounts,
  REFUSAL_REASONS,
  type SyncKind,
} from "./proxy_metric_kinds.ts";

export * from "./proxy_metric_kinds.ts";
export type { IpFamily };

/** Options of {@linkcode ProxyMetrics}. */
export interface ProxyMetricsOptions {
  /** Registry to register into. @default a new registry */
  registry?: Registry;
  /**
   * Families whose tables this proxy programs: the default of sync-level
   * calls, and the series shown at zero from the start. @default ["IPv4"]
   */
  ipFamilies?: IpFamily[];
  /** Also register process metrics (`process_*`, `deno_heap_*`). @default true */
  processMetrics?: boolean;
  /** Labels of `kubernetes_build_info` to override, or false to leave it out. @default {} */
  buildInfo?: Partial<BuildInfo> | false;
}

/** The proxy's metrics, registered in {@linkcode ProxyMetrics.registry}. */
export class ProxyMetrics {
  /** The registry holding every metric; serve it with `startMetricsServer`. */
  readonly registry: Registry;
  /** Families this proxy programs; the default of sync-level calls. */
  readonly ipFamilies: readonly IpFamily[];

  #metrics: ProxyMetricSet;

  constructor(options: ProxyMetricsOptions = {}) {
    this.ipFamilies = checkIpFamilies("create metrics", options.ipFamilies ?? ["IPv4"]);
    this.registry = options.registry ?? newRegistry();
    this.#metrics = defineProxyMetrics(this.registry);
    for (const f of this.ipFamilies) {
      // Show zero-valued series from the start so rate() and alerts work before any event.
      this.#metrics.syncFailures.inc({ ip_family: f }, 0);
      this.#metrics.cleanupFailures.inc({ ip_family: f }, 0);
      this.#metrics.driftRestored.inc({ ip_family: f }, 0);
      this.#metrics.conntrackDeleted.inc({ ip_family: f }, 0);
      this.#metrics.noLocal.set({ ip_family: f, traffic_policy: "internal" }, 0);
      this.#metrics.noLocal.set({ ip_family: f, traffic_policy: "external" }, 0);
    }
    this.setInvalidObjects({});
    this.setRefusedServiceAddresses({});
    this.#metrics.quarantined.set(0);
    this.#metrics.overLimit.set(0);
    if (options.buildInfo !== false) registerBuildInfo(this.registry, options.buildInfo ?? {});
    if (options.processMetrics ?? true) registerProcessMetrics(this.registry);
  }

  /** The families a sync-level call records for: the given ones, or every one of ipFamilies. */
  #families(families: IpFamily | readonly IpFamily[] | undefined): readonly IpFamily[] {
    return families === undefined ? this.ipFamilies : checkIpFamilies("record metrics", families);
  }

  /** The family of a per-family value; a missing one (deprecated) is the first of ipFamilies. */
  #family(family: IpFamily | undefined): IpFamily {
    return family === undefined ? this.ipFamilies[0] : checkIpFamily("record metrics", family);
  }

  /**
   * Records how long one sync took (successful or not), as full or partial,
   * for each family whose table it programmed (default: every family).
   */
  observeSync(kind: SyncKind, seconds: number, families?: IpFamily | readonly IpFamily[]): void {
    if (kind !== "full" && kind !== "partial") {
      throw new RangeError(`Cannot record sync: kind must be "full" or "partial", got ${kind}`);
    }
    checkSeconds("sync duration", seconds);
    const perKind = kind === "full"
      ? this.#metrics.syncFullDuration
      : this.#metrics.syncPartialDuration;
    for (const ip_family of this.#families(families)) {
      this.#metrics.syncDuration.observe({ ip_family }, seconds);
      perKind.observe({ ip_family }, seconds);
    }
  }

  /** Records a successful sync of `families` (default: every family) at `nowMs`. */
  synced(nowMs: number = Date.now(), families?: IpFamily | readonly IpFamily[]): void {
    for (const ip_family of this.#families(families)) {
      this.#metrics.lastSync.set({ ip_family }, nowMs / 1000);
    }
  }

  /** Records that a sync of `families` (default: every family) was queued at `nowMs`. */
  queued(nowMs: number = Date.now(), families?: IpFamily | readonly IpFamily[]): void {
    for (const ip_family of this.#families(families)) {
      this.#metrics.lastQueued.set({ ip_family }, nowMs / 1000);
    }
  }

  /** Counts a failed nftables sync transaction of `families` (default: every family). */
  syncFailed(families?: IpFamily | readonly IpFamily[]): void {
    for (const ip_family of this.#families(families)) this.#metrics.syncFailures.inc({ ip_family });
  }

  /** Counts a failed cleanup of stale nftables objects of `families` (default: every family). */
  cleanupFailed(families?: IpFamily | readonly IpFamily[]): void {
    for (const ip_family of this.#families(families)) {
      this.#metrics.cleanupFailures.inc({ ip_family });
    }
  }

  /**
   * Counts a sync that found `family`'s table altered by someone else and
   * restored it. Call once per family whose table was found changed.
   * (Omitting `family` is deprecated: it counts for the first family only.)
   */
  driftRestored(family?: IpFamily): void {
    this.#metrics.driftRestored.inc({ ip_family: this.#family(family) });
  }

  /** Counts `count` Service changes received from the source. */
  serviceChanged(count = 1): void {
    checkCount("service changes", count);
    this.#metrics.serviceChanges.inc(count);
  }

  /** Counts `count` EndpointSlice changes received from the source. */
  endpointsChanged(count = 1): void {
    checkCount("endpoint changes", count);
    this.#metrics.endpointChanges.inc(count);
  }

  /** Sets how many Service and endpoint changes wait for the next sync. */
  setPendingChanges(pending: { services: number; endpoints: number }): void {
    checkCount("pending service changes", pending.services);
    checkCount("pending endpoint changes", pending.endpoints);
    this.#metrics.servicePending.set(pending.services);
    this.#metrics.endpointPending.set(pending.endpoints);
  }

  /**
   * Records network programming latency of `family`'s changes: for each
   * trigger time (epoch ms, from the `endpoints.kubernetes.io/last-change-trigger-time`
   * annotation of an EndpointSlice of that family) the time until `nowMs`.
   * Trigger times in the future (clock skew) are skipped, as upstream does.
   * (Omitting `family` is deprecated: it records for the first family only.)
   */
  networkProgrammed(
    triggerTimesMs: Iterable<number>,
    nowMs: number = Date.now(),
    family?: IpFamily,
  ): void {
    const ip_family = this.#family(family);
    for (const t of triggerTimesMs) {
      if (!Number.isFinite(t) || t > nowMs) continue;
      this.#metrics.networkProgramming.observe({ ip_family }, (nowMs - t) / 1000);
    }
  }

  /**
   * Sets `kubeproxy_sync_proxy_rules_no_local_endpoints_total` for `family`,
   * counted as upstream counts it: SERVICE PORTS (not Services) of this family
   * whose traffic policy is Local and that have ready endpoints, but none on
   * this node; `internal` for internalTrafficPolicy, `external` for
   * externalTrafficPolicy. A port with no endpoint at all is not counted.
   */
  setServicePortsWithoutLocalEndpoints(family: IpFamily, counts: NoLocalEndpointCounts): void {
    const ip_family = checkIpFamily("record service ports without local endpoints", family);
    checkCount("service ports without local endpoints (internal)", counts?.internal);
    checkCount("service ports without local endpoints (external)", counts?.external);
    this.#metrics.noLocal.set({ ip_family, traffic_policy: "internal" }, counts.internal);
    this.#metrics.noLocal.set({ ip_family, traffic_policy: "external" }, counts.external);
  }

  /**
   * @deprecated use {@linkcode setServicePortsWithoutLocalEndpoints} with the
   * family; without `family` this records for the first family only.
   */
  setNoLocalEndpoints(counts: NoLocalEndpointCounts, family?: IpFamily): void {
    this.setServicePortsWithoutLocalEndpoints(this.#family(family), counts);
  }

  /**
   * Records one conntrack reconcile run of `family`, as upstream does after
   * each: its duration and the stale entries it deleted (0 included).
   */
  conntrackReconciled(family: IpFamily, run: { seconds: number; deleted: number }): void {
    const ip_family = checkIpFamily("record a conntrack reconcile", family);
    checkSeconds("conntrack reconcile duration", run?.seconds);
    checkCount("deleted conntrack entries", run.deleted);
    this.#metrics.conntrackSyncDuration.observe({ ip_family }, run.seconds);
    this.#metrics.conntrackDeleted.inc({ ip_family }, run.deleted);
  }

  /**
   * Counts `count` stale conntrack entries of `family` deleted.
   * (Omitting `family` is deprecated: it counts for the first family only.)
   */
  conntrackEntriesDeleted(count: number, family?: IpFamily): void {
    checkCount("deleted conntrack entries", count);
    this.#metrics.conntrackDeleted.inc({ ip_family: this.#family(family) }, count);
  }

  /** Counts one `/healthz` answer with HTTP status `code`. */
  healthzResponded(code: number): void {
    this.#metrics.healthz.inc({ code: String(code) });
  }

  /** Counts one `/livez` answer with HTTP status `code`. */
  livezResponded(code: number): void {
    this.#metrics.livez.inc({ code: String(code) });
  }

  /**
   * Sets `kubeproxy_invalid_objects{kind}`: objects currently skipped in
   * whole or in part because of an invalid field. Kinds left out are 0.
   */
  setInvalidObjects(counts: Partial<Record<InvalidObjectKind, number>>): void {
    for (const kind of Object.keys(counts ?? {})) {
      if (!INVALID_OBJECT_KINDS.includes(kind as InvalidObjectKind)) {
        throw new RangeError(
          `Cannot record invalid objects: unknown kind ${JSON.stringify(kind)}: use one of ${
            INVALID_OBJECT_KINDS.join(", ")
          }`,
        );
      }
      checkCount(`invalid ${kind} objects`, counts[kind as InvalidObjectKind]!);
    }
    for (const kind of INVALID_OBJECT_KINDS) {
      this.#metrics.invalidObjects.set({ kind }, counts?.[kind] ?? 0);
    }
  }

  /**
   * Sets `kubeproxy_refused_service_addresses{reason}`: external and LB
   * addresses currently refused, by reason (snake_case, see
   * {@linkcode REFUSAL_REASONS}). Replaces every previous value; the usual
   * reasons left out are 0.
   */
  setRefusedServiceAddresses(counts: Record<string, number>): void {
    for (const [reason, n] of Object.entries(counts ?? {})) {
      if (!/^[a-z][a-z0-9_]{0,62}$/.test(reason)) {
        throw new RangeError(
          `Cannot record refused addresses: reason ${JSON.stringify(reason)} must be snake_case`,
        );
      }
      checkCount(`refused addresses (${reason})`, n);
    }
    this.#metrics.refusedAddresses.reset();
    for (const reason of REFUSAL_REASONS) this.#metrics.refusedAddresses.set({ reason }, 0);
    for (const [reason, n] of Object.entries(counts ?? {})) {
      this.#metrics.refusedAddresses.set({ reason }, n);
    }
  }

  /** Sets `kubeproxy_quarantined_services`: Services left out because the kernel rejected their rules. */
  setQuarantinedServices(count: number): void {
    checkCount("quarantined services", count);
    this.#metrics.quarantined.set(count);
  }

  /** Sets `kubeproxy_services_over_limit`: Services not programmed for exceeding the element limit. */
  setServicesOverLimit(count: number): void {
    checkCount("services over the element limit", count);
    this.#metrics.overLimit.set(count);
  }

  /** Records how long nft took to apply one transaction of `kind`. */
  observeNftApply(kind: NftApplyKind, seconds: number): void {
    if (kind !== "full" && kind !== "partial" && kind !== "cleanup") {
      throw new RangeError(
        `Cannot record an nft apply: kind must be "full", "partial" or "cleanup", got ${kind}`,
      );
    }
    checkSeconds("nft apply duration", seconds);
    this.#metrics.nftApply.observe({ kind }, seconds);
  }

  /** Renders the registry in the Prometheus text format. */
  render(): Promise<string> {
    return renderMetrics(this.registry);
  }
}
