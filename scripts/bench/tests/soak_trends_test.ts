import assert from "node:assert/strict";
import { slope, type SoakSample, trends } from "../soak_trends.ts";

function samples(minutes: number, rss: (t: number) => number): SoakSample[] {
  const out: SoakSample[] = [];
  for (let t = 0; t <= minutes * 60; t += 10) {
    out.push({ t, rssMb: rss(t), fds: 30, threads: 7, heapMb: 50, conntrack: 100, cpuPercent: 5 });
  }
  return out;
}

Deno.test("slope() is the least-squares slope", () => {
  assert.equal(slope([0, 1, 2, 3], [1, 3, 5, 7]), 2);
  assert.equal(slope([0, 1, 2], [4, 4, 4]), 0);
  assert.ok(Number.isNaN(slope([1], [1])));
});

Deno.test("trends() reports growth over the window's first and last minute", () => {
  // 30 minutes; RSS flat at 200 for 10 minutes, then +1 MB per minute (a leak).
  const leak = trends(samples(30, (t) => (t < 600 ? 200 : 200 + (t - 600) / 60)), 20);
  const rss = leak.find((x) => x.series === "rssMb")!;
  assert.ok(Math.abs(rss.slopePerMinute - 1) < 0.01, `slope ${rss.slopePerMinute}`);
  assert.ok(rss.growthPercent > 9 && rss.growthPercent < 10, `growth ${rss.growthPercent}`);
  const flat = trends(samples(30, () => 200), 20).find((x) => x.series === "rssMb")!;
  assert.equal(flat.growthPercent, 0);
  assert.equal(flat.slopePerMinute, 0);
});

Deno.test("trends() of a short run uses a fifth of the window at each end", () => {
  const t = trends(samples(1, (t) => 100 + t), 0.5).find((x) => x.series === "rssMb")!;
  assert.ok(t.windowEnd > t.windowStart, JSON.stringify(t));
});

Deno.test("trends() of a window starting between two samples uses the window's first sample", () => {
  // The last sample is late, so the window (20 s back from it) starts just after a sample.
  const s = samples(0.5, (t) => 100 + t).map((x, i, all) => ({
    ...x,
    t: i === all.length - 1 ? x.t + 0.3 : x.t,
  }));
  const t = trends(s, 1 / 3).find((x) => x.series === "rssMb")!;
  assert.ok(Number.isFinite(t.windowStart) && t.windowEnd > t.windowStart, JSON.stringify(t));
});
