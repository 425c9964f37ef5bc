/**
 * Drives syncs, like upstream's bounded-frequency runner: changes are
 * coalesced and syncs are spaced by minSyncPeriod (the first change after an
 * idle period is programmed at once); a sync runs at least every syncPeriod;
 * a full resync runs every fullSyncPeriod; a failed sync is retried with
 * exponential backoff (and the retry is a full sync). When a partial sync
 * leaves unreachable elements behind, a garbage collection runs once the
 * loop has been idle for `garbageDelayMs`.
 *
 * @module
 */

import type { SyncResult } from "./proxier.ts";
import type { Logger } from "../log/logger.ts";
import { NftError } from "../nft/nft_runner.ts";
import { Backoff } from "../util/backoff.ts";
import { type Clock, systemClock, type TimerId } from "./clock.ts";

/** What the loop drives (a {@linkcode Proxier}, or a stand-in in tests). */
export interface Syncer {
  /** Runs one sync; throws when it fails (the work is kept for the retry). */
  sync(): Promise<SyncResult>;
  /** Removes garbage left by partial syncs; undefined when there was nothing to do. */
  collectGarbage(): Promise<SyncResult | undefined>;
  /** Whether a garbage collection has anything to do. */
  readonly hasGarbage: boolean;
  /** Whether work is queued. */
  readonly hasPending: boolean;
  /** Asks for the next sync to be a full one. */
  requestFull(): void;
  /** Subscribes to queued changes; returns the unsubscribe function. */
  onPending(cb: () => void): () => void;
}

/** Options of {@linkcode SyncLoop}. */
export interface SyncLoopOptions {
  syncer: Syncer;
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
  /** Idle time after which garbage is collected. @default 1000 */
  garbageDelayMs?: number;
  /** @default systemClock */
  clock?: Clock;
  /** Called when changes are queued (for health and metrics). */
  onQueued?: (now: number) => void;
  /** Called after every successful sync (garbage collections included). */
  onSynced?: (result: SyncResult) => void;
  /** Called after every failed sync. */
  onFailed?: (error: Error) => void;
}

/**
 * Schedules and runs syncs.
 *
 * @example Drive a syncer: the first sync at once, later ones on changes, spaced by minSyncPeriod
 * ```ts
 * import assert from "node:assert/strict";
 * import { type Syncer, SyncLoop } from "./sync_loop.ts";
 * import type { PendingChanges } from "./change_tracker.ts";
 * import { silentLogger } from "../log/logger.ts";
 *
 * let syncs = 0;
 * let notify = () => {};
 * const syncer: Syncer = {
 *   sync: () => {
 *     syncs++;
 *     const pending: PendingChanges = {
 *       services: new Set(),
 *       nodeChanged: false,
 *       serviceCidrsChanged: false,
 *       serviceChanges: 0,
 *       endpointChanges: 0,
 *       triggerTimes: [],
 *     };
 *     return Promise.resolve({
 *       kind: syncs === 1 ? "full" : "partial",
 *       durationMs: 1,
 *       applyMs: 1,
 *       operations: 1,
 *       services: 0,
 *       pending,
 *     });
 *   },
 *   collectGarbage: () => Promise.resolve(undefined),
 *   hasGarbage: false,
 *   hasPending: false,
 *   requestFull: () => {},
 *   onPending: (cb) => {
 *     notify = cb;
 *     return () => {};
 *   },
 * };
 * const loop = new SyncLoop({ syncer, logger: silentLogger, minSyncPeriodMs: 0 });
 * loop.start();
 * await loop.whenIdle();
 * notify(); // a change was queued
 * await loop.whenIdle();
 * loop.stop();
 * assert.equal(syncs, 2);
 * ```
 */
export class SyncLoop {
  #options: Required<Omit<SyncLoopOptions, "onQueued" | "onSynced" | "onFailed">> & SyncLoopOptions;
  #clock: Clock;
  #backoff: Backoff;
  #timer?: TimerId;
  #gcTimer?: TimerId;
  #periodic?: TimerId;
  #running = false;
  #again = false;
  #lastStart = -Infinity;
  #lastFull = 0;
  #failures = 0;
  #stopped = false;
  #started = false;
  #idle: Array<() => void> = [];
  #unsubscribe: () => void;

