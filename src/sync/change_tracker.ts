/**
 * Turns object changes from the cluster state into the work of the next
 * sync: which Services must be re-rendered, whether the node or the service
 * CIDRs changed (which needs a full sync), and counts for metrics. It keeps
 * an index of EndpointSlices by Service, so no sync scans every object.
 *
 * @module
 */

import type { ClusterState, ObjectChange } from "../source/cluster_state.ts";
import type { EndpointSlice } from "../model/kube_types.ts";
import { isIgnoredSlice, sliceServiceKey } from "../model/endpoints.ts";

/** Pending work, taken by a sync. */
export interface PendingChanges {
  services: Set<string>;
  nodeChanged: boolean;
  serviceCidrsChanged: boolean;
  serviceChanges: number;
  endpointChanges: number;
  /** Time (ms) of the oldest change not yet synced, or undefined. */
  oldestChangeAt?: number;
  /** EndpointSlice `last-change-trigger-time` annotations (epoch ms) of the changes, with the slice's family. */
  triggerTimes: { at: number; family: 4 | 6 }[];
}

/** Annotation the EndpointSlice controller sets to the time of the change that triggered it. */
export const TRIGGER_TIME_ANNOTATION = "endpoints.kubernetes.io/last-change-trigger-time";

/** Tracks changes and indexes EndpointSlices by Service. */
export class ChangeTracker {
  #state: ClusterState;
  #nodeName: string;
  #slices = new Map<string, Map<string, EndpointSlice>>();
  #pending: PendingChanges = ChangeTracker.#empty();
  #unsubscribe: () => void;
  #listeners = new Set<() => void>();
  #now: () => number;
  /** Trigger times before this are the initial list's, not changes (as upstream). */
  #started: number;

  constructor(state: ClusterState, nodeName: string, now: () => number = Date.now) {
    this.#state = state;
    this.#nodeName = nodeName;
    this.#now = now;
    this.#started = now();
    for (const [key, s] of state.objects("EndpointSlice")) {
      this.#indexSlice(key, undefined, s as EndpointSlice);
    }
    for (const key of state.objects("Service").keys()) this.#pending.services.add(key);
    for (const key of this.#slices.keys()) this.#pending.services.add(key);
    this.#pending.nodeChanged = true;
    this.#pending.serviceCidrsChanged = true;
    this.#unsubscribe = state.onChange((c) => this.#onChange(c));
  }

  static #empty(): PendingChanges {
    return {
      services: new Set(),
      nodeChanged: false,
      serviceCidrsChanged: false,
      serviceChanges: 0,
      endpointChanges: 0,
      triggerTimes: [],
    };
  }

  /** The slices of one Service (by slice key). */
  slicesOf(serviceKey: string): Iterable<EndpointSlice> {
    return this.#slices.get(serviceKey)?.values() ?? [];
  }

  /** Whether anything is pending. */
  get hasPending(): boolean {
    const p = this.#pending;
    return p.services.size > 0 || p.nodeChanged || p.serviceCidrsChanged;
  }

  /** Returns and clears the pending work. */
  take(): PendingChanges {
    const p = this.#pending;
    this.#pending = ChangeTracker.#empty();
    return p;
  }

  /** Puts work back (after a failed sync), merging with what arrived meanwhile. */
  restore(pending: PendingChanges): void {
    for (const s of pending.services) this.#pending.services.add(s);
    this.#pending.nodeChanged ||= pending.nodeChanged;
    this.#pending.serviceCidrsChanged ||= pending.serviceCidrsChanged;
    this.#pending.triggerTimes.push(...pending.triggerTimes);
    if (pending.oldestChangeAt !== undefined) {
      this.#pending.oldestChangeAt = Math.min(
        pending.oldestChangeAt,
        this.#pending.oldestChangeAt ?? Infinity,
      );
    }
  }

  /** Calls `cb` after every change (to wake the sync loop); returns the unsubscribe function. */
  onPending(cb: () => void): () => void {
    this.#listeners.add(cb);
    return () => this.#listeners.delete(cb);
  }

  /** Stops listening to the state. */
  close(): void {
    this.#unsubscribe();
  }

  #onChange(c: ObjectChange): void {
    const p = this.#pending;
    p.oldestChangeAt ??= this.#now();
    switch (c.kind) {
      case "Service":
        p.services.add(c.key);
        p.serviceChanges++;
        break;
      case "EndpointSlice":
        this.#noteTrigger((c.current ?? c.previous) as EndpointSlice | undefined);
        this.#indexSlice(
          c.key,
          c.previous as EndpointSlice | undefined,
          c.current as EndpointSlice | undefined,
        );
        p.endpointChanges++;
        break;
      case "Node":
        if (c.key === this.#nodeName) p.nodeChanged = true;
        break;
      case "ServiceCIDR":
        p.serviceCidrsChanged = true;
        break;
    }
    for (const cb of this.#listeners) cb();
  }

  /** Records the slice's trigger time (for the network programming latency), when it has one. */
  #noteTrigger(slice: EndpointSlice | undefined): void {
    const text = slice?.metadata?.annotations?.[TRIGGER_TIME_ANNOTATION];
    if (typeof text !== "string") return;
    const at = Date.parse(text);
    const family = slice?.addressType === "IPv6" ? 6 : slice?.addressType === "IPv4" ? 4 : 0;
    // Changes from before this tracker started were programmed by someone else (as upstream).
    if (at >= this.#started && family !== 0) this.#pending.triggerTimes.push({ at, family });
  }

  #indexSlice(
    key: string,
    previous: EndpointSlice | undefined,
    current: EndpointSlice | undefined,
  ): void {
    const prevSvc = previous ? sliceServiceKey(previous) : undefined;
    const curSvc = current && !isIgnoredSlice(current) ? sliceServiceKey(current) : undefined;
    if (prevSvc && prevSvc !== curSvc) {
      const m = this.#slices.get(prevSvc);
      m?.delete(key);
      if (m?.size === 0) this.#slices.delete(prevSvc);
      this.#pending.services.add(prevSvc);
    }
    if (curSvc) {
      let m = this.#slices.get(curSvc);
      if (!m) this.#slices.set(curSvc, m = new Map());
      m.set(key, current!);
      this.#pending.services.add(curSvc);
    }
  }
}
