/**
 * The polling fallback of drift detection, for when the event monitor
 * ({@linkcode TableMonitor}) cannot be opened: notices when the proxy's
 * tables or base chains were deleted behind its back (`nft delete table`,
 * `nft flush ruleset`). It reads only chain names (`nft list chains`), which
 * stays cheap at any scale; a flushed chain is caught by the event monitor or
 * by the periodic full resync.
 *
 * @module
 */

import type { NftRunner } from "./nft_runner.ts";
import { parseTableObjects } from "./kernel_objects.ts";

/** Options of {@linkcode DriftChecker}. */
export interface DriftCheckerOptions {
  runner: NftRunner;
  table: string;
  /** Base chains every family's table must hold. */
  baseChains: readonly string[];
  families?: ("ip" | "ip6")[];
}

/** Checks the live tables against what the proxy always installs. */
export class DriftChecker {
  #o: Required<DriftCheckerOptions>;

  constructor(options: DriftCheckerOptions) {
    this.#o = { families: ["ip", "ip6"], ...options };
  }

  /** Returns what is missing (e.g. `ip kube-nft-proxy: table`), empty when intact. */
  async check(): Promise<string[]> {
    const missing: string[] = [];
    for (const family of this.#o.families) {
      const t = `${family} ${this.#o.table}`;
      let listing: string;
      try {
        listing = await this.#o.runner.run(["list", "chains", family]);
      } catch {
        missing.push(`${t}: table`);
        continue;
      }
      const objects = parseTableObjects(listing, family, this.#o.table);
      if (objects.size === 0) {
        missing.push(`${t}: table`);
        continue;
      }
      for (const c of this.#o.baseChains) if (!objects.has(c)) missing.push(`${t}: chain ${c}`);
    }
    return missing;
  }
}
