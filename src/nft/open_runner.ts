/**
 * Chooses how the proxy talks to nftables: libnftables in-process (fast, the
 * default) or the `nft` binary (when the library cannot be loaded, or when
 * asked for).
 *
 * @module
 */

import { ExecNftRunner } from "./exec_nft_runner.ts";
import { LibNftablesRunner } from "./libnftables_runner.ts";
import type { NftRunner } from "./nft_runner.ts";

/** How to apply scripts: `auto` tries libnftables, then the binary. */
export type NftBackend = "auto" | "libnftables" | "exec";

/** The runner chosen, and why when it is not the preferred one. */
export interface OpenedRunner {
  runner: NftRunner;
  backend: "libnftables" | "exec";
  /** Why libnftables is not used (with `auto`), if so. */
  fallbackReason?: string;
  /** Releases the library, if loaded. */
  close(): void;
}

/**
 * Opens a runner.
 *
 * @throws {LibNftablesUnavailableError} with `libnftables` when the library cannot be loaded.
 *
 * @example Open the runner the configuration asks for
 * ```ts
 * import assert from "node:assert/strict";
 * import { openNftRunner } from "./open_runner.ts";
 *
 * const nft = openNftRunner("exec"); // "auto": libnftables when it loads, else the nft binary
 * try {
 *   assert.equal(nft.backend, "exec");
 *   assert.equal(nft.fallbackReason, undefined);
 * } finally {
 *   nft.close();
 * }
 * ```
 */
export function openNftRunner(backend: NftBackend = "auto"): OpenedRunner {
  if (backend !== "exec") {
    const lib = LibNftablesRunner.tryOpen();
    if (lib instanceof LibNftablesRunner) {
      return { runner: lib, backend: "libnftables", close: () => lib.close() };
    }
    if (backend === "libnftables") throw lib;
    return {
      runner: new ExecNftRunner(),
      backend: "exec",
      fallbackReason: lib.message,
      close() {},
    };
  }
  return { runner: new ExecNftRunner(), backend: "exec", close() {} };
}
