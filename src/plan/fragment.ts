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
 * elements. Elements are a flat list (a fragment is small; a list is far
 * cheaper to build than nested maps at 10k Services); the same element may
 * appear twice (two ports sharing a ClusterIP), which the element store
 * treats as one.
 */
export interface Fragment {
  chains: Map<string, string[]>;
  sets: Map<string, string>;
  elements: FragmentElement[];
  /** Elements of the `endpoints` maps, one list per entry point. */
  lists: EndpointList[];
}

/** An empty fragment. */
export function emptyFragment(): Fragment {
  return { chains: new Map(), sets: new Map(), elements: [], lists: [] };
}

/** Adds an element (a set element when value is ""). */
export function addElement(fragment: Fragment, set: string, key: string, value = ""): void {
  fragment.elements.push([set, key, value]);
}

/** Number of kernel objects and elements a fragment asks for. */
export function fragmentSize(fragment: Fragment): number {
  let n = fragment.elements.length + fragment.sets.size;
  for (const l of fragment.lists) n += l.values.length;
  for (const rules of fragment.chains.values()) n += 1 + rules.length;
  return n;
}
