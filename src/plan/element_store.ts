/**
 * The elements of one table's shared sets and maps, with the fragments that
 * contribute them. Several fragments may contribute the same element (two
 * Services backed by one pod both add its hairpin element); it stays until
 * its last contributor removes it. When owners disagree on a map value, the
 * first owner's value wins, and the next one's takes over when it leaves.
 *
 * Plain sets (no values) only count their contributors: at scale they hold
 * hundreds of thousands of elements, and a count is far lighter than an
 * owner record per element.
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
  #owned = new Map<string, Map<string, Entry>>();
  #counted = new Map<string, Map<string, number>>();
  #onChange: ChangeListener;

  /** `countedSets`: plain sets (elements without values), whose contributors are only counted. */
  constructor(onChange: ChangeListener, countedSets: Iterable<string> = []) {
    this.#onChange = onChange;
    for (const s of countedSets) this.#counted.set(s, new Map());
  }

  /** The effective value of an element ("" for a plain set's), or undefined when absent. */
  get(set: string, key: string): string | undefined {
    const c = this.#counted.get(set);
    if (c) return c.has(key) ? "" : undefined;
    return this.#owned.get(set)?.get(key)?.value;
  }

  /** All elements of a set, as [key, value]. */
  *entries(set: string): IterableIterator<[string, string]> {
    const out: [string, string][] = [];
    this.forEach(set, (k, v) => out.push([k, v]));
    yield* out;
  }

  /** Calls `fn` with every element of a set (the key, and "" for a plain set's value). */
  forEach(set: string, fn: (key: string, value: string) => void): void {
    const c = this.#counted.get(set);
    if (c) {
      for (const k of c.keys()) fn(k, "");
      return;
    }
    for (const [k, e] of this.#owned.get(set) ?? []) fn(k, e.value);
  }

  /** Number of elements in a set. */
  size(set: string): number {
    return this.#counted.get(set)?.size ?? this.#owned.get(set)?.size ?? 0;
  }

  /**
   * Adds `owner`'s element. An owner adds one element at most once (plain
   * sets count the calls). Returns the value of a conflicting owner, if any.
   */
  add(set: string, key: string, value: string, owner: string): string | undefined {
    const c = this.#counted.get(set);
    if (c) {
      const n = c.get(key) ?? 0;
      c.set(key, n + 1);
      if (n === 0) this.#onChange(set, key, undefined, "");
      return undefined;
    }
    let m = this.#owned.get(set);
    if (!m) this.#owned.set(set, m = new Map());
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
    const c = this.#counted.get(set);
    if (c) {
      const n = c.get(key);
      if (n === undefined) return;
      if (n > 1) c.set(key, n - 1);
      else {
        c.delete(key);
        this.#onChange(set, key, "", undefined);
      }
      return;
    }
    const m = this.#owned.get(set);
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
