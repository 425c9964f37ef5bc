import assert from "node:assert/strict";
import {
  checkDuration,
  describeBounds,
  DURATION_BOUNDS,
  MAX_DURATION_MS,
} from "../../../src/config/duration_bounds.ts";
import { ConfigError } from "../../../src/config/config_error.ts";
import { fileOrigin, flagOrigin } from "../../../src/config/origin.ts";

Deno.test("MAX_DURATION_MS is 596h, the longest whole hour a JavaScript timer holds", () => {
  assert.equal(MAX_DURATION_MS, 596 * 3_600_000);
  assert.ok(MAX_DURATION_MS <= 2 ** 31 - 1);
  assert.ok(MAX_DURATION_MS + 3_600_000 > 2 ** 31 - 1);
});

Deno.test("describeBounds() writes each range the Go way, with '0 or' where 0 means off", () => {
  assert.equal(describeBounds("driftCheckPeriod"), "0 or 100ms..596h0m0s");
  assert.equal(describeBounds("minSyncPeriod"), "0s..596h0m0s");
  assert.equal(describeBounds("syncPeriod"), "1ms..596h0m0s");
  assert.equal(describeBounds("conntrackTimeout"), "0 or 1s..596h0m0s");
});

Deno.test("checkDuration() returns values in range, the ends included", () => {
  for (const setting of Object.keys(DURATION_BOUNDS) as (keyof typeof DURATION_BOUNDS)[]) {
    const b = DURATION_BOUNDS[setting];
    assert.equal(checkDuration(setting, b.min || 1, flagOrigin("x")), b.min || 1, setting);
    assert.equal(checkDuration(setting, MAX_DURATION_MS, flagOrigin("x")), MAX_DURATION_MS);
  }
  assert.equal(checkDuration("driftCheckPeriod", 0, flagOrigin("x")), 0, "0 disables");
});

Deno.test("checkDuration() refuses a value out of range, naming its origin and the range", () => {
  const cases: [keyof typeof DURATION_BOUNDS, number, RegExp][] = [
    ["syncPeriod", 0, /"0s" for --sync-period: must be 1ms\.\.596h0m0s/],
    ["driftCheckPeriod", 50, /"50ms" for --sync-period: must be 0 or 100ms\.\.596h0m0s/],
    ["fullSyncPeriod", MAX_DURATION_MS + 1, /must be 1s\.\.596h0m0s/],
    ["minSyncPeriod", -1, /must be 0s\.\.596h0m0s/],
    ["syncPeriod", Number.NaN, /must be 1ms/],
  ];
  for (const [setting, ms, re] of cases) {
    assert.throws(() => checkDuration(setting, ms, flagOrigin("sync-period")), (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.match(e.message, re, `${setting} ${ms}`);
      return true;
    });
  }
  assert.throws(
    () => checkDuration("conntrackTimeout", 500, fileOrigin("c.yaml", "conntrack.udpTimeout")),
    /for conntrack\.udpTimeout in c\.yaml: must be 0 or 1s\.\.596h0m0s/,
  );
});
