/**
 * The manifest source: loads objects from `--manifests PATH` into the
 * cluster state, and reloads them when the files change. A reload re-parses
 * only the files that changed, and an object whose content did not change
 * emits no change. A file that fails to parse on reload keeps its previous
 * objects (the error is logged with the file and line); other files go on.
 *
 * @module
 */

import type { ClusterState, ObjectKind } from "../cluster_state.ts";
import { OBJECT_KINDS, objectKey } from "../cluster_state.ts";
import type { KubeObject } from "../../model/kube_types.ts";
import type { Logger } from "../../log/logger.ts";
import { type FileResult, ManifestCache } from "./manifest_cache.ts";
import { isManifestName, type ManifestObjects } from "./read_manifests.ts";
import { sameContent } from "./_same_content.ts";

/** A running manifest source. */
export interface ManifestSource {
  /** Re-reads the manifests now (a change is also picked up by itself). */
  reload(): Promise<void>;
  /** Stops watching. */
  stop(): void;
}

/** What a load found. */
export interface ManifestLoadSummary {
  /** Objects of the watched kinds. */
  objects: number;
  /** Objects of other kinds. */
  ignored: number;
  /** Skipped objects and duplicates, one message each (`file:line: Kind: why`). */
  problems: string[];
}

/** Options of {@linkcode loadManifestsInto}. */
export interface LoadManifestsOptions {
  /** Logs each problem as a warning. @default no logging */
  logger?: Logger;
}

/** Most problems logged per file and load; the rest are counted. */
const MAX_LOGGED_PROBLEMS = 20;

/**
 * A manifest's resourceVersion says nothing about its content (files are
 * edited by hand), so each applied object gets a version of its own: an
 * object whose content did not change keeps the previous object and version,
 * any other gets a fresh one.
 */
let generation = 0;

interface Part {
  file: string;
  objects: ManifestObjects;
}

/**
 * Writes the objects of `parts` (in order; for a duplicate key the last one
 * wins) into `state`. Returns problems about duplicates.
 */
function apply(state: ClusterState, parts: Part[]): string[] {
  const version = `manifest-${++generation}`;
  const problems: string[] = [];
  for (const kind of OBJECT_KINDS) {
    const byKey = new Map<string, { obj: KubeObject; file: string }>();
    for (const { file, objects } of parts) {
      const list = objects.byKind.get(kind) ?? [];
      for (let i = 0; i < list.length; i++) {
        let obj = list[i];
        const key = objectKey(obj);
        const prev = state.get(kind, key);
        if (prev && prev !== obj && sameContent(prev as never, obj as never)) {
          obj = list[i] = prev; // keep the applied instance: the next compare is by identity
        } else if (prev !== obj) obj.metadata!.resourceVersion = version;
        const dup = byKey.get(key);
        if (dup) problems.push(duplicate(kind, key, dup.file, file));
        byKey.set(key, { obj, file });
      }
    }
    state.replaceAll(kind, [...byKey.values()].map((v) => v.obj));
  }
  return problems;
}

function duplicate(kind: ObjectKind, key: string, first: string, last: string): string {
  const where = first === last ? `twice in ${last}` : `in ${first} and ${last}`;
  return `${last}: ${kind} ${key} is defined ${where}; using the last one`;
}

function logProblems(logger: Logger | undefined, problems: string[]): void {
  if (!logger) return;
  for (const p of problems.slice(0, MAX_LOGGED_PROBLEMS)) logger.warn(`Manifest: ${p}`);
  if (problems.length > MAX_LOGGED_PROBLEMS) {
    logger.warn("Manifest: more problems not shown", {
      count: problems.length - MAX_LOGGED_PROBLEMS,
    });
  }
}

function count(parts: Part[]): { objects: number; ignored: number } {
  let objects = 0;
  let ignored = 0;
  for (const { objects: o } of parts) {
    ignored += o.ignored;
    for (const list of o.byKind.values()) objects += list.length;
  }
  return { objects, ignored };
}

/**
 * Loads `path` once into `state`. Objects already in `state` with the same
 * content are left alone (no change is emitted for them).
 *
 * @throws {ManifestError} naming the file (and line) that cannot be read or parsed.
 *
 * @example Load a file as `kubectl get -o yaml` writes it
 * ```ts
 * import assert from "node:assert/strict";
 * import { ClusterState } from "../cluster_state.ts";
 * import { loadManifestsInto } from "./manifest_source.ts";
 *
 * const dir = await Deno.makeTempDir();
 * try {
 *   await Deno.writeTextFile(
 *     `${dir}/web.yaml`,
 *     `apiVersion: v1
 * kind: List
 * items:
 * - apiVersion: v1
 *   kind: Service
 *   metadata: {name: web, namespace: default}
 *   spec: {clusterIP: 10.96.0.10, ports: [{port: 80}]}
 * - apiVersion: v1
 *   kind: ConfigMap
 *   metadata: {name: settings, namespace: default}
 * `,
 *   );
 *   const state = new ClusterState();
 *   const summary = await loadManifestsInto(dir, state);
 *   assert.deepEqual([...state.objects("Service").keys()], ["default/web"]);
 *   assert.equal(summary.ignored, 1, "not a kind the proxy reads");
 * } finally {
 *   await Deno.remove(dir, { recursive: true });
 * }
 * ```
 */
