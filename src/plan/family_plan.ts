/**
 * The desired state of one family's table (the skeleton plus one fragment per
 * Service), and what the kernel holds as of the last apply. From the two it
 * derives the changes of a partial sync, and the garbage that a later,
 * batched transaction removes: elements and objects that nothing reaches any
 * more (the tail of a shrunk endpoint list, the endpoints of a removed entry
 * point, a gone endpoint's affinity chain and set).
 *
 * @module
 */

import type { FamilyContext } from "./family_context.ts";
import { buildSkeleton, pickChainRules, type Skeleton } from "./skeleton.ts";
import { ElementStore } from "./element_store.ts";
import { EndpointLists } from "./endpoint_lists.ts";
import { endpointsMap, parsePickChain, PROTOCOLS, SET } from "./names.ts";
import { emptyFragment, type Fragment, fragmentSize } from "./fragment.ts";
import { renderServicePort } from "./service_fragment.ts";
import type { ServicePortPolicy } from "./service_policy.ts";
import type { ServicePortInfo } from "../model/service_port.ts";
import { type EndpointsByPort, portKey } from "../model/endpoints.ts";
import type { ModelProblem } from "../model/problems.ts";

/** A chain or a set that is not part of the skeleton. */
export type PlanObject =
  | { kind: "chain"; rules: readonly string[] }
  | { kind: "set"; decl: string };

/** Sets whose removed elements can wait for the garbage collection: nothing reaches them. */
const DEFERRABLE_SETS: ReadonlySet<string> = new Set([
  // Reached only through a `pick-N` chain with N <= the remaining count, or not at all.
  ...PROTOCOLS.flatMap((p) => [endpointsMap("ip", p), endpointsMap("nodeport", p)]),
  // A leftover only masquerades a pod that reaches itself, or rejects another port of a gone IP.
  SET.hairpin,
  SET.clusterIps,
]);

/** Maps whose elements are kept as lists per entry point ({@linkcode EndpointLists}). */
const LIST_MAPS: ReadonlySet<string> = new Set(
  PROTOCOLS.flatMap((p) => [endpointsMap("ip", p), endpointsMap("nodeport", p)]),
);

/** Maps whose values name selection chains. */
const VERDICT_MAPS: ReadonlySet<string> = new Set([
  SET.serviceIps,
  SET.serviceNodeports,
  SET.shortcutIps,
  SET.shortcutNodeports,
]);

/** What a kept fragment's lists hold (their values live in {@linkcode EndpointLists}). */
const NO_VALUES: string[] = [];

/** Net changes since the last apply, as one partial transaction writes them. */
export interface FamilyChanges {
  /** Sets to create. */
  setsAdded: Map<string, string>;
  /** Chains to create (name → rules). */
  chainsAdded: Map<string, readonly string[]>;
  /** Chains whose rules change (flush and refill). */
  chainsChanged: Map<string, readonly string[]>;
  /** Elements to delete now: set → keys. */
  elementsDeleted: Map<string, string[]>;
  /** Elements to add: set → [key, value]. */
  elementsAdded: Map<string, [string, string][]>;
}

/** What a garbage collection removes. */
export interface FamilyGarbage {
  elements: Map<string, string[]>;
  chains: string[];
  sets: string[];
}

/** Result of setting one Service: each port's decision, by port id. */
export type ServiceDecisions = Map<string, ServicePortPolicy>;

/** A Service whose fragment exceeds the per-Service limit, and is left out. */
export class ServiceTooLargeError extends Error {
  readonly size: number;
  constructor(serviceKey: string, size: number, limit: number) {
    super(
      `Service ${serviceKey} needs ${size} ruleset elements in one family, more than the limit of ${limit} (--max-service-elements): not programmed`,
    );
    this.name = "ServiceTooLargeError";
    this.size = size;
  }
}

/** Desired and applied state of one family's table. */
export class FamilyPlan {
  readonly ctx: FamilyContext;
  readonly skeleton: Skeleton;
  readonly elements: ElementStore;
  readonly lists: EndpointLists;
  #fragments = new Map<string, Fragment>();
  /** Per-service objects and the selection chains in use. */
  #objects = new Map<string, PlanObject>();
  #pickRefs = new Map<string, number>();
  /** Elements changed since the last apply: set → key → value in the kernel (undefined: absent). */
  #touched = new Map<string, Map<string, string | undefined>>();
  #touchedObjects = new Set<string>();
  /** Elements the kernel still holds that are no longer wanted: set → key → value. */
  #garbage = new Map<string, Map<string, string>>();
  /** Objects the kernel holds, as of the last apply; undefined when unknown. */
  #kernelObjects?: Map<string, PlanObject>;
  /** Until the first full apply, nothing needs change tracking. */
  #tracking = false;

