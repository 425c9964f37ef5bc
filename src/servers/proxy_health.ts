/**
 * The proxy's own health, as upstream kube-proxy defines it for `/healthz`
 * and `/livez`, tracked per IP family as upstream's per-family proxiers are.
 *
 * A family is healthy unless a change has waited longer than
 * `healthTimeoutMs` to reach its table: {@linkcode ProxyHealth.queued}
 * records the first change not yet synced, {@linkcode ProxyHealth.synced}
 * clears it. A failed sync counts as a pending change too (the dataplane may
 * not match the wanted state), so syncs that keep failing turn the proxy
 * unhealthy after `healthTimeoutMs`. The proxy is healthy when every family
 * is. Upstream uses 2 × syncPeriod.
 *
 * One difference from upstream is deliberate: upstream counts a family that
 * never synced as healthy whatever waits; here a change that waited
 * `healthTimeoutMs` without any successful sync is unhealthy too, so a proxy
 * whose first sync keeps failing is restarted by its liveness probe instead
 * of reporting healthy forever.
 *
 * `/healthz` additionally reports unhealthy while the node is being deleted
 * or is tainted `ToBeDeletedByClusterAutoscaler`, so load balancers drain it;
 * `/livez` ignores the node. Services the proxy had to leave out of the
 * ruleset ("quarantined": the kernel rejected their rules) are listed in
 * `/healthz`'s body; they do not make the proxy unhealthy.
 *
 * All times are epoch milliseconds; every method takes an optional `now` and
 * otherwise asks the injected clock. Methods that take an optional `family`
 * apply to every tracked family when it is omitted, which suits one nft
 * transaction that programs the tables of both families.
 *
 * @module
 */

import type { Node } from "../model/kube_types.ts";
import { checkIpFamilies, IP_FAMILIES, type IpFamily } from "../metrics/ip_family.ts";

export type { IpFamily };

/** Taint the cluster autoscaler puts on a node it is about to delete. */
export const TO_BE_DELETED_TAINT = "ToBeDeletedByClusterAutoscaler";

/** Options of {@linkcode ProxyHealth}. */
export interface ProxyHealthOptions {
  /** How long a queued change may wait for a sync before the proxy is unhealthy. */
  healthTimeoutMs: number;
  /** Clock in epoch milliseconds. @default Date.now */
  now?: () => number;
  /** Families whose tables the proxy programs. @default ["IPv4", "IPv6"] */
  ipFamilies?: IpFamily[];
}

/** One family's health, as upstream's `status` map of `/healthz` reports it. */
export interface FamilyHealth {
  /** Last successful sync of this family, or null before the first. */
  lastUpdated: number | null;
  /** Whether no change of this family has waited `healthTimeoutMs`. */
  healthy: boolean;
}

/** What {@linkcode ProxyHealth.status} reports. */
export interface ProxyHealthStatus {
  /** Proxy health alone (every family): what `/livez` and the service health checks use. */
  healthy: boolean;
  /** Whether the node is not being deleted: `/healthz` needs this and `healthy`. */
  nodeEligible: boolean;
  /** Latest successful sync of any family, or null before the first one. */
  lastUpdated: number | null;
  /** Time of the oldest change (or failed sync) not yet synced, or null. */
  oldestPendingQueued: number | null;
  /** Failed syncs since the last successful one (of any family). */
  consecutiveFailures: number;
  /** The time the status was computed for. */
  currentTime: number;
  /** Families that synced or have a change waiting, with their own health. */
  families: Partial<Record<IpFamily, FamilyHealth>>;
  /** Services left out of the ruleset because the kernel rejected their rules ("ns/name"), sorted. */
  quarantinedServices: string[];
}

/** A Node as far as eligibility goes (taints are not in the shared Node type). */
export type NodeWithTaints = Node & {
  spec?: { taints?: { key?: string; effect?: string; value?: string }[] };
};

/** Tracks sync progress per family, node eligibility and quarantined Services. */
export class ProxyHealth {
  /** The timeout the health rule uses. */
  readonly healthTimeoutMs: number;
  /** Families tracked; the default of the methods' `family` argument. */
  readonly ipFamilies: readonly IpFamily[];
  #clock: () => number;
  #lastUpdated = new Map<IpFamily, number>();
  #oldestPending = new Map<IpFamily, number>();
  #failures = 0;
  #nodeEligible = true;
  #quarantined: string[] = [];

