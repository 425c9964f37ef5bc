import assert from "node:assert/strict";
import { findRejected } from "../../../src/sync/bisect.ts";

/** A check that fails when any bad member is present, counting its calls. */
function counting(bad: Set<number>) {
  const calls: number[][] = [];
  const check = (xs: readonly number[]) => {
    calls.push([...xs]);
    return Promise.resolve(!xs.some((x) => bad.has(x)));
  };
  return { calls, check };
}

const range = (n: number) => [...Array(n)].map((_, i) => i);

Deno.test("findRejected() returns nothing when the whole set passes, or is empty, after one check", async () => {
  const c = counting(new Set());
  assert.deepEqual(await findRejected(range(100), c.check), []);
  assert.equal(c.calls.length, 1);
  assert.deepEqual(await findRejected([], c.check), []);
  assert.equal(c.calls.length, 1, "no check for an empty set");
});

Deno.test("findRejected() finds one bad member among 1000 in about 2·log2(n) checks", async () => {
  for (const bad of [0, 499, 999]) {
    const c = counting(new Set([bad]));
    assert.deepEqual(await findRejected(range(1000), c.check), [bad]);
    assert.ok(c.calls.length <= 1 + 2 * Math.ceil(Math.log2(1000)), `${c.calls.length} checks`);
  }
});

Deno.test("findRejected() finds every bad member, and the rest passes", async () => {
  const bad = new Set([3, 4, 17, 63]);
  const c = counting(bad);
  const found = await findRejected(range(64), c.check);
  assert.deepEqual(found.sort((a, b) => a - b), [3, 4, 17, 63]);
  const rest = range(64).filter((x) => !found.includes(x));
  assert.equal(await c.check(rest), true);
});

Deno.test("findRejected() returns the second half whole when two halves fail only together", async () => {
  // 1 and 6 clash: each passes alone.
  const check = (xs: readonly number[]) => Promise.resolve(!(xs.includes(1) && xs.includes(6)));
  const found = await findRejected(range(8), check);
  assert.deepEqual(found, [4, 5, 6, 7]);
  assert.equal(await check(range(8).filter((x) => !found.includes(x))), true);
});

Deno.test("findRejected() passes a failing check on", async () => {
  const check = () => Promise.reject(new Error("nft is gone"));
  await assert.rejects(findRejected([1, 2], check), /nft is gone/);
});