  constructor(ctx: FamilyContext) {
    this.ctx = ctx;
    this.skeleton = buildSkeleton(ctx);
    const onChange = (set: string, key: string, before?: string, after?: string) =>
      this.#elementChanged(set, key, before, after);
    const counted = [...this.skeleton.sets].filter(([, d]) => d.startsWith("set ")).map(([n]) => n);
    this.elements = new ElementStore(onChange, counted);
    // Endpoint lists never hold verdicts: their changes matter only once tracked.
    this.lists = new EndpointLists(onChange, () => this.#tracking);
    for (const [set, keys] of this.skeleton.elements) {
      for (const k of keys) this.elements.add(set, k, "", "<skeleton>");
    }
  }

  #elementChanged(set: string, key: string, before?: string, after?: string): void {
    if (VERDICT_MAPS.has(set)) {
      if (before !== undefined) this.#pickRef(before, -1);
      if (after !== undefined) this.#pickRef(after, +1);
    }
    if (!this.#tracking) return;
    let m = this.#touched.get(set);
    if (!m) this.#touched.set(set, m = new Map());
    if (!m.has(key)) m.set(key, before ?? this.#garbage.get(set)?.get(key));
  }

  #pickRef(verdict: string, delta: number): void {
    const name = verdict.slice(verdict.indexOf(" ") + 1);
    const pick = parsePickChain(name);
    if (!pick) return;
    const n = (this.#pickRefs.get(name) ?? 0) + delta;
    if (n > 0) {
      this.#pickRefs.set(name, n);
      if (!this.#objects.has(name)) {
        this.#setObject(name, {
          kind: "chain",
          rules: pickChainRules(this.ctx, pick.kind, pick.variant, pick.n),
        });
      }
    } else {
      this.#pickRefs.delete(name);
      this.#setObject(name, undefined);
    }
  }

  #setObject(name: string, obj: PlanObject | undefined): void {
    if (obj) this.#objects.set(name, obj);
    else this.#objects.delete(name);
    if (this.#tracking) this.#touchedObjects.add(name);
  }

  /** The effective value of an element of any skeleton set or map, or undefined. */
  element(set: string, key: string): string | undefined {
    return LIST_MAPS.has(set) ? this.lists.element(set, key) : this.elements.get(set, key);
  }

  /** Calls `fn` with every element of a skeleton set or map (key, and value or ""). */
  forEachElement(set: string, fn: (key: string, value: string) => void): void {
    if (LIST_MAPS.has(set)) this.lists.forEach(set, fn);
    else this.elements.forEach(set, fn);
  }

  /** Chains and sets beyond the skeleton, by name. */
  get objects(): ReadonlyMap<string, PlanObject> {
    return this.#objects;
  }

  /** Number of Services in this plan. */
  get serviceCount(): number {
    return this.#fragments.size;
  }

  /** Keys of the Services in this plan. */
  serviceKeys(): IterableIterator<string> {
    return this.#fragments.keys();
  }

  /**
   * Sets (replaces) one Service's ports and endpoints. Returns each port's
   * decision. A Service whose fragment holds more than `limit` objects and
   * elements is removed instead, and {@linkcode ServiceTooLargeError} thrown.
   */
  setService(
    serviceKey: string,
    ports: readonly ServicePortInfo[],
    endpoints: EndpointsByPort,
    report: (problem: ModelProblem) => void,
    limit = Infinity,
  ): ServiceDecisions {
    const fragment = emptyFragment();
    const decisions: ServiceDecisions = new Map();
    const previous = (map: string, key: string, base: number) => this.lists.get(map, key, base);
    for (const sp of ports) {
      const p = renderServicePort(
        sp,
        endpoints.get(portKey(sp.protocol, sp.portName)) ?? [],
        this.ctx,
        fragment,
        previous,
      );
      if (p) decisions.set(sp.id, p);
    }
    const size = fragmentSize(fragment);
    if (size > limit) {
      this.removeService(serviceKey);
      throw new ServiceTooLargeError(serviceKey, size, limit);
    }
    this.#replaceFragment(serviceKey, fragment, report, ports.length === 1);
    return decisions;
  }

