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
import { familyContexts, type ProxySettings } from "../plan/proxy_settings.ts";
import { ServiceTooLargeError } from "../plan/family_plan.ts";
import type { PlanObject } from "../plan/family_plan.ts";
import { readNode } from "../model/node_info.ts";
import {
  readService,
  type ReadServiceResult,
  type ServicePortInfo,
} from "../model/service_port.ts";
import { readServiceCidrs } from "../model/service_cidr.ts";
import { AddressClaims, type RefusalReason } from "../model/address_claims.ts";
import { type EndpointsByPort, mergeEndpointSlices } from "../model/endpoints.ts";
import type { Node, Service } from "../model/kube_types.ts";
import { formatProblem, type ModelProblem, problemKind } from "../model/problems.ts";
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
  /** Time of the nft transaction alone (0 when nothing was applied). */
  applyMs: number;
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

/**
 * Keeps the kernel's ruleset in line with the cluster state.
 *
 * @example Sync a cluster state into an in-memory ruleset: full first, then only what changed
 * ```ts
 * import assert from "node:assert/strict";
 * import { Proxier } from "./proxier.ts";
 * import { ClusterState } from "../source/cluster_state.ts";
 * import { FakeNftRunner } from "../nft/fake_nft_runner.ts";
 * import { silentLogger } from "../log/logger.ts";
 *
 * const state = new ClusterState();
 * const service = (port: number) => ({
 *   metadata: { namespace: "default", name: "web" },
 *   spec: { clusterIP: "10.96.0.10", ports: [{ name: "http", port }] },
 * });
 * state.upsert("Service", service(80));
 * const runner = new FakeNftRunner(); // ExecNftRunner or LibNftablesRunner on a node (root)
 * const proxier = new Proxier({
 *   state,
 *   runner,
 *   logger: silentLogger,
 *   settings: {
 *     nodeName: "worker-0",
 *     masqueradeBit: 14,
 *     masqueradeAll: false,
 *     detectLocalMode: "ClusterCIDR",
 *     clusterCIDRs: [],
 *     bridgeInterface: "",
 *     interfaceNamePrefix: "",
 *     nodePortAddresses: "primary",
 *     serviceCIDRs: [],
 *   },
 * });
 * assert.equal((await proxier.sync()).kind, "full");
 * state.upsert("Service", service(8080));
 * const partial = await proxier.sync();
 * assert.equal(partial.kind, "partial");
 * assert.match(runner.dump(), /10\.96\.0\.10 \. tcp \. 8080/);
 * proxier.tracker.close();
 * ```
 */
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
  /** Problems found while building each owner (a Service key, or "" for node-wide objects). */
  #problems = new Map<string, Map<string, ModelProblem>>();
  /** Problem lines already logged, per owner: a Service whose endpoints churn logs its bad field once. */
  #logged = new Map<string, Set<string>>();
  #claims = new AddressClaims();
  #facts = new Map<string, ServiceFacts>();
  /** Services not programmed, and why. */
  #skipped = new Map<string, SkipReason>();
  /** Quarantined Services, with the resourceVersion the kernel rejected. */
  #quarantine = new Map<string, string>();

  constructor(options: ProxierOptions) {
    this.#state = options.state;
    this.#settings = options.settings;
    this.#runner = options.runner;
    this.#log = options.logger;
    this.#now = options.now ?? Date.now;
    this.#limit = options.settings.maxServiceElements ?? DEFAULT_MAX_SERVICE_ELEMENTS;
    this.#adopt = options.adoptTables ?? true;
    this.#relist = this.#adopt;
    this.tracker = new ChangeTracker(options.state, options.settings.nodeName, this.#now);
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

  /** Service ports of `family` whose Local policy has no local endpoint (but some elsewhere), by policy. */
  noLocalEndpoints(family: 4 | 6): { internal: number; external: number } {
    const out = { internal: 0, external: 0 };
    for (const f of this.#facts.values()) {
      for (const n of f.noLocalEndpoints) if (n.family === family) out[n.policy]++;
    }
    return out;
  }

  /**
   * Where health-check node ports listen: this node's NodePort addresses of each family, or
   * the family's wildcard when NodePorts are served on every local address.
   */
  nodePortAddresses(): string[] {
    const out: string[] = [];
    for (const f of this.#plan?.families ?? []) {
      if (f.ctx.nodePortAll) out.push(f.ctx.family === 4 ? "0.0.0.0" : "::");
      else out.push(...f.ctx.nodePortIPs.map((ip) => ip.text));
    }
    return out;
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

  /** Number of objects with invalid fields (skipped in whole or in part), by kind. */
  invalidObjects(): Map<string, number> {
    const objects = new Map<string, Set<string>>();
    for (const problems of this.#problems.values()) {
      for (const p of problems.values()) {
        const kind = problemKind(p);
        if (!objects.has(kind)) objects.set(kind, new Set());
        objects.get(kind)!.add(p.object);
      }
    }
    return new Map([...objects].map(([k, s]) => [k, s.size]));
  }

  /** Number of external and load-balancer addresses refused to Services, by reason. */
  refusedAddresses(): Readonly<Record<RefusalReason, number>> {
    return this.#claims.refusedCounts();
  }

  /** Whether a garbage collection has anything to do. */
  get hasGarbage(): boolean {
    return this.#plan?.hasGarbage ?? false;
  }

  /** Applies pending changes to the plan and returns the script to run (without running it). */
  prepare(): { script: Script; kind: "full" | "partial"; pending: PendingChanges } {
    const pending = this.tracker.take();
    // A full sync also re-reads what the contexts depend on (e.g. this host's addresses).
    if (pending.nodeChanged || pending.serviceCidrsChanged || this.#needFull || !this.#plan) {
      const contexts = this.#contexts(pending.services);
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
    // Address claims first: a changed Service can change what others may program.
    const reads = new Map<string, ReadServiceResult | undefined>();
    for (const key of [...pending.services]) {
      const read = this.#read(key);
      reads.set(key, read);
      for (const other of this.#claims.update(key, read?.claims)) pending.services.add(other);
    }
    for (const key of pending.services) this.#rebuild(key, reads.get(key) ?? this.#read(key));
    const full = this.#needFull;
    const script = full ? this.#plan!.fullScript() : this.#plan!.partialScript();
    return { script, kind: full ? "full" : "partial", pending };
  }

  /** The family contexts from this node and the service CIDRs; Services whose claims change join `affected`. */
  #contexts(affected: Set<string>): FamilyContext[] {
    const nodeName = this.#settings.nodeName;
    this.#problems.delete("");
    const report = (p: ModelProblem) => this.#report("", p);
    const node = readNode(nodeName, this.#state.get("Node", nodeName) as Node | undefined, report);
    const cidrs = readServiceCidrs(
      this.#state.objects("ServiceCIDR").values(),
      this.#settings.serviceCIDRs,
      report,
    );
    for (const k of this.#claims.setServiceCidrs(cidrs)) affected.add(k);
    return familyContexts(this.#settings, node, cidrs);
  }

  /** Reads one Service (undefined when absent), its problems reported under its key. */
  #read(key: string): ReadServiceResult | undefined {
    const svc = this.#state.get("Service", key);
    if (!svc) return undefined;
    this.#problems.delete(key);
    try {
      return readService(svc, (p) => this.#report(key, p));
    } catch (e) {
      this.#report(key, {
        kind: "Service",
        object: `Service ${key}`,
        field: "(object)",
        message: `cannot be read: ${(e as Error)?.message ?? String(e)}`,
      });
      return { ports: [] };
    }
  }

  /** Runs one sync: prepare, then apply. Throws on nft failure (the work is kept for the retry). */
  async sync(): Promise<SyncResult> {
    const start = this.#now();
    if (this.#relist && (this.#needFull || !this.#plan)) await this.#adoptTables();
    const { script, kind, pending } = this.prepare();
    const services = this.#plan!.families[0].serviceCount;
    let applyMs = 0;
    const result = (k: SyncResult["kind"], operations: number): SyncResult => ({
      kind: k,
      durationMs: this.#now() - start,
      applyMs,
      operations,
      services,
      pending,
    });
    if (kind === "partial" && script.text === "") {
      this.#plan!.applied("partial");
      return result("none", 0);
    }
    const inPlace = this.#plan!.families.every((f) => f.kernelObjects !== undefined);
    const applyStart = this.#now();
    try {
      await this.#runner.apply(script.text);
      applyMs = this.#now() - applyStart;
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
    const durationMs = this.#now() - start;
    return {
      kind: "garbage",
      durationMs,
      applyMs: durationMs,
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
    const pending = this.tracker.take();
    const contexts = this.#contexts(pending.services);
    this.#contextsKey = contextKey(contexts);
    this.#plan = new RulesetPlan(contexts);
    this.#needFull = true;
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
      const svc = this.#state.get("Service", key);
      const built = svc ? this.#build(key, readService(svc, report), report) : undefined;
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
    read: ReadServiceResult,
    report: (p: ModelProblem) => void,
  ): { ports: ServicePortInfo[]; endpoints: EndpointsByPort } | undefined {
    const ports = this.#claims.filterPorts(key, read.ports, report);
    if (ports.length === 0) return undefined;
    return { ports, endpoints: mergeEndpointSlices(this.tracker.slicesOf(key), report) };
  }

  #rebuild(key: string, read: ReadServiceResult | undefined): void {
    const plan = this.#plan!;
    this.#facts.delete(key);
    this.#skipped.delete(key);
    const report = (p: ModelProblem) => this.#report(key, p);
    const svc = this.#state.get("Service", key) as Service | undefined;
    if (svc && this.#quarantine.has(key)) {
      if (this.#quarantine.get(key) === (svc.metadata?.resourceVersion ?? "")) {
        plan.removeService(key);
        this.#skipped.set(key, "quarantined");
        return;
      }
      this.#quarantine.delete(key);
    }
    if (!svc) {
      this.#quarantine.delete(key);
      // A deleted Service's problems are forgotten (a leftover slice is reported below).
      this.#problems.delete(key);
      this.#logged.delete(key);
    }
    try {
      const built = read ? this.#build(key, read, report) : undefined;
      if (!built) {
        plan.removeService(key);
        this.#reportOrphanSlices(key, svc, report);
        return;
      }
      const decisions = plan.setService(key, built.ports, built.endpoints, report, this.#limit);
      this.#facts.set(key, serviceFacts(built.ports, built.endpoints, decisions));
    } catch (e) {
      // Isolation: whatever goes wrong while building one Service affects only that Service.
      plan.removeService(key);
      const tooLarge = e instanceof ServiceTooLargeError;
      this.#skipped.set(key, tooLarge ? "too-large" : "failed");
      report({
        kind: "Service",
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

  /** Logs a problem once while it lasts, and keeps it under its owner for the metrics. */
  #report(owner: string, p: ModelProblem): void {
    let problems = this.#problems.get(owner);
    if (!problems) this.#problems.set(owner, problems = new Map());
    const line = formatProblem(p);
    problems.set(line, p);
    let logged = this.#logged.get(owner);
    if (!logged) this.#logged.set(owner, logged = new Set());
    if (logged.has(line)) return;
    logged.add(line);
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
