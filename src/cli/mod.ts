/**
 * The commands behind `main.ts`: the daemon ({@linkcode runProxy}),
 * `--dry-run` ({@linkcode dryRunScript}), `explain` ({@linkcode runExplain})
 * and `--help`. They wire the other folders together; nothing imports
 * `cli/` but the entry point.
 *
 * @module
 */

export {
  type ClusterSource,
  startClusterSource,
  type StartClusterSourceOptions,
} from "./cluster_source.ts";
export {
  type ConfigChange,
  type ConfigWatcher,
  type ConfigWatcherOptions,
  watchConfigFile,
} from "./config_watcher.ts";
export { dryRunScript } from "./dry_run.ts";
export { parsePacket, runExplain } from "./explain_command.ts";
export { helpText } from "./help_text.ts";
export {
  EXIT_CONFIG_CHANGED,
  EXIT_CONFIG_INVALID,
  runProxy,
  type RunProxyOptions,
} from "./run_proxy.ts";
export {
  type RetryingServer,
  type ServerRetryOptions,
  startServerWithRetry,
  type StoppableServer,
} from "./server_retry.ts";
