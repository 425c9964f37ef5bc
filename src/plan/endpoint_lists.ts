/**
 * The endpoints behind each entry point, as the `endpoints` and
 * `nodeport-endpoints` maps hold them: one list of `addr . port` values per
 * entry point and index base, whose i-th value is the map element
 * `KEY . base+i`. Kept as lists rather than one record per element: at 10k
 * Services they are most of the table's elements.
 *
 * Each list has an owner (a Service); when two claim the same entry point,
 * the first keeps it and the next one's list takes over when it leaves.
 * Element changes are reported per index, like {@linkcode ElementStore}'s.
 *
 * @module
 */

import type { ChangeListener } from "./element_store.ts";
import { SHORTCUT_OFFSET } from "./names.ts";

interface ListEntry {
  owner: string;
  values: readonly string[];
  others?: Map<string, readonly string[]>;
}

/** The element key of index `i` of entry point `key`. */
export function listElementKey(key: string, index: number): string {
  return `${key} . ${index}`;
}

function listId(key: string, base: number): string {
  return base === 0 ? key : `${key}\u0000${base}`;
}

function splitId(id: string): [key: string, base: number] {
  const i = id.indexOf("\u0000");
  return i < 0 ? [id, 0] : [id.slice(0, i), Number(id.slice(i + 1))];
}

/** Lists of endpoint values by map, entry point and base. */
export class EndpointLists {
  #maps = new Map<string, Map<string, ListEntry>>();
  #onChange: ChangeListener;
  #observed: () => boolean;

  /**
   * `observed` says whether element changes are wanted now: until the first
   * apply nothing diffs them, and building a key per endpoint would be waste.
   */
  constructor(onChange: ChangeListener, observed: () => boolean = () => true) {
    this.#onChange = onChange;
    this.#observed = observed;
  }

  #emit(
    map: string,
    key: string,
    base: number,
    before: readonly string[],
    after: readonly string[],
  ) {
    if (!this.#observed()) return;
    const n = Math.max(before.length, after.length);
    for (let i = 0; i < n; i++) {
      if (before[i] !== after[i]) {
        this.#onChange(map, listElementKey(key, base + i), before[i], after[i]);
      }
    }
  }

  /** The effective list of an entry point, or undefined. */
  get(map: string, key: string, base: number): readonly string[] | undefined {
    return this.#maps.get(map)?.get(listId(key, base))?.values;
  }

  /** The effective value of one map element (`KEY . index`), or undefined. */
  element(map: string, elementKey: string): string | undefined {
    const dot = elementKey.lastIndexOf(" . ");
    const index = Number(elementKey.slice(dot + 3));
    const base = index >= SHORTCUT_OFFSET ? SHORTCUT_OFFSET : 0;
    return this.get(map, elementKey.slice(0, dot), base)?.[index - base];
  }

  /** Every element of a map, as [element key, value]. */
  *entries(map: string): IterableIterator<[string, string]> {
    const out: [string, string][] = [];
    this.forEach(map, (k, v) => out.push([k, v]));
    yield* out;
  }

  /** Calls `fn` with every element of a map (its element key and value). */
  forEach(map: string, fn: (elementKey: string, value: string) => void): void {
    for (const [id, e] of this.#maps.get(map) ?? []) {
      const [key, base] = splitId(id);
      for (let i = 0; i < e.values.length; i++) fn(listElementKey(key, base + i), e.values[i]);
    }
  }

  /** Sets `owner`'s list. Returns true when another owner holds the entry point. */
  set(map: string, key: string, base: number, values: readonly string[], owner: string): boolean {
    let m = this.#maps.get(map);
    if (!m) this.#maps.set(map, m = new Map());
    const id = listId(key, base);
    const e = m.get(id);
    if (!e) {
      m.set(id, { owner, values });
      this.#emit(map, key, base, [], values);
      return false;
    }
    if (e.owner === owner) {
      const before = e.values;
      e.values = values;
      this.#emit(map, key, base, before, values);
      return false;
    }
    if (!e.others) e.others = new Map();
    e.others.set(owner, values);
    return true;
  }

  /** Removes `owner`'s list; the next owner's takes over, if any. */
  remove(map: string, key: string, base: number, owner: string): void {
    const m = this.#maps.get(map);
    const id = listId(key, base);
    const e = m?.get(id);
    if (!m || !e) return;
    if (e.owner !== owner) {
      e.others?.delete(owner);
      return;
    }
    const before = e.values;
    const next = e.others?.entries().next();
    if (next && !next.done) {
      const [nextOwner, values] = next.value;
      e.others!.delete(nextOwner);
      e.owner = nextOwner;
      e.values = values;
      this.#emit(map, key, base, before, values);
      return;
    }
    m.delete(id);
    this.#emit(map, key, base, before, []);
  }
}
