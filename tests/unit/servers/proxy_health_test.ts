import assert from "node:assert/strict";
import { ProxyHealth, TO_BE_DELETED_TAINT } from "../../../src/servers/proxy_health.ts";

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
    families: {
      IPv4: { lastUpdated: 6_500, healthy: true },
      IPv6: { lastUpdated: 6_500, healthy: true },
    },
    quarantinedServices: [],
  });
});

Deno.test("ProxyHealth tracks each family: one late family makes the proxy unhealthy, the other stays healthy", () => {
  const clock = fakeClock();
  const h = new ProxyHealth({ healthTimeoutMs: 60_000, now: clock.now });
  h.synced();
  const first = clock.now();
  clock.advance(1_000);
  h.queued(undefined, "IPv6");
  clock.advance(60_000);
  const s = h.status();
  assert.equal(s.healthy, false);
  assert.deepEqual(s.families, {
    IPv4: { lastUpdated: first, healthy: true },
    IPv6: { lastUpdated: first, healthy: false },
  });
  h.synced(undefined, "IPv4");
  assert.equal(h.isHealthy(), false, "syncing IPv4 does not clear IPv6's pending change");
  h.synced(undefined, "IPv6");
  assert.equal(h.isHealthy(), true);
  assert.equal(h.status().lastUpdated, clock.now(), "the latest sync of any family");
});

Deno.test("ProxyHealth reports only the families it was told it programs", () => {
  const h = new ProxyHealth({ healthTimeoutMs: 1_000, ipFamilies: ["IPv6"] });
  h.synced(5_000);
  assert.deepEqual(Object.keys(h.status(5_001).families), ["IPv6"]);
  assert.throws(() => h.queued(5_000, "IPv5" as never), RangeError);
  assert.throws(() => new ProxyHealth({ healthTimeoutMs: 1, ipFamilies: [] }), RangeError);
});

Deno.test("ProxyHealth.setQuarantinedServices() replaces the sorted, de-duplicated list", () => {
  const h = new ProxyHealth({ healthTimeoutMs: 1_000 });
  h.setQuarantinedServices(new Set(["ns/b", "ns/a"]));
  assert.deepEqual(h.status().quarantinedServices, ["ns/a", "ns/b"]);
  h.setQuarantinedServices([]);
  assert.deepEqual(h.status().quarantinedServices, []);
  assert.throws(() => h.setQuarantinedServices(["ok/x", ""]), TypeError);
  assert.throws(() => h.setQuarantinedServices([42 as never]), TypeError);
  assert.equal(h.isHealthy(), true, "quarantine alone never fails health");
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
