/**
 * A fragment: the part of a ruleset that one Service contributes to one
 * family's table — its own chains, and its elements in the shared maps and
 * sets. Fragments are the unit of partial syncs: a changed Service is diffed
 * fragment against fragment.
 *
 * @module
 */

/** Chains (name → rule lines) and elements (set or map name → key → value, "" for sets). */
export interface Fragment {
  chains: Map<string, string[]>;
  elements: Map<string, Map<string, string>>;
}

/** An empty fragment. */
export function emptyFragment(): Fragment {
  return { chains: new Map(), elements: new Map() };
}

/** Adds an element (set element when value is ""). */
export function addElement(f: Fragment, set: string, key: string, value = ""): void {
  let m = f.elements.get(set);
  if (!m) f.elements.set(set, m = new Map());
  m.set(key, value);
}

/** Counts elements and rules, for logs and metrics. */
export function fragmentSize(f: Fragment): { chains: number; rules: number; elements: number } {
  let rules = 0, elements = 0;
  for (const r of f.chains.values()) rules += r.length;
  for (const m of f.elements.values()) elements += m.size;
  return { chains: f.chains.size, rules, elements };
}
