/**
 * The proxy's view of the cluster: the latest version of every watched object,
 * by kind and key. Sources (manifest files, the API server) write into it;
 * the sync loop reads it. Listeners hear which objects changed.
 *
 * @module
 */

import type { KubeObject } from "../model/kube_types.ts";
import { isValidObject } from "./object_meta.ts";

/** The kinds of objects the proxy watches. */
export type ObjectKind = "Service" | "EndpointSlice" | "Node" | "ServiceCIDR";

/** All watched kinds. */
export const OBJECT_KINDS: readonly ObjectKind[] = [
  "Service",
  "EndpointSlice",
  "Node",
  "ServiceCIDR",
];

/** One change: the object's kind and key, and its previous and current versions. */
export interface ObjectChange {
  kind: ObjectKind;
  key: string;
  previous?: KubeObject;
  current?: KubeObject;
}

/** Called for every change. */
export type ChangeListener = (change: ObjectChange) => void;

/**
 * `namespace/name`, or `name` for cluster-scoped objects.
 *
 * @example Namespaced objects are keyed `namespace/name`, others by name
 * ```ts
 * import assert from "node:assert/strict";
 * import { objectKey } from "./cluster_state.ts";
 *
 * const dns = { metadata: { namespace: "kube-system", name: "kube-dns" } };
 * assert.equal(objectKey(dns), "kube-system/kube-dns");
 * assert.equal(objectKey({ metadata: { name: "worker-0" } }), "worker-0");
 * ```
 */
export function objectKey(obj: KubeObject): string {
  const ns = obj.metadata?.namespace;
  const name = obj.metadata?.name ?? "";
  return ns ? `${ns}/${name}` : name;
}

/**
 * Latest objects by kind and key, with change notification.
 *
 * @example Hold objects by kind and key, and hear of every change
 * ```ts
 * import assert from "node:assert/strict";
 * import { ClusterState, type ObjectChange } from "./cluster_state.ts";
 *
 * const state = new ClusterState();
 * const changes: ObjectChange[] = [];
 * const off = state.onChange((c) => changes.push(c));
 * state.upsert("Service", { metadata: { namespace: "default", name: "web" } });
 * state.remove("Service", "default/web");
 * off();
 * assert.deepEqual(changes.map((c) => [c.key, c.current !== undefined]), [
 *   ["default/web", true],
 *   ["default/web", false],
 * ]);
 * assert.equal(state.upsert("Service", { metadata: { name: 42 } } as never), false);
 * ```
 */
export class ClusterState {
  #objects = new Map<ObjectKind, Map<string, KubeObject>>(
    OBJECT_KINDS.map((k) => [k, new Map()]),
  );
  #listeners = new Set<ChangeListener>();

  /** Adds a listener; returns a function that removes it. */
  onChange(listener: ChangeListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The objects of one kind, by key. Do not mutate. */
  objects(kind: ObjectKind): ReadonlyMap<string, KubeObject> {
    return this.#objects.get(kind)!;
  }

  /** One object, or undefined. */
  get(kind: ObjectKind, key: string): KubeObject | undefined {
    return this.#objects.get(kind)!.get(key);
  }

  /**
   * Adds or replaces one object. Returns false, and ignores the object, when
   * it fails `objectProblem()` of object_meta.ts (no name, a name that is
   * not a string, ...); sources check first and log why.
   */
  upsert(kind: ObjectKind, obj: KubeObject): boolean {
    if (!isValidObject(obj)) return false;
    const key = objectKey(obj);
    const map = this.#objects.get(kind)!;
    const previous = map.get(key);
    map.set(key, obj);
    this.#emit({ kind, key, previous, current: obj });
    return true;
  }

  /** Removes one object, given the object or its key. */
  remove(kind: ObjectKind, objOrKey: KubeObject | string): void {
    if (typeof objOrKey !== "string" && !isValidObject(objOrKey)) return;
    const key = typeof objOrKey === "string" ? objOrKey : objectKey(objOrKey);
    const map = this.#objects.get(kind)!;
    const previous = map.get(key);
    if (!previous) return;
    map.delete(key);
    this.#emit({ kind, key, previous });
  }

  /**
   * Replaces every object of one kind (after a list or a relist): objects not
   * in `objs` are removed, the others upserted. Unchanged objects (same
   * resourceVersion) emit nothing. Objects failing `objectProblem()` are
   * ignored.
   */
  replaceAll(kind: ObjectKind, objs: Iterable<KubeObject>): void {
    const map = this.#objects.get(kind)!;
    const seen = new Set<string>();
    for (const obj of objs) {
      if (!isValidObject(obj)) continue;
      const key = objectKey(obj);
      seen.add(key);
      const previous = map.get(key);
      const rv = obj.metadata!.resourceVersion;
      if (previous && rv !== undefined && previous.metadata?.resourceVersion === rv) continue;
      map.set(key, obj);
      this.#emit({ kind, key, previous, current: obj });
    }
    for (const key of [...map.keys()]) {
      if (!seen.has(key)) this.remove(kind, key);
    }
  }

  #emit(change: ObjectChange): void {
    for (const l of this.#listeners) l(change);
  }
}
