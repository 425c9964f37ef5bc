/**
 * The elements of one table's shared sets and maps, with the fragment that
 * owns each. Several fragments may contribute the same element (two ports of
 * one Service share a ClusterIP); it stays until its last owner removes it.
 * When owners disagree on a map value, the first owner's value wins.
 *
 * @module
 */

interface Entry {
  owner: string;
  value: string;
  others?: Map<string, string>;
}

/** Called with (set, key, valueBefore) the first time a key changes. */
export type TouchListener = (set: string, key: string, before: string | undefined) => void;

/** Elements by set and key, with owners. */
export class ElementStore {
  #sets = new Map<string, Map<string, Entry>>();
  #onTouch: TouchListener;

  constructor(onTouch: TouchListener) {
    this.#onTouch = onTouch;
  }

  /** The effective value of an element, or undefined when absent. */
  get(set: string, key: string): string | undefined {
    return this.#sets.get(set)?.get(key)?.value;
  }

  /** All elements of a set, as [key, value]. */
  entries(set: string): IterableIterator<[string, string]> {
    const m = this.#sets.get(set) ?? new Map<string, Entry>();
    return (function* () {
      for (const [k, e] of m) yield [k, e.value] as [string, string];
    })();
  }

  /** Number of elements in a set. */
  size(set: string): number {
    return this.#sets.get(set)?.size ?? 0;
  }

  /** Adds `owner`'s element. Returns the value of a conflicting owner, if any. */
  add(set: string, key: string, value: string, owner: string): string | undefined {
    let m = this.#sets.get(set);
    if (!m) this.#sets.set(set, m = new Map());
    const e = m.get(key);
    if (!e) {
      this.#onTouch(set, key, undefined);
      m.set(key, { owner, value });
      return undefined;
    }
    if (e.owner === owner) {
      if (e.value !== value) {
        this.#onTouch(set, key, e.value);
        e.value = value;
      }
      return undefined;
    }
    if (!e.others) e.others = new Map();
    e.others.set(owner, value);
    return e.value !== value ? e.value : undefined;
  }

  /** Removes `owner`'s element; the next owner's value takes over, if any. */
  remove(set: string, key: string, owner: string): void {
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
      if (nextValue !== e.value) this.#onTouch(set, key, e.value);
      e.owner = nextOwner;
      e.value = nextValue;
      return;
    }
    this.#onTouch(set, key, e.value);
    m.delete(key);
  }
}
