/**
 * Picks the conntrack table backend: netlink in process when the proxy may
 * load libc (`--allow-ffi`), else the `conntrack` tool.
 *
 * @module
 */

import type { Logger } from "../log/logger.ts";
import { ExecConntrack } from "./exec_conntrack.ts";
import { NetlinkConntrack } from "./netlink_conntrack.ts";
import type { ConntrackTable } from "./table.ts";

/** Backend choice. `auto`: netlink, falling back to the tool. */
export type ConntrackBackend = "auto" | "netlink" | "conntrack-tool";

/** Options of {@linkcode openConntrackTable}. */
export interface OpenConntrackTableOptions {
  logger: Logger;
  /** @default "auto" */
  backend?: ConntrackBackend;
  /** Command prefix of the tool backend. @default ["conntrack"] */
  command?: string[];
}

/**
 * Opens the conntrack table.
 * @throws {ConntrackError} when `backend` is "netlink" and netlink cannot be used
 */
export function openConntrackTable(options: OpenConntrackTableOptions): ConntrackTable {
  const backend = options.backend ?? "auto";
  if (backend !== "conntrack-tool") {
    try {
      return new NetlinkConntrack();
    } catch (e) {
      if (backend === "netlink") throw e;
      options.logger.warn(
        "Conntrack through netlink is unavailable (grant --allow-ffi); using the conntrack tool, which is slow for big deletions",
        { error: (e as Error).message },
      );
    }
  }
  return new ExecConntrack({ command: options.command });
}