export async function loadManifestsInto(
  path: string,
  state: ClusterState,
  options: LoadManifestsOptions = {},
): Promise<ManifestLoadSummary> {
  const parts = await new ManifestCache().read(path);
  const failed = parts.find((r) => r.error);
  if (failed) throw failed.error;
  const problems = [...parts.flatMap((p) => p.objects.problems), ...apply(state, parts)];
  logProblems(options.logger, problems);
  return { ...count(parts), problems };
}

/** Applies a read of every file, logging problems of the files parsed this time. */
function applyResults(state: ClusterState, results: FileResult[], logger: Logger): string[] {
  for (const r of results) if (r.parsed) logProblems(logger, r.objects.problems);
  const dups = apply(state, results);
  if (results.some((r) => r.parsed)) logProblems(logger, dups);
  return dups;
}

/**
 * Loads `path`, then watches it and reloads on change (debounced). A single
 * file is watched through its directory, so editors that replace the file
 * (write a new one, rename it over) are followed too.
 *
 * @throws {ManifestError} when the first load fails.
 *
 * @example Follow a directory of manifests
 * ```ts
 * import assert from "node:assert/strict";
 * import { ClusterState } from "../cluster_state.ts";
 * import { silentLogger } from "../../log/logger.ts";
 * import { startManifestSource } from "./manifest_source.ts";
 *
 * const dir = await Deno.makeTempDir();
 * const node = (name: string) => `apiVersion: v1\nkind: Node\nmetadata: {name: ${name}}\n`;
 * await Deno.writeTextFile(`${dir}/node.yaml`, node("worker-0"));
 * const state = new ClusterState();
 * const source = await startManifestSource(dir, state, silentLogger);
 * try {
 *   assert.ok(state.get("Node", "worker-0"));
 *   await Deno.writeTextFile(`${dir}/node.yaml`, node("worker-1"));
 *   await source.reload(); // a change is also picked up by itself, after a short debounce
 *   assert.deepEqual([...state.objects("Node").keys()], ["worker-1"]);
 * } finally {
 *   source.stop();
 *   await Deno.remove(dir, { recursive: true });
 * }
 * ```
 */
export async function startManifestSource(
  path: string,
  state: ClusterState,
  logger: Logger,
  debounceMs = 200,
): Promise<ManifestSource> {
  const cache = new ManifestCache();
  const first = await cache.read(path);
  const failed = first.find((r) => r.error);
  if (failed) throw failed.error;
  applyResults(state, first, logger);

  const info = await Deno.stat(path);
  const slash = path.lastIndexOf("/");
  const dir = info.isDirectory ? path : slash < 0 ? "." : path.slice(0, slash) || "/";
  const fileName = info.isDirectory ? undefined : path.slice(slash + 1);
  const relevant = (p: string) => {
    const name = p.slice(p.lastIndexOf("/") + 1);
    return fileName === undefined ? isManifestName(name) : name === fileName;
  };
  let stopped = false;
  let running: Promise<void> | undefined;
  let again = false;

  const reloadOnce = async () => {
    try {
      const results = await cache.read(path);
      for (const r of results) {
        if (r.error) {
          logger.error(`Cannot reload manifest; keeping its previous objects`, {
            error: r.error.message,
          });
        }
      }
      if (stopped) return;
      applyResults(state, results, logger);
      logger.v(2).info("Reloaded manifests", {
        path,
        parsed: results.filter((r) => r.parsed).length,
        files: results.length,
      });
    } catch (e) {
      logger.error("Cannot reload manifests; keeping the previous objects", {
        error: (e as Error).message,
      });
    }
  };
  const reload = (): Promise<void> => {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        await reloadOnce();
      } while (again && !stopped);
      running = undefined;
    })();
    return running;
  };

  const watcher = Deno.watchFs(dir, { recursive: false });
  let timer: ReturnType<typeof setTimeout> | undefined;
  (async () => {
    try {
      for await (const ev of watcher) {
        if (stopped) break;
        if (!ev.paths.some(relevant)) continue;
        clearTimeout(timer);
        timer = setTimeout(reload, debounceMs);
      }
    } catch (e) {
      if (!stopped) logger.error("Manifest watch failed", { error: (e as Error).message });
    }
  })();
  return {
    reload,
    stop() {
      stopped = true;
      clearTimeout(timer);
      try {
        watcher.close();
      } catch { /* already closed */ }
    },
  };
}
