import assert from "node:assert/strict";
import {
  ConnectionBudget,
  DEFAULT_HTTP_LIMITS,
  resolveHttpLimits,
} from "../../../src/servers/http_limits.ts";

Deno.test("resolveHttpLimits() fills in every default, tight for probe and scrape servers", () => {
  assert.deepEqual(resolveHttpLimits("the health server"), {
    headerTimeoutMs: 5_000,
    responseTimeoutMs: 10_000,
    maxHeaderBytes: 8_192,
    maxHeaderCount: 64,
    maxConnections: 64,
    acceptBackoffMinMs: 5,
    acceptBackoffMaxMs: 1_000,
  });
  assert.ok(Object.isFrozen(DEFAULT_HTTP_LIMITS));
  const r = resolveHttpLimits("x", { maxConnections: 2 });
  assert.equal(r.maxConnections, 2);
  assert.equal(r.headerTimeoutMs, 5_000);
});

Deno.test("resolveHttpLimits() refuses values that are not integers >= 1, naming the server and field", () => {
  for (const bad of [0, -1, 1.5, Number.NaN, "5" as unknown as number]) {
    assert.throws(
      () => resolveHttpLimits("the metrics server", { headerTimeoutMs: bad }),
      /^RangeError: Cannot start the metrics server: 'headerTimeoutMs' must be an integer >= 1/,
      String(bad),
    );
  }
  assert.throws(
    () => resolveHttpLimits("x", { acceptBackoffMinMs: 100, acceptBackoffMaxMs: 10 }),
    /'acceptBackoffMaxMs' \(10\) must be >= 'acceptBackoffMinMs' \(100\)/,
  );
});

Deno.test("ConnectionBudget hands out at most max connections and counts the refusals", () => {
  const budget = new ConnectionBudget(2);
  assert.equal(budget.tryAcquire(), true);
  assert.equal(budget.tryAcquire(), true);
  assert.equal(budget.tryAcquire(), false);
  assert.deepEqual([budget.open, budget.refused], [2, 1]);
  budget.release();
  assert.equal(budget.tryAcquire(), true);
  budget.release();
  budget.release();
  budget.release();
  assert.equal(budget.open, 0, "never below zero");
  assert.throws(() => new ConnectionBudget(0), /'max' must be >= 1, got 0/);
});