  constructor(options: SyncLoopOptions) {
    this.#options = {
      minSyncPeriodMs: 1000,
      syncPeriodMs: 30_000,
      fullSyncPeriodMs: 3_600_000,
      retryBaseMs: 500,
      retryMaxMs: 30_000,
      garbageDelayMs: 1000,
      clock: systemClock,
      ...options,
    };
    for (const k of ["minSyncPeriodMs", "garbageDelayMs"] as const) {
      if (!(this.#options[k] >= 0)) throw new RangeError(`Cannot sync: '${k}' must be >= 0`);
    }
    for (const k of ["syncPeriodMs", "fullSyncPeriodMs", "retryBaseMs"] as const) {
      if (!(this.#options[k] > 0)) throw new RangeError(`Cannot sync: '${k}' must be > 0`);
    }
    this.#clock = this.#options.clock;
    this.#backoff = new Backoff({
      initialMs: this.#options.retryBaseMs,
      maxMs: Math.max(this.#options.retryBaseMs, this.#options.retryMaxMs),
      jitter: 0,
    });
    this.#unsubscribe = options.syncer.onPending(() => {
      this.#options.onQueued?.(this.#clock.now());
      this.request();
    });
  }

  /** Starts: syncs now (a full sync), then on changes and periodically. */
  start(): void {
    this.#started = true;
    this.#lastFull = this.#clock.now();
    this.#periodic = this.#clock.setInterval(() => {
      if (this.#clock.now() - this.#lastFull >= this.#options.fullSyncPeriodMs) {
        this.#options.syncer.requestFull();
      }
      this.request();
    }, this.#options.syncPeriodMs);
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
    const wait = delayMs ??
      Math.max(0, this.#lastStart + this.#options.minSyncPeriodMs - this.#clock.now());
    this.#clock.clearTimeout(this.#timer);
    this.#timer = this.#clock.setTimeout(() => this.#run(), wait);
  }

  /** Resolves when no sync is running or scheduled. */
  whenIdle(): Promise<void> {
    if (!this.#running && this.#timer === undefined) return Promise.resolve();
    return new Promise((r) => this.#idle.push(r));
  }

  /** Stops scheduling; a sync in progress completes. */
  stop(): void {
    this.#stopped = true;
    this.#clock.clearTimeout(this.#timer);
    this.#clock.clearTimeout(this.#gcTimer);
    this.#clock.clearInterval(this.#periodic);
    this.#timer = undefined;
    this.#gcTimer = undefined;
    this.#unsubscribe();
    this.#flushIdle();
  }

  async #run(): Promise<void> {
    this.#timer = undefined;
    if (this.#stopped) return;
    this.#running = true;
    this.#again = false;
    this.#lastStart = this.#clock.now();
    let retryIn: number | undefined;
    try {
      const r = await this.#options.syncer.sync();
      this.#succeeded(r);
    } catch (e) {
      retryIn = this.#failed(e as Error);
    } finally {
      this.#running = false;
    }
    this.#next(retryIn);
  }

  /** Garbage collection: only while idle, so it never delays a change. */
  async #collect(): Promise<void> {
    this.#gcTimer = undefined;
    if (this.#stopped || this.#running || this.#timer !== undefined) return;
    if (this.#options.syncer.hasPending) return this.request();
    this.#running = true;
    let retryIn: number | undefined;
    try {
      const r = await this.#options.syncer.collectGarbage();
      if (r) this.#succeeded(r);
    } catch (e) {
      retryIn = this.#failed(e as Error);
    } finally {
      this.#running = false;
    }
    this.#next(retryIn);
  }

  #succeeded(r: SyncResult): void {
    this.#failures = 0;
    this.#backoff.reset();
    if (r.kind === "full") this.#lastFull = this.#clock.now();
    if (r.kind !== "none") {
      this.#options.logger.v(2).info("Synced nftables rules", {
        kind: r.kind,
        durationMs: Math.round(r.durationMs * 10) / 10,
        operations: r.operations,
        services: r.services,
      });
    }
    try {
      this.#options.onSynced?.(r);
    } catch (e) {
      // What happens after a sync (metrics, health servers) must not turn it into a failure.
      this.#options.logger.error("After-sync work failed", {
        error: (e as Error)?.message ?? String(e),
      });
    }
  }

  #failed(err: Error): number {
    const log = this.#options.logger;
    this.#failures++;
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
    this.#options.onFailed?.(err);
    return this.#backoff.next();
  }

  #next(retryIn: number | undefined): void {
    // Stopped meanwhile: nothing more will run, so whoever waits for idleness may go on.
    if (this.#stopped) return this.#flushIdle();
    if (retryIn !== undefined) return this.request(retryIn);
    if (this.#again || this.#options.syncer.hasPending) return this.request();
    if (this.#options.syncer.hasGarbage && this.#gcTimer === undefined) {
      this.#gcTimer = this.#clock.setTimeout(() => this.#collect(), this.#options.garbageDelayMs);
    }
    this.#flushIdle();
  }

  #flushIdle(): void {
    if (this.#running || this.#timer !== undefined) return;
    const waiters = this.#idle;
    this.#idle = [];
    for (const w of waiters) w();
  }
}
