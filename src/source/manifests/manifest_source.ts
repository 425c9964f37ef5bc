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
import type { Logger } from "../../log/logger.ts";

/** A running manifest source. */
export interface ManifestSource {
  /** Stops watching. */
  stop(): void;
}

/** Loads `path` once into `state`; throws ManifestError. */
export async function loadManifestsInto(path: string, state: ClusterState): Promise<void> {
  const m = await readManifests(path);
  for (const kind of OBJECT_KINDS) state.replaceAll(kind, m.byKind.get(kind) ?? []);
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