  /** Removes one Service. */
  removeService(serviceKey: string): void {
    if (!this.#fragments.has(serviceKey)) return;
    this.#replaceFragment(serviceKey, emptyFragment(), () => {}, true);
    this.#fragments.delete(serviceKey);
  }

  #replaceFragment(
    owner: string,
    after: Fragment,
    report: (p: ModelProblem) => void,
    unique = false,
  ): void {
    const before = this.#fragments.get(owner);
    // Objects: a per-service object name belongs to exactly one Service.
    if (before) {
      for (const name of [...before.chains.keys(), ...before.sets.keys()]) {
        if (!after.chains.has(name) && !after.sets.has(name)) this.#setObject(name, undefined);
      }
    }
    for (const [name, decl] of after.sets) {
      const prev = this.#objects.get(name);
      if (prev?.kind !== "set" || prev.decl !== decl) this.#setObject(name, { kind: "set", decl });
    }
    for (const [name, rules] of after.chains) {
      const prev = this.#objects.get(name);
      if (prev?.kind !== "chain" || !sameRules(prev.rules, rules)) {
        this.#setObject(name, { kind: "chain", rules });
      }
    }
    // Elements (triples `set, key, value`): each once per owner; remove what is gone, add what is
    // new (the store keeps owners). A one-port Service's fragment has no duplicates, and a new one
    // nothing to diff against: the common case at start-up builds no element ids at all.
    const id = (e: readonly string[], i: number) => `${e[i]}\u0000${e[i + 1]}\u0000${e[i + 2]}`;
    let elements = after.elements;
    if (!unique) {
      const has = new Set<string>();
      const kept: string[] = [];
      for (let i = 0; i < elements.length; i += 3) {
        const k = id(elements, i);
        if (has.has(k)) continue;
        has.add(k);
        kept.push(elements[i], elements[i + 1], elements[i + 2]);
      }
      elements = kept;
    }
    const add = (e: readonly string[], i: number) => {
      if (this.elements.add(e[i], e[i + 1], e[i + 2], owner) !== undefined) {
        this.#conflict(report, owner, e[i], e[i + 1]);
      }
    };
    if (!before || before.elements.length === 0) {
      for (let i = 0; i < elements.length; i += 3) add(elements, i);
    } else {
      const was = before.elements;
      const had = new Set<string>(), has = new Set<string>();
      for (let i = 0; i < was.length; i += 3) had.add(id(was, i));
      for (let i = 0; i < elements.length; i += 3) has.add(id(elements, i));
      for (let i = 0; i < was.length; i += 3) {
        if (!has.has(id(was, i))) this.elements.remove(was[i], was[i + 1], owner);
      }
      for (let i = 0; i < elements.length; i += 3) if (!had.has(id(elements, i))) add(elements, i);
    }
    // Endpoint lists.
    if (before && before.lists.length > 0) {
      const listIds = new Set(after.lists.map((l) => `${l.map}\u0000${l.key}\u0000${l.base}`));
      for (const l of before.lists) {
        if (!listIds.has(`${l.map}\u0000${l.key}\u0000${l.base}`)) {
          this.lists.remove(l.map, l.key, l.base, owner);
        }
      }
    }
    for (const l of after.lists) {
      if (this.lists.set(l.map, l.key, l.base, l.values, owner)) {
        this.#conflict(report, owner, l.map, l.key);
      }
    }
    // Kept to diff the next version; endpoint values are found again in the lists.
    after.elements = elements;
    for (const l of after.lists) l.values = NO_VALUES;
    this.#fragments.set(owner, after);
  }

