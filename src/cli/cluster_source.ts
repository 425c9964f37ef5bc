/**
 * The one place a source is started, for the daemon (watching), and for
 * `--dry-run` and `explain` (read once): `--manifests` files, or the API
 * server through the kubeconfig.
 *
 * @module
 */

import type { ProxyConfig } from "../config/proxy_config.ts";
import type { Logger } from "../log/logger.ts";
import { ClusterState } from "../source/cluster_state.ts";
import { loadManifestsInto, startManifestSource } from "../source/manifests/manifest_source.ts";

/** A started source. */
export interface ClusterSource {
  readonly state: ClusterState;
  /** Resolves when the first complete list of every kind is in `state`. */
  readonly synced: Promise<void>;
  /** What the objects are read from, for the log. */
  readonly description: string;
  /** Stops watching; `state` keeps its contents. */
  stop(): Promise<void>;
}

/** Options of {@linkcode startClusterSource}. */
export interface StartClusterSourceOptions {
  logger: Logger;
  /** Keep watching after the first list (the daemon); otherwise stop once synced. */
  watch: boolean;
}

/**
 * Starts reading objects as `config` says. With `watch`, manifests are also
 * re-read every `configSyncPeriod`, a safety net for missed file events.
 *
 * @throws {ManifestError} when the manifests cannot be read at start.
 * @throws {KubeConfigError} when the kubeconfig cannot be used.
 */
export async function startClusterSource(
  config: ProxyConfig,
  options: StartClusterSourceOptions,
): Promise<ClusterSource> {
  const state = new ClusterState();
  const log = options.logger;
  if (config.manifests) {
    const path = config.manifests;
    if (!options.watch) {
      await loadManifestsInto(path, state, { logger: log });
      return { state, synced: Promise.resolve(), description: path, stop: () => Promise.resolve() };
    }
    const src = await startManifestSource(path, state, log);
    // The source's own reload: incremental (unchanged files are not parsed again).
    const timer = setInterval(() => {
      src.reload().catch((e) =>
        log.error("Cannot re-read manifests; keeping the previous objects", {
          error: (e as Error).message,
        })
      );
    }, config.configSyncPeriodMs);
    return {
      state,
      synced: Promise.resolve(),
      description: path,
      stop() {
        clearInterval(timer);
        src.stop();
        return Promise.resolve();
      },
    };
  }
  // Loaded only in API-server mode: @kubernetes/client-node costs ~90 MB of memory.
  const { startApiServerSource } = await import("../source/apiserver/mod.ts");
  const src = startApiServerSource({
    kubeconfigPath: config.kubeconfig || undefined,
    master: config.master || undefined,
    nodeName: config.nodeName,
    state,
    logger: log,
  });
  const source: ClusterSource = {
    state,
    synced: src.synced,
    description: "the API server",
    stop: () => src.stop(),
  };
  if (!options.watch) {
    try {
      await src.synced;
    } finally {
      await src.stop();
    }
  }
  return source;
}
