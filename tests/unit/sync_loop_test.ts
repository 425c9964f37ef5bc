import { strict as assert } from "node:assert";
import { SyncLoop } from "../../src/sync/sync_loop.ts";
import type { Proxier, SyncResult } from "../../src/sync/proxier.ts";
import { silentLogger } from "../../src/log/logger.ts";

/** A proxier stand-in: counts syncs, can be slow or fail, and has a change tracker hook. */
function fakeProxier(o: { syncMs?: number; failTimes?: number } = {}) {
  let fails = o.failTimes ?? 0;
  const f = {
    syncs: [] as number[],
    fulls: 0,
    pending: false,
    tracker: {
      onPending: () => {},
      get hasPending() {
        return f.pending;
      },
    },
    requestFull() {
      f.fulls++;
    },
    async sync(): Promise<SyncResult> {
      f.pending = false;
      f.syncs.push(Date.now());
      await new Promise((r) => setTimeout(r, o.syncMs ?? 0));
      if (fails > 0) {
        fails--;
        throw new Error("boom");
      }
      return {
        kind: "partial",
        durationMs: 0,
        operations: 1,
        services: 1,
        pending: {} as never,
        staleUdpEndpoints: [],
      };
    },
  };
  return f;
}

Deno.test("SyncLoop does nothing before start(), then syncs at once", async () => {
  const p = fakeProxier();
  const loop = new SyncLoop({
    proxier: p as unknown as Proxier,
    logger: silentLogger,
    minSyncPeriodMs: 0,
  });
  p.tracker.onPending();
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(p.syncs.length, 0);
  loop.start();
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(p.syncs.length, 1);
  loop.stop();
});

Deno.test("SyncLoop coalesces changes and spaces syncs by minSyncPeriod", async () => {
  const p = fakeProxier();
  const loop = new SyncLoop({
    proxier: p as unknown as Proxier,
    logger: silentLogger,
    minSyncPeriodMs: 200,
  });
  loop.start();
  await new Promise((r) => setTimeout(r, 20));
  for (let i = 0; i < 10; i++) {
    p.pending = true;
    p.tracker.onPending();
  }
  await new Promise((r) => setTimeout(r, 400));
  loop.stop();
  assert.equal(p.syncs.length, 2, "the first sync, then one for ten changes");
  assert.ok(
    p.syncs[1] - p.syncs[0] >= 190,
    `spaced by minSyncPeriod: ${p.syncs[1] - p.syncs[0]} ms`,
  );
});

Deno.test("SyncLoop retries a failed sync with backoff", async () => {
  const p = fakeProxier({ failTimes: 2 });
  let failures = 0, successes = 0;
  const loop = new SyncLoop({
    proxier: p as unknown as Proxier,
    logger: silentLogger,
    minSyncPeriodMs: 0,
    retryBaseMs: 30,
    onFailed: () => failures++,
    onSynced: () => successes++,
  });
  loop.start();
  await new Promise((r) => setTimeout(r, 250));
  loop.stop();
  assert.equal(failures, 2);
  assert.equal(successes, 1);
  assert.ok(p.syncs[2] - p.syncs[1] > p.syncs[1] - p.syncs[0], "the second wait is longer");
});

Deno.test("SyncLoop.whenIdle() resolves when stopped during a sync with more changes pending", async () => {
  const p = fakeProxier({ syncMs: 100 });
  const loop = new SyncLoop({
    proxier: p as unknown as Proxier,
    logger: silentLogger,
    minSyncPeriodMs: 0,
  });
  loop.start();
  await new Promise((r) => setTimeout(r, 20)); // the first sync is running
  p.pending = true;
  p.tracker.onPending();
  loop.stop();
  const idle = await Promise.race([
    loop.whenIdle().then(() => true),
    new Promise((r) => setTimeout(() => r(false), 1000)),
  ]);
  assert.equal(idle, true, "whenIdle() must not hang after stop()");
  assert.equal(p.syncs.length, 1, "no sync after stop()");
});