  #conflict(report: (p: ModelProblem) => void, owner: string, set: string, key: string): void {
    report({
      object: `Service ${owner}`,
      field: "spec",
      message: `${set} element ${key} is already used by another Service; keeping the first`,
    });
  }

  /** Net changes since the last apply (see {@linkcode FamilyChanges}). */
  changes(): FamilyChanges {
    const c: FamilyChanges = {
      setsAdded: new Map(),
      chainsAdded: new Map(),
      chainsChanged: new Map(),
      elementsDeleted: new Map(),
      elementsAdded: new Map(),
    };
    const kernel = this.#kernelObjects ?? new Map<string, PlanObject>();
    for (const name of this.#touchedObjects) {
      const now = this.#objects.get(name);
      const was = kernel.get(name);
      if (!now) continue; // kept until the garbage collection
      if (now.kind === "set") {
        if (!was) c.setsAdded.set(name, now.decl);
      } else if (!was) c.chainsAdded.set(name, now.rules);
      else if (was.kind !== "chain" || !sameRules(was.rules, now.rules)) {
        c.chainsChanged.set(name, now.rules);
      }
    }
    for (const [set, keys] of this.#touched) {
      for (const [key, before] of keys) {
        const now = this.element(set, key);
        if (now === before) continue;
        if (before !== undefined && (now !== undefined || !DEFERRABLE_SETS.has(set))) {
          push(c.elementsDeleted, set, key);
        }
        if (now !== undefined) push(c.elementsAdded, set, [key, now]);
      }
    }
    return c;
  }

  /** Records a successful apply of `changes()`: deferred removals become garbage. */
  partialApplied(): void {
    const kernel = this.#kernelObjects ??= new Map();
    for (const name of this.#touchedObjects) {
      const now = this.#objects.get(name);
      if (now) kernel.set(name, now);
    }
    for (const [set, keys] of this.#touched) {
      for (const [key, before] of keys) {
        const now = this.element(set, key);
        let g = this.#garbage.get(set);
        if (now === undefined && before !== undefined && DEFERRABLE_SETS.has(set)) {
          if (!g) this.#garbage.set(set, g = new Map());
          g.set(key, before);
        } else g?.delete(key);
      }
    }
    this.#clearTouched();
  }

  /** What the garbage collection would remove now. */
  garbage(): FamilyGarbage {
    const elements = new Map<string, string[]>();
    for (const [set, m] of this.#garbage) if (m.size > 0) elements.set(set, [...m.keys()]);
    const chains: string[] = [], sets: string[] = [];
    for (const [name, obj] of this.#kernelObjects ?? []) {
      if (this.#objects.has(name)) continue;
      (obj.kind === "chain" ? chains : sets).push(name);
    }
    return { elements, chains, sets };
  }

  /** Whether there is garbage to collect. */
  get hasGarbage(): boolean {
    for (const m of this.#garbage.values()) if (m.size > 0) return true;
    for (const name of this.#kernelObjects?.keys() ?? []) if (!this.#objects.has(name)) return true;
    return false;
  }

  /** Records that `garbage` (what {@linkcode FamilyPlan.garbage} returned) was collected. */
  garbageCollected(garbage: FamilyGarbage): void {
    for (const [set, keys] of garbage.elements) {
      const m = this.#garbage.get(set);
      for (const k of keys) m?.delete(k);
    }
    for (const name of [...garbage.chains, ...garbage.sets]) {
      if (!this.#objects.has(name)) this.#kernelObjects?.delete(name);
    }
  }

  /** Records a successful full apply: the kernel holds exactly the desired state. */
  fullApplied(): void {
    this.#kernelObjects = new Map(this.#objects);
    this.#garbage.clear();
    this.#clearTouched();
    this.#tracking = true;
  }

  /** Forgets what the kernel holds (after a failed full apply): the next full sync replaces the table. */
  markUnknown(): void {
    this.#kernelObjects = undefined;
  }

  /**
   * Takes the names of the objects a kernel table already holds (a previous
   * run's), so that the first full sync rewrites the table in place and keeps
   * its ClientIP-affinity sets, instead of replacing it.
   */
  adopt(objects: Map<string, PlanObject>): void {
    this.#kernelObjects = objects;
  }

  /** Objects the kernel holds as of the last apply, or undefined when unknown (replace the table). */
  get kernelObjects(): ReadonlyMap<string, PlanObject> | undefined {
    return this.#kernelObjects;
  }

  #clearTouched(): void {
    this.#touched.clear();
    this.#touchedObjects.clear();
  }
}

function sameRules(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((r, i) => r === b[i]);
}

function push<T>(m: Map<string, T[]>, k: string, v: T): void {
  let l = m.get(k);
  if (!l) m.set(k, l = []);
  l.push(v);
}
