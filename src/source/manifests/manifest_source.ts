/**
 * The manifest source: loads objects from `--manifests PATH` into the
 * cluster state, and reloads them when the files change. A reload that fails
 * (a YAML error) keeps the previous objects and logs the error.
 *
 * @module
 */

import type { ClusterState } from "../cluster_state.ts";
import { OBJECT_KINDS } from "../cluster_state.ts";
import { readManifests } from "./read_manifests.ts";
import type { KubeObject } from "../../model/kube_types.ts";
import type { Logger } from "../../log/logger.ts";

/** A running manifest source. */
export interface ManifestSource {
  /** Stops watching. */
  stop(): void;
}

/**
 * A manifest's resourceVersion says nothing about its content (files are
 * edited by hand), so each object gets a version derived from its content:
 * an unchanged object is not re-processed, a changed one always is.
 */
function contentVersion(obj: KubeObject): string {
  const { resourceVersion: _, ...meta } = obj.metadata ?? {};
  const text = JSON.stringify({ ...obj, metadata: meta });
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return `m${h.toString(16)}-${text.length}`;
}

/** Loads `path` once into `state`; throws ManifestError. */
export async function loadManifestsInto(path: string, state: ClusterState): Promise<void> {
  const m = await readManifests(path);
  for (const kind of OBJECT_KINDS) {
    const objs = m.byKind.get(kind) ?? [];
    for (const o of objs) {
      o.metadata ??= {};
      o.metadata.resourceVersion = contentVersion(o);
    }
    state.replaceAll(kind, objs);
  }
}

/** Loads `path`, then watches it and reloads on change (debounced). */
export async function startManifestSource(
  path: string,
  state: ClusterState,
  logger: Logger,
  debounceMs = 200,
): Promise<ManifestSource> {
  await loadManifestsInto(path, state);
  const watcher = Deno.watchFs(path, { recursive: false });
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  const reload = async () => {
    try {
      await loadManifestsInto(path, state);
      logger.v(2).info("Reloaded manifests", { path });
    } catch (e) {
      logger.error("Cannot reload manifests; keeping the previous objects", {
        error: (e as Error).message,
      });
    }
  };
  (async () => {
    try {
      for await (const _ of watcher) {
        if (stopped) break;
        clearTimeout(timer);
        timer = setTimeout(reload, debounceMs);
      }
    } catch (e) {
      if (!stopped) logger.error("Manifest watch failed", { error: (e as Error).message });
    }
  })();
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
      try {
        watcher.close();
      } catch { /* already closed */ }
    },
  };
}
