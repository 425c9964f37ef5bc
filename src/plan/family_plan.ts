/**
 * The desired state of one family's table: the skeleton plus one fragment
 * per Service. It remembers what changed since the last apply, so that a
 * partial sync writes only the changed chains and elements.
 *
 * @module
 */

import type { FamilyContext } from "./family_context.ts";
import { buildSkeleton, type Skeleton } from "./skeleton.ts";
import { ElementStore } from "./element_store.ts";
import { SET } from "./names.ts";
import { emptyFragment, type Fragment, type FragmentElement } from "./fragment.ts";
import { renderServicePort, type ServicePortSummary } from "./service_fragment.ts";
import { SlotAllocator } from "./slot_allocator.ts";
import type { ServicePortInfo } from "../model/service_port.ts";
import { type EndpointsByPort, portKey } from "../model/endpoints.ts";
import type { ModelProblem } from "../model/problems.ts";

interface ServiceState {
  /** Chains and elements, except endpoint slots (kept compactly in `slots`). */
  fragment: Fragment;
  slotOwners: string[];
  /** Slot numbers in use: their `slots` and `slot-addrs` elements can be found from the store. */
  slots: number[];
}

const SLOT_SETS = new Set<string>([SET.slots, SET.slotAddrs]);

/** Net changes since the last apply. */
export interface FamilyChanges {
  /** Chains whose rules changed or that are new: name → rules. */
  chainsSet: Map<string, string[]>;
  /** Chains that existed before and are new or changed (need flush before refill). */
  chainsExisting: Set<string>;
  chainsDeleted: string[];
  /** Elements to delete: set → keys. */
  elementsDeleted: Map<string, string[]>;
  /** Elements to add: set → [key, value]. */
  elementsAdded: Map<string, [string, string][]>;
}

/** Desired state of one family's table. */
export class FamilyPlan {
  readonly ctx: FamilyContext;
  readonly skeleton: Skeleton;
  readonly elements: ElementStore;
  #services = new Map<string, ServiceState>();
  #chains = new Map<string, string[]>();
  #slots = new SlotAllocator();
  #touchedElements = new Map<string, Map<string, string | undefined>>();
  #touchedChains = new Map<string, string[] | undefined>();

  constructor(ctx: FamilyContext) {
    this.ctx = ctx;
    this.skeleton = buildSkeleton(ctx);
    this.elements = new ElementStore((set, key, before) => {
      let m = this.#touchedElements.get(set);
      if (!m) this.#touchedElements.set(set, m = new Map());
      if (!m.has(key)) m.set(key, before);
    }, [SET.slots, SET.slotAddrs]);
    for (const [set, keys] of this.skeleton.elements) {
      for (const k of keys) this.elements.add(set, k, "", "<skeleton>");
    }
    this.clearChanges();
    // Until the first clearChanges() (after the first apply, always a full one), no need to record changes.
    this.elements.tracking = false;
  }

  /** Per-service chains, by name. */
  get chains(): ReadonlyMap<string, string[]> {
    return this.#chains;
  }

  /** Number of Services in this plan. */
  get serviceCount(): number {
    return this.#services.size;
  }

  /** Keys of the Services in this plan. */
  serviceKeys(): IterableIterator<string> {
    return this.#services.keys();
  }

  /**
   * Sets (replaces) one Service's ports and endpoints. Returns what each port
   * rendered to (by port id); the plan does not keep it.
   */
  setService(
    serviceKey: string,
    ports: readonly ServicePortInfo[],
    endpoints: EndpointsByPort,
    report: (p: ModelProblem) => void,
  ): Map<string, ServicePortSummary> {
    const old = this.#services.get(serviceKey);
    const fragment = emptyFragment();
    const summaries = new Map<string, ServicePortSummary>();
    const owners: string[] = [];
    const slotElements: FragmentElement[] = [];
    for (const sp of ports) {
      const r = renderServicePort(
        sp,
        endpoints.get(portKey(sp.protocol, sp.portName)) ?? [],
        this.ctx,
        this.#slots,
        (slot) => this.elements.get(SET.slots, String(slot)),
      );
      owners.push(...r.slotOwners);
      if (r.summary) summaries.set(sp.id, r.summary);
      for (const [name, rules] of r.fragment.chains) fragment.chains.set(name, rules);
      for (const e of r.fragment.elements) {
        if (SLOT_SETS.has(e[0])) slotElements.push(e);
        else fragment.elements.push(e);
      }
    }
    if (old) {
      for (const o of old.slotOwners) if (!owners.includes(o)) this.#slots.release(o);
    }
    const slots = this.#replaceSlots(old?.slots, slotElements);
    this.#replaceFragment(serviceKey, old?.fragment, fragment, report);
    this.#services.set(serviceKey, { fragment, slotOwners: owners, slots });
    return summaries;
  }

