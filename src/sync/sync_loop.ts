/**
 * Drives syncs, like upstream's bounded-frequency runner: changes are
 * coalesced and syncs are spaced by minSyncPeriod; a sync runs at least
 * every syncPeriod; a full resync runs every fullSyncPeriod; a failed sync is
 * retried with exponential backoff (and the retry is a full sync).
 *
 * @module
 */

import type { Proxier, SyncResult } from "./proxier.ts";
import type { Logger } from "../log/logger.ts";
import { NftError } from "../nft/nft_runner.ts";

/** Options of {@linkcode SyncLoop}. */
export interface SyncLoopOptions {
  proxier: Proxier;
  logger: Logger;
  /** @default 1000 */
  minSyncPeriodMs?: number;
  /** @default 30000 */
  syncPeriodMs?: number;
  /** @default 3600000 */
  fullSyncPeriodMs?: number;
  /** First retry delay after a failure. @default 500 */
  retryBaseMs?: number;
  /** @default 30000 */
  retryMaxMs?: number;
  /** Called when changes are queued (for health and metrics). */
  onQueued?: (now: number) => void;
  /** Called after every successful sync. */
  onSynced?: (result: SyncResult) => void;
  /** Called after every failed sync. */
  onFailed?: (error: Error) => void;
}

/** Schedules and runs syncs. */
export class SyncLoop {
  #o: Required<Omit<SyncLoopOptions, "onQueued" | "onSynced" | "onFailed">> & SyncLoopOptions;
  #timer?: ReturnType<typeof setTimeout>;
  #periodic?: ReturnType<typeof setInterval>;
  #running = false;
  #again = false;
  #lastStart = -Infinity;
  #lastFull = 0;
  #failures = 0;
  #stopped = false;
  #started = false;
  #idle: Array<() => void> = [];

  constructor(options: SyncLoopOptions) {
    this.#o = {
      minSyncPeriodMs: 1000,
      syncPeriodMs: 30_000,
      fullSyncPeriodMs: 3_600_000,
      retryBaseMs: 500,
      retryMaxMs: 30_000,
      ...options,
    };
    options.proxier.tracker.onPending = () => {
      this.#o.onQueued?.(Date.now());
      this.request();
    };
  }

  /** Starts: syncs now (a full sync), then on changes and periodically. */
  start(): void {
    this.#started = true;
    this.#lastFull = Date.now();
    this.#periodic = setInterval(() => {
      if (Date.now() - this.#lastFull >= this.#o.fullSyncPeriodMs) {
        this.#o.proxier.requestFull();
      }
      this.request();
    }, this.#o.syncPeriodMs);
    this.request(0);
  }

  /** Asks for a sync as soon as minSyncPeriod allows (or after `delayMs`). */
  request(delayMs?: number): void {
    if (this.#stopped || !this.#started) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    if (this.#timer !== undefined && delayMs === undefined) return;
    const wait = delayMs ?? Math.max(0, this.#lastStart + this.#o.minSyncPeriodMs - Date.now());
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#run(), wait);
  }

  /** Resolves when no sync is running or scheduled. */
  whenIdle(): Promise<void> {
    if (!this.#running && this.#timer === undefined) return Promise.resolve();
    return new Promise((r) => this.#idle.push(r));
  }

  /** Stops scheduling; a sync in progress completes. */
  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    clearInterval(this.#periodic);
    this.#timer = undefined;
    this.#flushIdle();
  }

  async #run(): Promise<void> {
    this.#timer = undefined;
    if (this.#stopped) return;
    this.#running = true;
    this.#again = false;
    this.#lastStart = Date.now();
    const log = this.#o.logger;
    let retryIn: number | undefined;
    try {
      const r = await this.#o.proxier.sync();
      this.#failures = 0;
      if (r.kind === "full") this.#lastFull = Date.now();
      if (r.kind !== "none") {
        log.v(2).info("Synced nftables rules", {
          kind: r.kind,
          durationMs: Math.round(r.durationMs * 10) / 10,
          operations: r.operations,
          services: r.services,
        });
      }
      this.#o.onSynced?.(r);
    } catch (e) {
      this.#failures++;
      const err = e as Error;
      log.error("Failed to sync nftables rules; will retry with a full sync", {
        error: err.message,
        failures: this.#failures,
      });
      if (err instanceof NftError) {
        if (err.stderr) log.v(2).info("nft said", { stderr: err.stderr });
        for (const [n, line] of err.failingLines) {
          log.v(4).info("Failing script line", { line: n, text: line });
        }
      }
      this.#o.onFailed?.(err);
      retryIn = Math.min(this.#o.retryMaxMs, this.#o.retryBaseMs * 2 ** (this.#failures - 1));
    } finally {
      this.#running = false;
    }
    // Stopped meanwhile: nothing more will run, so whoever waits for idleness may go on.
    if (this.#stopped) this.#flushIdle();
    else if (retryIn !== undefined) this.request(retryIn);
    else if (this.#again || this.#o.proxier.tracker.hasPending) this.request();
    else this.#flushIdle();
  }

  #flushIdle() {
    if (this.#running || this.#timer !== undefined) return;
    const waiters = this.#idle;
    this.#idle = [];
    for (const w of waiters) w();
  }
}
