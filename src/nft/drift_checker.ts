/**
 * Notices when the proxy's tables were deleted or flushed behind its back
 * (`nft delete table`, `nft flush table`, `nft flush ruleset`): each family's
 * dispatch chain must exist and hold its rules.
 *
 * @module
 */

import type { NftRunner } from "./nft_runner.ts";
import { CHAIN } from "../plan/names.ts";

/** Options of {@linkcode DriftChecker}. */
export interface DriftCheckerOptions {
  runner: NftRunner;
  table: string;
  families?: ("ip" | "ip6")[];
}

/** Checks the live tables against what the proxy always installs. */
export class DriftChecker {
  #o: Required<DriftCheckerOptions>;

  constructor(o: DriftCheckerOptions) {
    this.#o = { families: ["ip", "ip6"], ...o };
  }

  /** Returns what is missing (e.g. `ip kube-nft-proxy: table`), empty when intact. */
  async check(): Promise<string[]> {
    const missing: string[] = [];
    for (const family of this.#o.families) {
      const t = `${family} ${this.#o.table}`;
      let text: string;
      try {
        text = await this.#o.runner.run(["list", "chain", family, this.#o.table, "nat-prerouting"]);
      } catch {
        missing.push(`${t}: table or chain nat-prerouting`);
        continue;
      }
      if (!text.includes(`jump ${CHAIN.services}`)) missing.push(`${t}: rules of nat-prerouting`);
    }
    return missing;
  }
}