  constructor(options: ProxyHealthOptions) {
    const t = options?.healthTimeoutMs;
    if (typeof t !== "number" || !Number.isFinite(t) || t <= 0) {
      throw new RangeError(`Cannot track health: 'healthTimeoutMs' must be > 0, got ${t}`);
    }
    this.healthTimeoutMs = t;
    this.ipFamilies = checkIpFamilies("track health", options.ipFamilies ?? IP_FAMILIES);
    this.#clock = options.now ?? Date.now;
  }

  #time(now: number | undefined): number {
    const t = now ?? this.#clock();
    if (!Number.isFinite(t)) throw new RangeError(`Invalid time ${t}: expected epoch milliseconds`);
    return t;
  }

  #families(family: IpFamily | undefined): readonly IpFamily[] {
    return family === undefined ? this.ipFamilies : checkIpFamilies("track health", family);
  }

  /** Records that a change arrived that `family`'s table does not reflect yet. */
  queued(now?: number, family?: IpFamily): void {
    const t = this.#time(now);
    for (const f of this.#families(family)) {
      if (!this.#oldestPending.has(f)) this.#oldestPending.set(f, t);
    }
  }

  /** Records a successful sync of `family`: every change queued for it so far is programmed. */
  synced(now?: number, family?: IpFamily): void {
    const t = this.#time(now);
    for (const f of this.#families(family)) {
      this.#lastUpdated.set(f, t);
      this.#oldestPending.delete(f);
    }
    this.#failures = 0;
  }

  /** Records a failed sync; it counts as a pending change from now on. */
  syncFailed(now?: number, family?: IpFamily): void {
    this.queued(now, family);
    this.#failures++;
  }

  /**
   * Updates node eligibility from this proxy's Node: not eligible when it has
   * a deletionTimestamp or the {@linkcode TO_BE_DELETED_TAINT} taint. `null`
   * (the Node is gone) makes the node not eligible.
   */
  syncNode(node: NodeWithTaints | null): void {
    if (node === null) {
      this.#nodeEligible = false;
      return;
    }
    const deleting = !!node.metadata?.deletionTimestamp;
    const taints = Array.isArray(node.spec?.taints) ? node.spec.taints : [];
    const tainted = taints.some((t) => t?.key === TO_BE_DELETED_TAINT);
    this.#nodeEligible = !deleting && !tainted;
  }

  /**
   * Sets the Services currently left out of the ruleset because the kernel
   * rejected their rules, as `namespace/name` keys. Replaces the previous list.
   *
   * @throws {TypeError} when an entry is not a non-empty string.
   */
  setQuarantinedServices(services: Iterable<string>): void {
    const keys = new Set<string>();
    for (const s of services) {
      if (typeof s !== "string" || s === "") {
        throw new TypeError(
          `Cannot set quarantined services: expected "namespace/name" strings, got ${
            JSON.stringify(s)
          }`,
        );
      }
      keys.add(s);
    }
    this.#quarantined = [...keys].sort();
  }

  /** Whether the proxy alone is healthy at `now` (node eligibility ignored). */
  isHealthy(now?: number): boolean {
    return this.status(now).healthy;
  }

  /** The full health picture at `now`. */
  status(now?: number): ProxyHealthStatus {
    const currentTime = this.#time(now);
    const families: Partial<Record<IpFamily, FamilyHealth>> = {};
    let healthy = true;
    let lastUpdated: number | null = null;
    let oldestPendingQueued: number | null = null;
    for (const f of this.ipFamilies) {
      const updated = this.#lastUpdated.get(f) ?? null;
      const pending = this.#oldestPending.get(f) ?? null;
      if (updated === null && pending === null) continue;
      const ok = pending === null || currentTime - pending < this.healthTimeoutMs;
      families[f] = { lastUpdated: updated, healthy: ok };
      healthy &&= ok;
      if (updated !== null && (lastUpdated === null || updated > lastUpdated)) {
        lastUpdated = updated;
      }
      if (pending !== null && (oldestPendingQueued === null || pending < oldestPendingQueued)) {
        oldestPendingQueued = pending;
      }
    }
    return {
      healthy,
      nodeEligible: this.#nodeEligible,
      lastUpdated,
      oldestPendingQueued,
      consecutiveFailures: this.#failures,
      currentTime,
      families,
      quarantinedServices: [...this.#quarantined],
    };
  }
}
