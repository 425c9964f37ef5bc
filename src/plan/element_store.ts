/**
 * The elements of one table's shared sets and maps, with the fragment that
 * owns each. Several fragments may contribute the same element (two ports of
 * one Service share a ClusterIP); it stays until its last owner removes it.
 * When owners disagree on a map value, the first owner's value wins.
 *
 * Sets whose keys are unique by construction (endpoint slots) skip the owner
 * bookkeeping: they hold hundreds of thousands of elements at scale.
 *
 * @module
 */

interface Entry {
  owner: string;
  value: string;
  others?: Map<string, string>;
}

/** Called with the effective value before and after, every time an element's effective value changes. */
export type ChangeListener = (
  set: string,
  key: string,
  before: string | undefined,
  after: string | undefined,
) => void;

/** Elements by set and key, with owners. */
export class ElementStore {
  #sets = new Map<string, Map<string, Entry>>();
  #unique = new Map<string, Map<string, string>>();
  #onChange: ChangeListener;

  /** `uniqueSets`: sets whose keys never have two owners. */
  constructor(onChange: ChangeListener, uniqueSets: Iterable<string> = []) {
    this.#onChange = onChange;
    for (const s of uniqueSets) this.#unique.set(s, new Map());
  }

  /** The effective value of an element, or undefined when absent. */
  get(set: string, key: string): string | undefined {
    const u = this.#unique.get(set);
    if (u) return u.get(key);
    return this.#sets.get(set)?.get(key)?.value;
  }

  /** All elements of a set, as [key, value]. */
  entries(set: string): IterableIterator<[string, string]> {
    const u = this.#unique.get(set);
    if (u) return u.entries();
    const m = this.#sets.get(set) ?? new Map<string, Entry>();
    return (function* () {
      for (const [k, e] of m) yield [k, e.value] as [string, string];
    })();
  }

  /** Number of elements in a set. */
  size(set: string): number {
    return this.#unique.get(set)?.size ?? this.#sets.get(set)?.size ?? 0;
  }

  /** Adds `owner`'s element. Returns the value of a conflicting owner, if any. */
  add(set: string, key: string, value: string, owner: string): string | undefined {
    const u = this.#unique.get(set);
    if (u) {
      const before = u.get(key);
      if (before !== value) {
        u.set(key, value);
        this.#onChange(set, key, before, value);
      }
      return undefined;
    }
    let m = this.#sets.get(set);
    if (!m) this.#sets.set(set, m = new Map());
    const e = m.get(key);
    if (!e) {
      m.set(key, { owner, value });
      this.#onChange(set, key, undefined, value);
      return undefined;
    }
    if (e.owner === owner) {
      if (e.value !== value) {
        const before = e.value;
        e.value = value;
        this.#onChange(set, key, before, value);
      }
      return undefined;
    }
    if (!e.others) e.others = new Map();
    e.others.set(owner, value);
    return e.value !== value ? e.value : undefined;
  }

  /** Removes `owner`'s element; the next owner's value takes over, if any. */
  remove(set: string, key: string, owner: string): void {
    const u = this.#unique.get(set);
    if (u) {
      const before = u.get(key);
      if (before !== undefined) {
        u.delete(key);
        this.#onChange(set, key, before, undefined);
      }
      return;
    }
    const m = this.#sets.get(set);
    const e = m?.get(key);
    if (!m || !e) return;
    if (e.owner !== owner) {
      e.others?.delete(owner);
      return;
    }
    const next = e.others?.entries().next();
    if (next && !next.done) {
      const [nextOwner, nextValue] = next.value;
      e.others!.delete(nextOwner);
      const before = e.value;
      e.owner = nextOwner;
      e.value = nextValue;
      if (nextValue !== before) this.#onChange(set, key, before, nextValue);
      return;
    }
    m.delete(key);
    this.#onChange(set, key, e.value, undefined);
  }
}
