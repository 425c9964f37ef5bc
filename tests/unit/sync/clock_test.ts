import assert from "node:assert/strict";
import { systemClock } from "../../../src/sync/clock.ts";
import { ManualClock } from "../../support/manual_clock.ts";

Deno.test("systemClock tells the time and runs, cancels and repeats real timers", async () => {
  const before = Date.now();
  const now = systemClock.now();
  assert.ok(now >= before && now <= Date.now());
  const fired: string[] = [];
  const cancelled = systemClock.setTimeout(() => fired.push("cancelled"), 5);
  systemClock.clearTimeout(cancelled);
  systemClock.clearTimeout(undefined);
  await new Promise<void>((r) => systemClock.setTimeout(() => r(), 10));
  let ticks = 0;
  await new Promise<void>((r) => {
    const id = systemClock.setInterval(() => {
      if (++ticks === 3) {
        systemClock.clearInterval(id);
        r();
      }
    }, 1);
  });
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(ticks, 3, "no tick after clearInterval");
  assert.deepEqual(fired, []);
});

Deno.test("ManualClock fires due timers in time order, only when advanced", async () => {
  const clock = new ManualClock(0);
  const fired: string[] = [];
  clock.setTimeout(() => fired.push("b@20"), 20);
  clock.setTimeout(() => fired.push("a@10"), 10);
  const c = clock.setTimeout(() => fired.push("c@15"), 15);
  clock.clearTimeout(c);
  const every = clock.setInterval(() => fired.push(`i@${clock.now()}`), 8);
  assert.equal(clock.pending, 3);
  await clock.advance(9);
  assert.deepEqual(fired, ["i@8"]);
  await clock.advance(11);
  assert.deepEqual(fired, ["i@8", "a@10", "i@16", "b@20"]);
  assert.equal(clock.now(), 20);
  clock.clearInterval(every);
  assert.equal(clock.pending, 0);
});

Deno.test("ManualClock runs timers that timers set, and settles the promises they start", async () => {
  const clock = new ManualClock(0);
  const fired: number[] = [];
  clock.setTimeout(() => {
    fired.push(clock.now());
    clock.setTimeout(() => fired.push(clock.now()), 5);
    Promise.resolve().then(() => fired.push(-1));
  }, 5);
  await clock.advance(10);
  assert.deepEqual(fired, [5, -1, 10]);
  clock.setTimeout(() => fired.push(clock.now()), -3);
  await clock.advance(0);
  assert.deepEqual(fired.at(-1), 10, "a negative delay fires at once");
});
