/**
 * The fake API server's object store: objects per resource, one global
 * monotonically increasing resourceVersion (like etcd's revision) and a
 * bounded event history that watches replay from.
 *
 * @module
 */

import { resolveResource, type ResourceDef } from "./resources.ts";

/** Any stored object (a plain JSON object with metadata). */
export interface FakeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    labels?: Record<string, string>;
    [k: string]: unknown;
  };
  [k: string]: unknown;
}

/** One stored change. */
export interface StoreEvent {
  rv: number;
  type: "ADDED" | "MODIFIED" | "DELETED";
  def: ResourceDef;
  object: FakeObject;
  /** The object before the change (MODIFIED only). */
  previous?: FakeObject;
}

/** Options of {@linkcode FakeStore}. */
export interface FakeStoreOptions {
  /** Events kept for watches; older ones are compacted away. @default 1000 */
  maxHistory?: number;
  /** @default 100 */
  initialResourceVersion?: number;
}

function keyOf(obj: FakeObject): string {
  const ns = obj.metadata?.namespace;
  return ns ? `${ns}/${obj.metadata?.name}` : `${obj.metadata?.name}`;
}

/** Objects, the global resourceVersion and the event history. */
export class FakeStore {
  #rv: number;
  #compactedRv: number;
  #maxHistory: number;
  #history: StoreEvent[] = [];
  #objects = new Map<string, Map<string, FakeObject>>();
  #listeners = new Set<(ev: StoreEvent) => void>();
  #uid = 0;

  constructor(options: FakeStoreOptions = {}) {
    this.#rv = options.initialResourceVersion ?? 100;
    this.#compactedRv = this.#rv;
    this.#maxHistory = options.maxHistory ?? 1000;
    if (!(this.#maxHistory >= 1)) throw new RangeError("FakeStore: 'maxHistory' must be >= 1");
  }

  /** The latest resourceVersion. */
  get resourceVersion(): number {
    return this.#rv;
  }

  /** Watches from a resourceVersion below this get 410 Gone. */
  get compactedResourceVersion(): number {
    return this.#compactedRv;
  }

  #map(def: ResourceDef): Map<string, FakeObject> {
    let m = this.#objects.get(def.resource);
    if (!m) this.#objects.set(def.resource, m = new Map());
    return m;
  }

  /** Creates or replaces an object; returns the stored copy with its new resourceVersion. */
  upsert(kindOrResource: string, obj: FakeObject): FakeObject {
    const def = resolveResource(kindOrResource);
    if (!obj?.metadata?.name) throw new TypeError("FakeStore.upsert: object needs metadata.name");
    const stored: FakeObject = structuredClone(obj);
    stored.apiVersion = def.group ? `${def.group}/${def.version}` : def.version;
    stored.kind = def.kind;
    const meta = stored.metadata!;
    if (def.namespaced) meta.namespace = meta.namespace || "default";
    else delete meta.namespace;
    const map = this.#map(def);
    const key = keyOf(stored);
    const previous = map.get(key);
    meta.uid = (previous?.metadata?.uid as string | undefined) ?? meta.uid ??
      `00000000-0000-4000-8000-${String(++this.#uid).padStart(12, "0")}`;
    meta.creationTimestamp ??= previous?.metadata?.creationTimestamp ?? new Date().toISOString();
    meta.resourceVersion = String(++this.#rv);
    map.set(key, stored);
    this.#record({
      rv: this.#rv,
      type: previous ? "MODIFIED" : "ADDED",
      def,
      object: stored,
      previous,
    });
    return structuredClone(stored);
  }

  /** Deletes an object by `namespace/name` key, name or the object; false when absent. */
  delete(kindOrResource: string, keyOrObj: string | FakeObject): boolean {
    const def = resolveResource(kindOrResource);
    let key = typeof keyOrObj === "string" ? keyOrObj : keyOf(keyOrObj);
    if (def.namespaced && !key.includes("/")) key = `default/${key}`;
    const map = this.#map(def);
    const previous = map.get(key);
    if (!previous) return false;
    map.delete(key);
    const object = structuredClone(previous);
    object.metadata!.resourceVersion = String(++this.#rv);
    this.#record({ rv: this.#rv, type: "DELETED", def, object });
    return true;
  }

  /** Current objects of a resource, sorted by key, optionally in one namespace. */
  list(def: ResourceDef, namespace?: string): FakeObject[] {
    return [...this.#map(def).entries()]
      .filter(([, o]) => namespace === undefined || o.metadata?.namespace === namespace)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, o]) => o);
  }

  /** One object by key, or undefined. */
  get(def: ResourceDef, key: string): FakeObject | undefined {
    return this.#map(def).get(key);
  }

  /** Events after `rv`, or "gone" when history no longer reaches back that far. */
  eventsSince(rv: number): StoreEvent[] | "gone" {
    if (rv < this.#compactedRv) return "gone";
    return this.#history.filter((e) => e.rv > rv);
  }

  /** Drops all history: watches from any older resourceVersion get 410 Gone. */
  compact(): void {
    this.#history = [];
    this.#compactedRv = this.#rv;
  }

  /** Listens to every new event; returns an unsubscribe function. */
  subscribe(listener: (ev: StoreEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #record(ev: StoreEvent): void {
    this.#history.push(ev);
    while (this.#history.length > this.#maxHistory) {
      this.#compactedRv = this.#history.shift()!.rv;
    }
    for (const l of [...this.#listeners]) l(ev);
  }
}