  /**
   * Replaces a Service's endpoint slots: a slot that goes away or changes
   * endpoint loses its `slots` element and its `slot-addrs` element (found
   * from the stored address), then the new elements are added.
   */
  #replaceSlots(
    before: readonly number[] | undefined,
    after: readonly FragmentElement[],
  ): number[] {
    const now = new Map<string, string>();
    for (const [set, k, v] of after) if (set === SET.slots) now.set(k, v);
    for (const n of before ?? []) {
      const slot = String(n);
      const old = this.elements.get(SET.slots, slot);
      if (old === undefined || now.get(slot) === old) continue;
      this.elements.remove(SET.slotAddrs, `${old.slice(0, old.indexOf(" . "))} . ${slot}`, "");
      if (!now.has(slot)) this.elements.remove(SET.slots, slot, "");
    }
    for (const [set, k, v] of after) this.elements.add(set, k, v, "");
    return [...now.keys()].map(Number);
  }

  /** Removes one Service. */
  removeService(serviceKey: string): void {
    const old = this.#services.get(serviceKey);
    if (!old) return;
    for (const o of old.slotOwners) this.#slots.release(o);
    this.#replaceSlots(old.slots, []);
    this.#replaceFragment(serviceKey, old.fragment, emptyFragment(), () => {});
    this.#services.delete(serviceKey);
  }

  #replaceFragment(
    owner: string,
    before: Fragment | undefined,
    after: Fragment,
    report: (p: ModelProblem) => void,
  ) {
    // Chains: a per-service chain name belongs to exactly one Service.
    if (before) {
      for (const name of before.chains.keys()) {
        if (!after.chains.has(name)) this.#touchChain(name, undefined);
      }
    }
    for (const [name, rules] of after.chains) {
      const prev = this.#chains.get(name);
      if (!prev || prev.length !== rules.length || prev.some((r, i) => r !== rules[i])) {
        this.#touchChain(name, rules);
      }
    }
    // Elements: remove what is gone, then add (the store keeps owners).
    if (before && before.elements.length > 0) {
      const kept = new Set<string>();
      for (const [set, k] of after.elements) kept.add(`${set} ${k}`);
      for (const [set, k] of before.elements) {
        if (!kept.has(`${set} ${k}`)) this.elements.remove(set, k, owner);
      }
    }
    for (const [set, k, v] of after.elements) {
      const conflict = this.elements.add(set, k, v, owner);
      if (conflict !== undefined) {
        report({
          object: `Service ${owner}`,
          field: "spec",
          message: `${set} element ${k} is already used by another Service; keeping the first`,
        });
      }
    }
  }

  #touchChain(name: string, rules: string[] | undefined) {
    if (this.elements.tracking && !this.#touchedChains.has(name)) {
      this.#touchedChains.set(name, this.#chains.get(name));
    }
    if (rules) this.#chains.set(name, rules);
    else this.#chains.delete(name);
  }

  /** Net changes since the last {@linkcode clearChanges}. */
  changes(): FamilyChanges {
    const c: FamilyChanges = {
      chainsSet: new Map(),
      chainsExisting: new Set(),
      chainsDeleted: [],
      elementsDeleted: new Map(),
      elementsAdded: new Map(),
    };
    for (const [name, before] of this.#touchedChains) {
      const now = this.#chains.get(name);
      if (!now) {
        if (before) c.chainsDeleted.push(name);
        continue;
      }
      if (before && before.length === now.length && before.every((r, i) => r === now[i])) continue;
      c.chainsSet.set(name, now);
      if (before) c.chainsExisting.add(name);
    }
    for (const [set, keys] of this.#touchedElements) {
      for (const [key, before] of keys) {
        const now = this.elements.get(set, key);
        if (now === before) continue;
        if (before !== undefined) {
          let l = c.elementsDeleted.get(set);
          if (!l) c.elementsDeleted.set(set, l = []);
          l.push(key);
        }
        if (now !== undefined) {
          let l = c.elementsAdded.get(set);
          if (!l) c.elementsAdded.set(set, l = []);
          l.push([key, now]);
        }
      }
    }
    return c;
  }

  /** Forgets the recorded changes (after an apply, full or partial). */
  clearChanges(): void {
    this.#touchedElements.clear();
    this.#touchedChains.clear();
    this.elements.tracking = true;
  }
}
