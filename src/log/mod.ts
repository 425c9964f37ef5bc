/**
 * The proxy's logger: klog-like text (`I1121 06:30:00.123456 1234] message
 * key=value`) or one JSON object per line, with klog's verbosity levels.
 *
 * @module
 */

export {
  type LevelLogger,
  type LogFields,
  type LogFormat,
  Logger,
  type LoggerOptions,
  silentLogger,
} from "./logger.ts";
