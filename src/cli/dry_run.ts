/**
 * `--dry-run`: reads the objects once (from manifests or the API server),
 * and prints the complete nft script the proxy would apply.
 *
 * @module
 */

import type { ProxyOptions } from "../config/options.ts";
import { settingsFrom } from "../config/resolve_options.ts";
import { ClusterState } from "../source/cluster_state.ts";
import { loadManifestsInto } from "../source/manifests/manifest_source.ts";
import { Proxier } from "../sync/proxier.ts";
import type { Logger } from "../log/logger.ts";

/** Loads the cluster state once from the configured source. */
export async function loadStateOnce(
  o: ProxyOptions,
  nodeName: string,
  log: Logger,
): Promise<ClusterState> {
  const state = new ClusterState();
  if (o.manifests) {
    await loadManifestsInto(o.manifests, state);
  } else {
    // Loaded only in API-server mode: @kubernetes/client-node costs ~90 MB of memory.
    const { startApiServerSource } = await import("../source/apiserver/mod.ts");
    const src = startApiServerSource({
      kubeconfigPath: o.kubeconfig || undefined,
      master: o.master || undefined,
      nodeName,
      state,
      logger: log,
    });
    try {
      await src.synced;
    } finally {
      await src.stop();
    }
  }
  return state;
}

/** Renders the full script for the current objects. */
export async function dryRunScript(
  o: ProxyOptions,
  nodeName: string,
  log: Logger,
): Promise<string> {
  const state = await loadStateOnce(o, nodeName, log);
  const proxier = new Proxier({
    state,
    settings: settingsFrom(o, nodeName),
    logger: log,
    runner: {
      apply: () => Promise.reject(new Error("dry run")),
      check: () => Promise.reject(new Error("dry run")),
      run: () => Promise.reject(new Error("dry run")),
    },
  });
  const { script } = proxier.prepare();
  proxier.tracker.close();
  return script.text;
}
