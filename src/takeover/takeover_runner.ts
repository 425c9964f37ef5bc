/**
 * An nft runner that takes over from upstream kube-proxy: it appends the
 * removal of upstream's tables to the first script that installs the proxy's
 * own tables (one transaction), then calls back once that apply succeeded
 * (the moment to clean iptables-mode leftovers). Later applies pass through.
 *
 * @module
 */

import type { Logger } from "../log/logger.ts";
import type { NftRunner } from "../nft/nft_runner.ts";
import { familiesWithOwnNat, upstreamTableRemoval } from "./upstream_nft_tables.ts";

/** Options of {@linkcode TakeoverNftRunner}. */
export interface TakeoverNftRunnerOptions {
  inner: NftRunner;
  logger: Logger;
  /** The proxy's table name (`--nft-table`). */
  ownTable: string;
  /** Called once, after the first successful apply of a full script. */
  onTakenOver?: () => void;
}

/** Wraps a runner; see the module doc. */
export class TakeoverNftRunner implements NftRunner {
  #inner: NftRunner;
  #log: Logger;
  #own: string;
  #onTakenOver?: () => void;
  #done = false;

  constructor(options: TakeoverNftRunnerOptions) {
    this.#inner = options.inner;
    this.#log = options.logger;
    this.#own = options.ownTable;
    this.#onTakenOver = options.onTakenOver;
  }

  /** Whether the takeover transaction has been applied. */
  get tookOver(): boolean {
    return this.#done;
  }

  async apply(script: string): Promise<void> {
    if (this.#done) return this.#inner.apply(script);
    const families = familiesWithOwnNat(script, this.#own);
    if (families.length === 0) return this.#inner.apply(script); // not a full script
    let removal = { tables: [] as string[], script: "" };
    try {
      removal = upstreamTableRemoval(await this.#inner.run(["list", "chains"]), {
        families,
        ownTable: this.#own,
      });
    } catch (e) {
      this.#log.error("Cannot list nftables tables to find upstream kube-proxy's", {
        error: (e as Error).message,
      });
    }
    await this.#inner.apply(removal.script ? `${script}\n${removal.script}` : script);
    this.#done = true;
    if (removal.tables.length > 0) {
      this.#log.info("Removed upstream kube-proxy's nftables tables with the first sync", {
        tables: removal.tables.join(", "),
      });
    }
    try {
      this.#onTakenOver?.();
    } catch (e) {
      this.#log.error("Takeover callback failed", { error: (e as Error).message });
    }
  }

  check(script: string): Promise<void> {
    return this.#inner.check(script);
  }

  run(args: string[]): Promise<string> {
    return this.#inner.run(args);
  }
}
