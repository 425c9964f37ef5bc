/**
 * The proxier: reads the cluster state through the change tracker, keeps the
 * ruleset plan up to date, and programs it with nft: a full sync at start,
 * after failures, after node or ServiceCIDR changes and periodically; partial
 * syncs in between; and a garbage collection of unreachable elements after
 * partial syncs. One bad Service never stops the others: a Service that
 * cannot be built is skipped and reported, and if the kernel still rejects a
 * full transaction, the Services it rejects are found by bisection and
 * quarantined.
 *
 * @module
 */

import type { ClusterState } from "../source/cluster_state.ts";
import { ChangeTracker, type PendingChanges } from "./change_tracker.ts";
import { RulesetPlan, type Script } from "../plan/ruleset_plan.ts";
import { familyContexts, type ProxySettings, serviceCidrsFrom } from "../plan/proxy_settings.ts";
import { ServiceTooLargeError } from "../plan/family_plan.ts";
import type { PlanObject } from "../plan/family_plan.ts";
import { readNode } from "../model/node_info.ts";
import { readService, type ServicePortInfo } from "../model/service_port.ts";
import { type EndpointsByPort, mergeEndpointSlices } from "../model/endpoints.ts";
import type { Node, Service, ServiceCIDR } from "../model/kube_types.ts";
import { formatProblem, type ModelProblem } from "../model/problems.ts";
import type { NftRunner } from "../nft/nft_runner.ts";
import { type KernelObjectKind, tableObjects } from "../nft/kernel_objects.ts";
import type { Logger } from "../log/logger.ts";
import type { FamilyContext } from "../plan/family_context.ts";
import {
  type HealthCheckTarget,
  type ServiceFacts,
  serviceFacts,
  type UdpServicePort,
} from "./service_facts.ts";
import { findRejected } from "./bisect.ts";

/** What one sync did. */
export interface SyncResult {
  kind: "full" | "partial" | "garbage" | "none";
  durationMs: number;
  operations: number;
  services: number;
  pending: PendingChanges;
}

/** Options of {@linkcode Proxier}. */
export interface ProxierOptions {
  state: ClusterState;
  settings: ProxySettings;
  runner: NftRunner;
  logger: Logger;
  now?: () => number;
  /**
   * Take over the tables a previous run left (rewrite them in place, keeping ClientIP affinity)
   * instead of replacing them at the first sync. @default true
   */
  adoptTables?: boolean;
}

/** Default of {@linkcode ProxierOptions.maxServiceElements}. */
export const DEFAULT_MAX_SERVICE_ELEMENTS = 50_000;

/** Why a Service is not programmed, beyond invalid fields. */
export type SkipReason = "too-large" | "failed" | "quarantined";

/** Keeps the kernel's ruleset in line with the cluster state. */
export class Proxier {
  readonly tracker: ChangeTracker;
  #state: ClusterState;
  #settings: ProxySettings;
  #runner: NftRunner;
  #log: Logger;
  #now: () => number;
  #limit: number;
  #adopt: boolean;
  #plan?: RulesetPlan;
  #contextsKey = "";
  #needFull = true;
  /** List the kernel's objects again before the next full sync (first sync, drift). */
  #relist: boolean;
  #reported = new Map<string, Set<string>>();
  #facts = new Map<string, ServiceFacts>();
  /** Services not programmed, and why. */
  #skipped = new Map<string, SkipReason>();
  /** Quarantined Services, with the resourceVersion the kernel rejected. */
  #quarantine = new Map<string, string>();
  /** Objects with invalid fields, by kind → keys. */
  #invalid = new Map<string, Set<string>>();

