import assert from "node:assert/strict";
import { Backoff } from "../../../src/util/backoff.ts";

Deno.test("Backoff doubles from initialMs up to maxMs and starts over after reset()", () => {
  const b = new Backoff({ initialMs: 500, maxMs: 30_000, jitter: 0 });
  const seq = Array.from({ length: 8 }, () => b.next());
  assert.deepEqual(seq, [500, 1000, 2000, 4000, 8000, 16000, 30000, 30000]);
  b.reset();
  assert.equal(b.next(), 500);
});

Deno.test("Backoff adds jitter but never exceeds maxMs", () => {
  const b = new Backoff({ initialMs: 1000, maxMs: 1500, jitter: 0.5, random: () => 0.99 });
  assert.equal(b.next(), 1495);
  assert.equal(b.next(), 1500);
  assert.throws(() => new Backoff({ initialMs: 0 }), RangeError);
  assert.throws(() => new Backoff({ initialMs: 10, maxMs: 5 }), RangeError);
});
