/**
 * A fragment: the part of a ruleset that one Service contributes to one
 * family's table — its own chains, and its elements in the shared maps and
 * sets. Fragments are the unit of partial syncs: a changed Service is diffed
 * fragment against fragment.
 *
 * @module
 */

/** One element: set or map name, key, and value ("" for set elements). */
export type FragmentElement = [set: string, key: string, value: string];

/**
 * Chains (name → rule lines) and elements. Elements are a flat list (a
 * fragment is small; a list is far cheaper to build than nested maps at
 * 10k Services); the same element may appear twice (two ports sharing a
 * ClusterIP), which the element store treats as one.
 */
export interface Fragment {
  chains: Map<string, string[]>;
  elements: FragmentElement[];
}

/** An empty fragment. */
export function emptyFragment(): Fragment {
  return { chains: new Map(), elements: [] };
}

/** Adds an element (set element when value is ""). */
export function addElement(f: Fragment, set: string, key: string, value = ""): void {
  f.elements.push([set, key, value]);
}