  constructor(o: ProxierOptions) {
    this.#state = o.state;
    this.#settings = o.settings;
    this.#runner = o.runner;
    this.#log = o.logger;
    this.#now = o.now ?? Date.now;
    this.#limit = o.settings.maxServiceElements ?? DEFAULT_MAX_SERVICE_ELEMENTS;
    this.#adopt = o.adoptTables ?? true;
    this.#relist = this.#adopt;
    this.tracker = new ChangeTracker(o.state, o.settings.nodeName, this.#now);
  }

  /** The current plan (after at least one prepare). */
  get plan(): RulesetPlan | undefined {
    return this.#plan;
  }

  /**
   * Asks for the next sync to be a full one. With `relist` (after an outside change), the
   * kernel's objects are listed first, so the rewrite knows what is there.
   */
  requestFull(options: { relist?: boolean } = {}): void {
    this.#needFull = true;
    if (options.relist) this.#relist = true;
  }

  /** Whether the next sync has work to do (a change, or a requested full sync). */
  get hasPending(): boolean {
    return this.tracker.hasPending || (this.#needFull && this.#plan !== undefined);
  }

  /** Subscribes to queued changes; returns the unsubscribe function. */
  onPending(cb: () => void): () => void {
    return this.tracker.onPending(cb);
  }

  /** Health-check node ports wanted now: port → target. */
  healthCheckNodePorts(): Map<number, HealthCheckTarget> {
    const out = new Map<number, HealthCheckTarget>();
    for (const f of this.#facts.values()) {
      if (f.healthCheck) out.set(f.healthCheck.port, f.healthCheck);
    }
    return out;
  }

  /** Number of service ports whose Local policy has no local endpoint (but some elsewhere), by policy. */
  noLocalEndpoints(): { internal: number; external: number } {
    let internal = 0, external = 0;
    for (const f of this.#facts.values()) {
      internal += f.noLocalEndpoints.internal.length;
      external += f.noLocalEndpoints.external.length;
    }
    return { internal, external };
  }

  /** Every programmed UDP service port with its serving endpoints (for conntrack cleanup). */
  udpServicePorts(): UdpServicePort[] {
    const out: UdpServicePort[] = [];
    for (const f of this.#facts.values()) out.push(...f.udp);
    return out;
  }

  /** Services that are not programmed although they exist, and why (`namespace/name` → reason). */
  skippedServices(): ReadonlyMap<string, SkipReason> {
    return this.#skipped;
  }

  /** Number of objects with invalid fields, by kind. */
  invalidObjects(): Map<string, number> {
    return new Map([...this.#invalid].map(([k, s]) => [k, s.size]));
  }

  /** Whether a garbage collection has anything to do. */
  get hasGarbage(): boolean {
    return this.#plan?.hasGarbage ?? false;
  }

  /** Applies pending changes to the plan and returns the script to run (without running it). */
  prepare(): { script: Script; kind: "full" | "partial"; pending: PendingChanges } {
    const pending = this.tracker.take();
    const report = (p: ModelProblem) => this.#report(p);
    if (pending.nodeChanged || pending.serviceCidrsChanged || !this.#plan) {
      const contexts = this.#contexts(report);
      const key = contextKey(contexts);
      if (key !== this.#contextsKey || !this.#plan) {
        if (this.#plan && !this.#state.get("Node", this.#settings.nodeName)) {
          this.#log.warn(
            "Node object not found; NodePorts and node-based settings are unavailable",
            { node: this.#settings.nodeName },
          );
        }
        const known = this.#plan?.families.map((f) => f.kernelObjects);
        this.#contextsKey = key;
        this.#plan = new RulesetPlan(contexts);
        // The kernel still holds the previous plan's objects: rewrite in place over them.
        if (known?.every((k) => k !== undefined)) {
          this.#plan.adopt(known.map((k) => new Map(k)));
        }
        this.#needFull = true;
        this.#facts.clear();
        for (const k of this.#state.objects("Service").keys()) pending.services.add(k);
        for (const k of this.#skipped.keys()) pending.services.add(k);
      }
    }
    for (const key of pending.services) this.#rebuild(key, report);
    const full = this.#needFull;
    const script = full ? this.#plan!.fullScript() : this.#plan!.partialScript();
    return { script, kind: full ? "full" : "partial", pending };
  }

  #contexts(report: (p: ModelProblem) => void): FamilyContext[] {
    const nodeName = this.#settings.nodeName;
    const node = readNode(nodeName, this.#state.get("Node", nodeName) as Node | undefined, report);
    const cidrs = serviceCidrsFrom(
      this.#state.objects("ServiceCIDR").values() as Iterable<ServiceCIDR>,
      this.#settings.serviceCIDRs,
      report,
    );
    return familyContexts(this.#settings, node, cidrs);
  }

  /** Runs one sync: prepare, then apply. Throws on nft failure (the work is kept for the retry). */
  async sync(): Promise<SyncResult> {
    const start = this.#now();
    if (this.#relist && (this.#needFull || !this.#plan)) await this.#adoptTables();
    const { script, kind, pending } = this.prepare();
    const services = this.#plan!.families[0].serviceCount;
    const result = (k: SyncResult["kind"], operations: number): SyncResult => ({
      kind: k,
      durationMs: this.#now() - start,
      operations,
      services,
      pending,
    });
    if (kind === "partial" && script.text === "") {
      this.#plan!.applied("partial");
      return result("none", 0);
    }
    const inPlace = this.#plan!.families.every((f) => f.kernelObjects !== undefined);
    try {
      await this.#runner.apply(script.text);
    } catch (e) {
      this.tracker.restore(pending);
      this.#needFull = true;
      if (kind === "full") {
        // A failed rewrite in place is retried as a replacement of the tables; when a
        // replacement fails, the kernel rejects the ruleset itself: find the Services it
        // rejects and leave them out.
        this.#plan!.markUnknown();
        if (!inPlace) await this.#quarantineRejected(e as Error);
      }
      throw e;
    }
    this.#plan!.applied(kind);
    this.#needFull = false;
    return result(kind, script.operations);
  }

  /** Removes unreachable elements and objects left by partial syncs, in one transaction. */
  async collectGarbage(): Promise<SyncResult | undefined> {
    if (!this.#plan?.hasGarbage || this.#needFull) return undefined;
    const start = this.#now();
    const script = this.#plan.garbageScript();
    try {
      await this.#runner.apply(script.text);
    } catch (e) {
      // Someone else changed the table meanwhile: rewrite it.
      this.#needFull = true;
      throw e;
    }
    this.#plan.applied("garbage");
    return {
      kind: "garbage",
      durationMs: this.#now() - start,
      operations: script.operations,
      services: this.#plan.families[0].serviceCount,
      pending: this.tracker.take(),
    };
  }

  /**
   * Lists what the kernel's tables hold, so that the next full sync rewrites them in place
   * (keeping ClientIP affinity, e.g. across a restart) or, when a table is missing or cannot
   * be listed, replaces them.
   */
  async #adoptTables(): Promise<void> {
    this.#relist = false;
    const table = this.#settings.tableName ?? "kube-nft-proxy";
    if (!this.#plan) this.prepareContextsOnly();
    const plan = this.#plan!;
    let found: (Map<string, KernelObjectKind> | undefined)[];
    try {
      found = await Promise.all(
        (["ip", "ip6"] as const).map((f) => tableObjects(this.#runner, f, table)),
      );
    } catch (e) {
      this.#log.v(2).info("Cannot list the existing tables; replacing them", {
        error: (e as Error).message,
      });
      plan.markUnknown();
      return;
    }
    if (found.some((f) => f === undefined)) return plan.markUnknown();
    plan.adopt(plan.families.map((f, i) => {
      const skeleton = f.skeleton;
      const skip = new Set([
        ...skeleton.sets.keys(),
        ...skeleton.chains.keys(),
        ...skeleton.baseChains.map((b) => b.name),
      ]);
      const objects = new Map<string, PlanObject>();
      for (const [name, kind] of found[i]!) {
        if (skip.has(name)) continue;
        objects.set(
          name,
          kind === "chain"
            ? { kind: "chain", rules: [] }
            : { kind: "set", decl: `${kind} ${name}` },
        );
      }
      return objects;
    }));
    this.#log.v(2).info("Rewriting the existing tables in place", { table });
  }

  /** Builds the plan's contexts without rendering Services (used before adopting tables). */
  prepareContextsOnly(): void {
    const report = (p: ModelProblem) => this.#report(p);
    const contexts = this.#contexts(report);
    this.#contextsKey = contextKey(contexts);
    this.#plan = new RulesetPlan(contexts);
    this.#needFull = true;
    const pending = this.tracker.take();
    for (const k of this.#state.objects("Service").keys()) pending.services.add(k);
    this.tracker.restore(pending);
  }

  async #quarantineRejected(error: Error): Promise<void> {
    const plan = this.#plan!;
    const keys = [...plan.families[0].serviceKeys()];
    for (const f of plan.families.slice(1)) {
      for (const k of f.serviceKeys()) if (!keys.includes(k)) keys.push(k);
    }
    let bad: string[];
    try {
      bad = await findRejected(keys, (subset) => this.#checkSubset(subset));
    } catch (e) {
      this.#log.error("Cannot find the Services the kernel rejects", {
        error: (e as Error).message,
      });
      return;
    }
    for (const key of bad) {
      const svc = this.#state.get("Service", key);
      this.#quarantine.set(key, svc?.metadata?.resourceVersion ?? "");
      this.#log.error("The kernel rejects this Service's rules; leaving it out until it changes", {
        object: `Service ${key}`,
        error: error.message,
      });
    }
    if (bad.length > 0) {
      const pending = this.tracker.take();
      for (const key of bad) pending.services.add(key);
      this.tracker.restore(pending);
    }
  }

  /** Whether the kernel accepts a table holding only `keys` (dry run, nothing committed). */
  async #checkSubset(keys: readonly string[]): Promise<boolean> {
    const report = () => {};
    const plan = new RulesetPlan(this.#plan!.families.map((f) => f.ctx));
    for (const key of keys) {
      const built = this.#build(key, report);
      if (!built) continue;
      try {
        plan.setService(key, built.ports, built.endpoints, report, this.#limit);
      } catch { /* left out anyway */ }
    }
    try {
      await this.#runner.check(plan.fullScript().text);
      return true;
    } catch {
      return false;
    }
  }

  #build(
    key: string,
    report: (p: ModelProblem) => void,
  ): { ports: ServicePortInfo[]; endpoints: EndpointsByPort } | undefined {
    const svc = this.#state.get("Service", key) as Service | undefined;
    if (!svc) return undefined;
    const { ports } = readService(svc, report);
    if (ports.length === 0) return undefined;
    return { ports, endpoints: mergeEndpointSlices(this.tracker.slicesOf(key), report) };
  }

  #rebuild(key: string, report: (p: ModelProblem) => void): void {
    const plan = this.#plan!;
    this.#reported.delete(`Service ${key}`);
    this.#facts.delete(key);
    this.#skipped.delete(key);
    for (const set of this.#invalid.values()) set.delete(key);
    const svc = this.#state.get("Service", key) as Service | undefined;
    if (svc && this.#quarantine.has(key)) {
      if (this.#quarantine.get(key) === (svc.metadata?.resourceVersion ?? "")) {
        plan.removeService(key);
        this.#skipped.set(key, "quarantined");
        return;
      }
      this.#quarantine.delete(key);
    }
    if (!svc) this.#quarantine.delete(key);
    const tracked = (p: ModelProblem) => {
      this.#markInvalid(p);
      report(p);
    };
    try {
      const built = this.#build(key, tracked);
      if (!built) {
        plan.removeService(key);
        this.#reportOrphanSlices(key, svc, report);
        return;
      }
      const decisions = plan.setService(key, built.ports, built.endpoints, tracked, this.#limit);
      this.#facts.set(key, serviceFacts(built.ports, built.endpoints, decisions));
    } catch (e) {
      // Isolation: whatever goes wrong while building one Service affects only that Service.
      plan.removeService(key);
      const tooLarge = e instanceof ServiceTooLargeError;
      this.#skipped.set(key, tooLarge ? "too-large" : "failed");
      report({
        object: `Service ${key}`,
        field: tooLarge ? "spec" : "(object)",
        message: tooLarge
          ? (e as Error).message
          : `cannot be programmed: ${(e as Error)?.message ?? String(e)}`,
      });
    }
  }

  #reportOrphanSlices(key: string, svc: Service | undefined, report: (p: ModelProblem) => void) {
    if (svc) return;
    const first = this.tracker.slicesOf(key)[Symbol.iterator]().next();
    if (first.done) return;
    const s = first.value.metadata;
    report({
      object: `EndpointSlice ${s?.namespace}/${s?.name}`,
      field: "metadata.labels[kubernetes.io/service-name]",
      message: `Service ${key} does not exist`,
    });
  }

  #markInvalid(p: ModelProblem): void {
    const kind = p.object.split(" ")[0];
    const key = p.object.slice(kind.length + 1);
    let s = this.#invalid.get(kind);
    if (!s) this.#invalid.set(kind, s = new Set());
    s.add(key);
  }

  #report(p: ModelProblem): void {
    let seen = this.#reported.get(p.object);
    if (!seen) this.#reported.set(p.object, seen = new Set());
    const line = formatProblem(p);
    if (seen.has(line)) return;
    seen.add(line);
    this.#log.warn("Skipping invalid field", {
      object: p.object,
      field: p.field,
      reason: p.message,
    });
  }
}

function contextKey(contexts: FamilyContext[]): string {
  return JSON.stringify(contexts, (_k, v) => (v instanceof Uint8Array ? undefined : v));
}
