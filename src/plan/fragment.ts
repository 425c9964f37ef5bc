/**
 * A fragment: the part of a ruleset that one Service contributes to one
 * family's table. Almost all of it is elements of the shared maps and sets;
 * only Services with ClientIP affinity add objects of their own (a chain per
 * endpoint set, and a dynamic set and chain per endpoint). Fragments are the
 * unit of partial syncs: a changed Service is diffed fragment against fragment.
 *
 * @module
 */

/** One element: set or map name, key, and value ("" for set elements). */
export type FragmentElement = [set: string, key: string, value: string];

/** The endpoints behind one entry point: map elements `key . base+i : values[i]`. */
export interface EndpointList {
  map: string;
  key: string;
  base: number;
  values: string[];
}

/**
 * Objects (chains by name → rule lines; sets by name → declaration line) and
 * elements. Elements are one flat list of triples `set, key, value` (a
 * fragment is small, and the plan keeps every fragment: one list per
 * fragment is far lighter at 10k Services than nested maps or an array per
 * element); the same element may appear twice (two ports sharing a
 * ClusterIP), which the element store treats as one.
 */
export interface Fragment {
  /** Read-only: add with {@linkcode addChain} (fragments without objects share one empty map). */
  chains: ReadonlyMap<string, readonly string[]>;
  /** Read-only: add with {@linkcode addSet}. */
  sets: ReadonlyMap<string, string>;
  /** `set, key, value` triples (value "" for set elements); see {@linkcode fragmentElements}. */
  elements: string[];
  /** Elements of the `endpoints` maps, one list per entry point. */
  lists: EndpointList[];
}

const NO_CHAINS: ReadonlyMap<string, readonly string[]> = new Map();
const NO_SETS: ReadonlyMap<string, string> = new Map();

/**
 * An empty fragment. Most Services have no objects of their own, so a new
 * fragment shares empty object maps, and gets its own on its first object:
 * a map per fragment would be a large part of what a 10k-Service plan keeps.
 */
export function emptyFragment(): Fragment {
  return { chains: NO_CHAINS, sets: NO_SETS, elements: [], lists: [] };
}

/** Adds (or replaces) a chain of the fragment's own. */
export function addChain(fragment: Fragment, name: string, rules: readonly string[]): void {
  const chains = fragment.chains === NO_CHAINS
    ? new Map()
    : fragment.chains as Map<string, readonly string[]>;
  chains.set(name, rules);
  fragment.chains = chains;
}

/** Adds (or replaces) a set of the fragment's own, by its declaration line. */
export function addSet(fragment: Fragment, name: string, decl: string): void {
  const sets = fragment.sets === NO_SETS ? new Map() : fragment.sets as Map<string, string>;
  sets.set(name, decl);
  fragment.sets = sets;
}

/** Adds an element (a set element when value is ""). */
export function addElement(fragment: Fragment, set: string, key: string, value = ""): void {
  fragment.elements.push(set, key, value);
}

/** The elements of a fragment, one `[set, key, value]` each, in the order they were added. */
export function fragmentElements(fragment: Fragment): FragmentElement[] {
  const out: FragmentElement[] = [];
  const e = fragment.elements;
  for (let i = 0; i < e.length; i += 3) out.push([e[i], e[i + 1], e[i + 2]]);
  return out;
}

/** Number of kernel objects and elements a fragment asks for. */
export function fragmentSize(fragment: Fragment): number {
  let n = fragment.elements.length / 3 + fragment.sets.size;
  for (const l of fragment.lists) n += l.values.length;
  for (const rules of fragment.chains.values()) n += 1 + rules.length;
  return n;
}
