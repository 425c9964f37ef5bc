import assert from "node:assert/strict";
import { ProxyHealth, TO_BE_DELETED_TAINT } from "../../src/servers/proxy_health.ts";

/** A clock the test moves by hand. */
function fakeClock(start = 1_700_000_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

Deno.test("ProxyHealth is healthy while starting up, before any change or sync", () => {
  const clock = fakeClock();
  const h = new ProxyHealth({ healthTimeoutMs: 60_000, now: clock.now });
  clock.advance(10 * 60_000);
  const s = h.status();
  assert.equal(s.healthy, true);
  assert.equal(s.lastUpdated, null);
  assert.equal(s.currentTime, clock.now());
});

Deno.test("ProxyHealth turns unhealthy when a queued change waits healthTimeoutMs", () => {
  const clock = fakeClock();
  const h = new ProxyHealth({ healthTimeoutMs: 60_000, now: clock.now });
  h.queued();
  clock.advance(59_999);
  assert.equal(h.isHealthy(), true, "not late yet");
  clock.advance(1);
  assert.equal(h.isHealthy(), false, "late at exactly the timeout");
});

Deno.test("ProxyHealth measures from the OLDEST pending change, not the latest", () => {
  const clock = fakeClock();
  const h = new ProxyHealth({ healthTimeoutMs: 60_000, now: clock.now });
  h.queued();
  clock.advance(40_000);
  h.queued();
  clock.advance(30_000);
  assert.equal(h.isHealthy(), false);
  assert.equal(h.status().oldestPendingQueued, clock.now() - 70_000);
});

Deno.test("ProxyHealth.synced() clears pending changes and records lastUpdated", () => {
  const clock = fakeClock();
  const h = new ProxyHealth({ healthTimeoutMs: 60_000, now: clock.now });
  h.queued();
  clock.advance(120_000);
  assert.equal(h.isHealthy(), false);
  h.synced();
  assert.equal(h.isHealthy(), true);
  assert.equal(h.status().lastUpdated, clock.now());
  assert.equal(h.status().oldestPendingQueued, null);
  clock.advance(10 * 60_000);
  assert.equal(h.isHealthy(), true, "no change pending: stays healthy");
});

Deno.test("ProxyHealth turns unhealthy when syncs keep failing for healthTimeoutMs", () => {
  const clock = fakeClock();
  const h = new ProxyHealth({ healthTimeoutMs: 60_000, now: clock.now });
  h.synced();
  for (let i = 0; i < 6; i++) {
    h.syncFailed();
    clock.advance(10_000);
  }
  const s = h.status();
  assert.equal(s.healthy, false);
  assert.equal(s.consecutiveFailures, 6);
  h.synced();
  assert.equal(h.status().consecutiveFailures, 0);
  assert.equal(h.isHealthy(), true);
});

Deno.test("ProxyHealth accepts explicit times instead of the clock", () => {
  const h = new ProxyHealth({ healthTimeoutMs: 1_000, now: () => assert.fail("clock used") });
  h.queued(5_000);
  assert.equal(h.status(5_999).healthy, true);
  assert.equal(h.status(6_000).healthy, false);
  h.synced(6_500);
  assert.deepEqual(h.status(7_000), {
    healthy: true,
    nodeEligible: true,
    lastUpdated: 6_500,
    oldestPendingQueued: null,
    consecutiveFailures: 0,
    currentTime: 7_000,
  });
});

Deno.test("ProxyHealth.syncNode() marks a deleting or autoscaler-tainted node not eligible", () => {
  const h = new ProxyHealth({ healthTimeoutMs: 1_000 });
  assert.equal(h.status().nodeEligible, true);
  h.syncNode({ metadata: { name: "n1", deletionTimestamp: "2024-01-01T00:00:00Z" } });
  assert.equal(h.status().nodeEligible, false);
  h.syncNode({ metadata: { name: "n1" }, spec: { taints: [{ key: "other" }] } });
  assert.equal(h.status().nodeEligible, true);
  h.syncNode({ metadata: { name: "n1" }, spec: { taints: [{ key: TO_BE_DELETED_TAINT }] } });
  assert.equal(h.status().nodeEligible, false);
  assert.equal(h.status().healthy, true, "eligibility does not change proxy health");
  h.syncNode(null);
  assert.equal(h.status().nodeEligible, false);
});

Deno.test("ProxyHealth rejects a missing or non-positive healthTimeoutMs", () => {
  assert.throws(() => new ProxyHealth({ healthTimeoutMs: 0 }), RangeError);
  assert.throws(() => new ProxyHealth({ healthTimeoutMs: -5 }), RangeError);
  assert.throws(() => new ProxyHealth({ healthTimeoutMs: NaN }), RangeError);
  assert.throws(() => new ProxyHealth({} as never), /healthTimeoutMs/);
});
