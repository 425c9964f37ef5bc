/**
 * `--dry-run`: reads the objects once and prints the complete nft script of a
 * full sync, built with the same settings as the daemon's.
 *
 * @module
 */

import type { ProxyConfig } from "../config/proxy_config.ts";
import { proxySettingsFrom, type ProxySettingsOptions } from "../config/proxy_settings_from.ts";
import type { Logger } from "../log/logger.ts";
import { Proxier } from "../sync/proxier.ts";
import { startClusterSource } from "./cluster_source.ts";

/** Renders the full script for the current objects. */
export async function dryRunScript(
  config: ProxyConfig,
  log: Logger,
  options: ProxySettingsOptions = {},
): Promise<string> {
  const { state } = await startClusterSource(config, { logger: log, watch: false });
  const proxier = new Proxier({
    state,
    settings: proxySettingsFrom(config, options),
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
