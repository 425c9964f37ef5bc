/**
 * `explain`: how the proxy treats one packet. (Filled in by the explain work.)
 *
 * @module
 */

import type { ProxyOptions } from "../config/options.ts";
import type { Logger } from "../log/logger.ts";

/** Runs `explain`; returns the exit code. */
export function runExplain(
  _o: ProxyOptions,
  _nodeName: string,
  _args: string[],
  log: Logger,
): Promise<number> {
  log.error("explain is not available in this build yet");
  return Promise.resolve(2);
}
