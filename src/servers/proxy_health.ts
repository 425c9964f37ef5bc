/**
 * The proxy's own health, as upstream kube-proxy defines it for `/healthz`
 * and `/livez`.
 *
 * The proxy is healthy unless a change has waited longer than
 * `healthTimeoutMs` to reach the dataplane: {@linkcode ProxyHealth.queued}
 * records the first change not yet synced, {@linkcode ProxyHealth.synced}
 * clears it. A failed sync counts as a pending change too (the dataplane may
 * not match the wanted state), so syncs that keep failing turn the proxy
 * unhealthy after `healthTimeoutMs`. Upstream uses 2 × syncPeriod.
 *
 * `/healthz` additionally reports unhealthy while the node is being deleted
 * or is tainted `ToBeDeletedByClusterAutoscaler`, so load balancers drain it;
 * `/livez` ignores the node.
 *
 * All times are epoch milliseconds; every method takes an optional `now` and
 * otherwise asks the injected clock.
 *
 * @module
 */

import type { Node } from "../model/kube_types.ts";

/** Taint the cluster autoscaler puts on a node it is about to delete. */
export const TO_BE_DELETED_TAINT = "ToBeDeletedByClusterAutoscaler";

/** Options of {@linkcode ProxyHealth}. */
export interface ProxyHealthOptions {
  /** How long a queued change may wait for a sync before the proxy is unhealthy. */
  healthTimeoutMs: number;
  /** Clock in epoch milliseconds. @default Date.now */
  now?: () => number;
}

/** What {@linkcode ProxyHealth.status} reports. */
export interface ProxyHealthStatus {
  /** Proxy health alone: what `/livez` and the service health checks use. */
  healthy: boolean;
  /** Whether the node is not being deleted: `/healthz` needs this and `healthy`. */
  nodeEligible: boolean;
  /** Time of the last successful sync, or null before the first one. */
  lastUpdated: number | null;
  /** Time of the oldest change (or failed sync) not yet synced, or null. */
  oldestPendingQueued: number | null;
  /** Failed syncs since the last successful one. */
  consecutiveFailures: number;
  /** The time the status was computed for. */
  currentTime: number;
}

/** A Node as far as eligibility goes (taints are not in the shared Node type). */
export type NodeWithTaints = Node & {
  spec?: { taints?: { key?: string; effect?: string; value?: string }[] };
};

/** Tracks sync progress and node eligibility; see the module doc. */
export class ProxyHealth {
  /** The timeout the health rule uses. */
  readonly healthTimeoutMs: number;
  #clock: () => number;
  #lastUpdated: number | null = null;
  #oldestPending: number | null = null;
  #failures = 0;
  #nodeEligible = true;

  constructor(options: ProxyHealthOptions) {
    const t = options?.healthTimeoutMs;
    if (typeof t !== "number" || !Number.isFinite(t) || t <= 0) {
      throw new RangeError(`Cannot track health: 'healthTimeoutMs' must be > 0, got ${t}`);
    }
    this.healthTimeoutMs = t;
    this.#clock = options.now ?? Date.now;
  }

  #time(now: number | undefined): number {
    const t = now ?? this.#clock();
    if (!Number.isFinite(t)) throw new RangeError(`Invalid time ${t}: expected epoch milliseconds`);
    return t;
  }

  /** Records that a change arrived that the dataplane does not reflect yet. */
  queued(now?: number): void {
    const t = this.#time(now);
    if (this.#oldestPending === null) this.#oldestPending = t;
  }

  /** Records a successful sync: every change queued so far is programmed. */
  synced(now?: number): void {
    this.#lastUpdated = this.#time(now);
    this.#oldestPending = null;
    this.#failures = 0;
  }

  /** Records a failed sync; it counts as a pending change from now on. */
  syncFailed(now?: number): void {
    this.queued(now);
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
    const tainted = (node.spec?.taints ?? []).some((t) => t?.key === TO_BE_DELETED_TAINT);
    this.#nodeEligible = !deleting && !tainted;
  }

  /** Whether the proxy alone is healthy at `now` (node eligibility ignored). */
  isHealthy(now?: number): boolean {
    return this.status(now).healthy;
  }

  /** The full health picture at `now`. */
  status(now?: number): ProxyHealthStatus {
    const currentTime = this.#time(now);
    const pending = this.#oldestPending;
    return {
      healthy: pending === null || currentTime - pending < this.healthTimeoutMs,
      nodeEligible: this.#nodeEligible,
      lastUpdated: this.#lastUpdated,
      oldestPendingQueued: pending,
      consecutiveFailures: this.#failures,
      currentTime,
    };
  }
}
