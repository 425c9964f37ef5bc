import assert from "node:assert/strict";
import { type Syncer, SyncLoop, type SyncLoopOptions } from "../../../src/sync/sync_loop.ts";
import type { SyncResult } from "../../../src/sync/proxier.ts";
import { Logger, silentLogger } from "../../../src/log/logger.ts";
import { NftError } from "../../../src/nft/nft_runner.ts";
import { ManualClock } from "../../support/manual_clock.ts";

/** A Syncer that records when it runs; syncs may take clock time and may fail. */
class FakeSyncer implements Syncer {
  /** Start times of syncs (relative to the clock's start) and whether a full one was asked for. */
  syncs: { at: number; full: boolean }[] = [];
  collections: number[] = [];
  pending = false;
  garbage = false;
  failNext = 0;
  syncMs = 0;
  #full = false;
  #listeners = new Set<() => void>();
  #clock: ManualClock;
  #t0: number;

  constructor(clock: ManualClock) {
    this.#clock = clock;
    this.#t0 = clock.now();
  }

  get hasPending(): boolean {
    return this.pending;
  }
  get hasGarbage(): boolean {
    return this.garbage;
  }
  get listeners(): number {
    return this.#listeners.size;
  }
  requestFull(): void {
    this.#full = true;
  }
  onPending(cb: () => void): () => void {
    this.#listeners.add(cb);
    return () => this.#listeners.delete(cb);
  }
  /** A change arrives (as the change tracker would report it). */
  change(): void {
    this.pending = true;
    for (const l of this.#listeners) l();
  }
  async sync(): Promise<SyncResult> {
    const full = this.#full;
    this.syncs.push({ at: this.#clock.now() - this.#t0, full });
    this.#full = false;
    this.pending = false;
    if (this.syncMs > 0) {
      await new Promise<void>((r) => this.#clock.setTimeout(() => r(), this.syncMs));
    }
    if (this.failNext > 0) {
      this.failNext--;
      throw new NftError("nft: boom", "/dev/stdin:2:1-3: Error: boom", new Map([[2, "bad line"]]));
    }
    return result(full ? "full" : "partial");
  }
  collectGarbage(): Promise<SyncResult | undefined> {
    this.collections.push(this.#clock.now() - this.#t0);
    this.garbage = false;
    return Promise.resolve(result("garbage"));
  }
}

function result(kind: SyncResult["kind"]): SyncResult {
  return {
    kind,
    durationMs: 1,
    applyMs: 1,
    operations: 1,
    services: 1,
    pending: {
      services: new Set(),
      nodeChanged: false,
      serviceCidrsChanged: false,
      serviceChanges: 0,
      endpointChanges: 0,
      triggerTimes: [],
    },
  };
}

function setup(o: Partial<SyncLoopOptions> = {}) {
  const clock = new ManualClock();
  const syncer = new FakeSyncer(clock);
  const loop = new SyncLoop({
    syncer,
    logger: silentLogger,
    clock,
    minSyncPeriodMs: 1000,
    retryBaseMs: 500,
    ...o,
  });
  return { clock, syncer, loop, at: () => syncer.syncs.map((s) => s.at) };
}

Deno.test("SyncLoop does nothing before start(), then syncs at once", async () => {
  const { clock, syncer, loop, at } = setup();
  syncer.change();
  await clock.advance(5000);
  assert.deepEqual(at(), []);
  loop.start();
  await clock.advance(0);
  assert.deepEqual(at(), [5000]);
  loop.stop();
});

Deno.test("SyncLoop coalesces a burst of changes into one sync, minSyncPeriod after the last one", async () => {
  const { clock, syncer, loop, at } = setup();
  loop.start();
  await clock.advance(100);
  for (let i = 0; i < 10; i++) syncer.change();
  await clock.advance(899);
  assert.deepEqual(at(), [0], "not before minSyncPeriod");
  await clock.advance(1);
  assert.deepEqual(at(), [0, 1000], "ten changes, one sync");
  await clock.advance(5000);
  assert.equal(at().length, 2, "nothing more to do");
  loop.stop();
});

Deno.test("SyncLoop programs the first change after an idle period at once", async () => {
  const { clock, syncer, loop, at } = setup();
  loop.start();
  await clock.advance(3000);
  syncer.change();
  await clock.advance(0);
  assert.deepEqual(at(), [0, 3000]);
  loop.stop();
});

Deno.test("SyncLoop spaces syncs by minSyncPeriod under a steady stream of changes", async () => {
  const { clock, syncer, loop, at } = setup({ minSyncPeriodMs: 1000 });
  loop.start();
  for (let t = 0; t < 4000; t += 100) {
    syncer.change();
    await clock.advance(100);
  }
  assert.deepEqual(at(), [0, 1000, 2000, 3000, 4000]);
  loop.stop();
});

Deno.test("SyncLoop with minSyncPeriod 0 syncs each change", async () => {
  const { clock, syncer, loop, at } = setup({ minSyncPeriodMs: 0 });
  loop.start();
  await clock.advance(10);
  syncer.change();
  await clock.advance(10);
  syncer.change();
  await clock.advance(0);
  assert.deepEqual(at(), [0, 10, 20]);
  loop.stop();
});

Deno.test("SyncLoop syncs every syncPeriod, and asks for a full sync every fullSyncPeriod", async () => {
  const { clock, syncer, loop } = setup({ syncPeriodMs: 30_000, fullSyncPeriodMs: 90_000 });
  loop.start();
  await clock.advance(180_000);
  assert.deepEqual(
    syncer.syncs.map((s) => `${s.at / 1000}${s.full ? " full" : ""}`),
    ["0", "30", "60", "90 full", "120", "150", "180 full"],
  );
  loop.stop();
});

Deno.test("SyncLoop retries a failed sync with exponential backoff, and starts over after a success", async () => {
  const failed: string[] = [];
  let synced = 0;
  const { clock, syncer, loop, at } = setup({
    retryBaseMs: 500,
    retryMaxMs: 1500,
    onFailed: (e) => failed.push(e.message),
    onSynced: () => synced++,
  });
  syncer.failNext = 4;
  loop.start();
  await clock.advance(10_000);
  assert.deepEqual(at(), [0, 500, 1500, 3000, 4500], "waits of 500, 1000, then at most 1500");
  assert.equal(failed.length, 4);
  assert.equal(synced, 1);
  syncer.failNext = 1;
  syncer.change();
  await clock.advance(10_000);
  assert.deepEqual(at().slice(5), [10_000, 10_500], "the backoff starts over");
  loop.stop();
});

Deno.test("SyncLoop logs nft's message and the failing script lines at --v=4", async () => {
  const lines: string[] = [];
  const clock = new ManualClock();
  const syncer = new FakeSyncer(clock);
  syncer.failNext = 1;
  const loop = new SyncLoop({
    syncer,
    clock,
    logger: new Logger({ verbosity: 4, write: (l) => lines.push(l) }),
  });
  loop.start();
  await clock.advance(0);
  loop.stop();
  assert.match(
    lines[0],
    /^E.*Failed to sync nftables rules; will retry with a full sync error="nft: boom" failures=1$/,
  );
  assert.ok(lines.some((l) => /nft said stderr=/.test(l)));
  assert.ok(
    lines.some((l) => /Failing script line line=2 text="bad line"/.test(l)),
    lines.join("\n"),
  );
});

Deno.test("SyncLoop collects garbage only once idle for garbageDelayMs, and never before pending changes", async () => {
  const { clock, syncer, loop, at } = setup({ garbageDelayMs: 1000 });
  syncer.garbage = true;
  loop.start();
  await clock.advance(500);
  syncer.change(); // a change before the collection: it goes first
  await clock.advance(500);
  assert.deepEqual(at(), [0, 1000]);
  assert.deepEqual(syncer.collections, []);
  syncer.garbage = true;
  await clock.advance(999);
  assert.deepEqual(syncer.collections, []);
  await clock.advance(1);
  assert.deepEqual(syncer.collections, [2000]);
  // Pending work when the collection is due: sync instead, collect afterwards.
  syncer.garbage = true;
  await clock.advance(10_000);
  assert.deepEqual(syncer.collections, [2000], "nothing triggered a sync, so no new timer");
  syncer.change();
  await clock.advance(0);
  syncer.pending = true; // another change has arrived but not yet been notified
  await clock.advance(1000);
  assert.deepEqual(syncer.collections, [2000], "pending work goes first");
  assert.equal(at().at(-1), 13_000);
  await clock.advance(1000);
  assert.deepEqual(syncer.collections, [2000, 14_000]);
  loop.stop();
});

Deno.test("SyncLoop.stop() cancels every timer and unsubscribes; nothing runs after it", async () => {
  const { clock, syncer, loop, at } = setup();
  loop.start();
  await clock.advance(100);
  syncer.change();
  syncer.garbage = true;
  assert.equal(syncer.listeners, 1);
  loop.stop();
  assert.equal(clock.pending, 0);
  assert.equal(syncer.listeners, 0, "onPending unsubscribed");
  syncer.change();
  loop.request();
  await clock.advance(100_000);
  assert.deepEqual(at(), [0]);
  assert.deepEqual(syncer.collections, []);
  await loop.whenIdle();
});

Deno.test("SyncLoop.whenIdle() waits for the scheduled and running syncs", async () => {
  const { clock, syncer, loop } = setup({ minSyncPeriodMs: 1000 });
  syncer.syncMs = 300;
  await loop.whenIdle(); // idle before start
  loop.start();
  let idle = false;
  const waiting = loop.whenIdle().then(() => idle = true);
  await clock.advance(299);
  assert.equal(idle, false, "the first sync is still running");
  await clock.advance(1);
  await waiting;
  assert.equal(idle, true);
  syncer.change();
  idle = false;
  const again = loop.whenIdle().then(() => idle = true);
  await clock.advance(999);
  assert.equal(idle, false, "a sync is scheduled");
  await clock.advance(301);
  await again;
  loop.stop();
});

Deno.test("SyncLoop.whenIdle() resolves when stopped during a sync with more changes pending", async () => {
  const { clock, syncer, loop, at } = setup({ minSyncPeriodMs: 0 });
  syncer.syncMs = 100;
  loop.start();
  await clock.advance(10); // the first sync is running
  syncer.change();
  loop.stop();
  let idle = false;
  const waiting = loop.whenIdle().then(() => idle = true);
  await clock.advance(100);
  await waiting;
  assert.equal(idle, true);
  assert.deepEqual(at(), [0], "no sync after stop()");
});

Deno.test("SyncLoop reports queued changes with the clock's time", async () => {
  const queued: number[] = [];
  const { clock, syncer, loop } = setup({ onQueued: (t) => queued.push(t) });
  loop.start();
  await clock.advance(250);
  syncer.change();
  assert.deepEqual(queued, [clock.now()]);
  loop.stop();
});

Deno.test("SyncLoop refuses periods that cannot work, naming the option", () => {
  const clock = new ManualClock();
  const syncer = new FakeSyncer(clock);
  const make = (o: Partial<SyncLoopOptions>) => () =>
    new SyncLoop({ syncer, logger: silentLogger, clock, ...o });
  assert.throws(make({ minSyncPeriodMs: -1 }), /'minSyncPeriodMs' must be >= 0/);
  assert.throws(make({ garbageDelayMs: NaN }), /'garbageDelayMs' must be >= 0/);
  assert.throws(make({ syncPeriodMs: 0 }), /'syncPeriodMs' must be > 0/);
  assert.throws(make({ fullSyncPeriodMs: -5 }), /'fullSyncPeriodMs' must be > 0/);
  assert.throws(make({ retryBaseMs: 0 }), RangeError);
  assert.equal(syncer.listeners, 0, "a refused loop does not subscribe");
});
