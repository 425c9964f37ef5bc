/**
 * The soak's samples and how they are judged: each series' least-squares
 * slope, and its growth over a window at the end of the run.
 *
 * @module
 */

import { round } from "./stats.ts";

/** One sample. */
export interface SoakSample {
  /** Seconds since the churn started. */
  t: number;
  rssMb: number;
  fds: number;
  threads: number;
  heapMb: number;
  conntrack: number;
  /** CPU of the proxy since the previous sample, % of one core. */
  cpuPercent: number;
}

/** Trend of one series. */
export interface SoakTrend {
  series: keyof Omit<SoakSample, "t">;
  /** Least-squares slope, per minute. */
  slopePerMinute: number;
  /** Mean over the first and the last minute of the growth window. */
  windowStart: number;
  windowEnd: number;
  /** (end - start) / start, %. */
  growthPercent: number;
}

/** Least-squares slope of y over x. */
export function slope(xs: readonly number[], ys: readonly number[]): number {
  const n = xs.length;
  if (n < 2) return NaN;
  const mx = xs.reduce((a, b) => a + b, 0) / n, my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0, den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i] - mx) * (ys[i] - my);
    den += (xs[i] - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

/**
 * Trends of every series over the samples. The growth window is the last
 * `windowMinutes`; its start and end values are the means over its first and
 * last minute (a fifth of the window when it is shorter than 5 minutes).
 */
export function trends(samples: readonly SoakSample[], windowMinutes: number): SoakTrend[] {
  const series = ["rssMb", "fds", "threads", "heapMb", "conntrack", "cpuPercent"] as const;
  const end = samples.at(-1)?.t ?? 0;
  const from = end - windowMinutes * 60;
  const edge = Math.min(60, windowMinutes * 60 / 5);
  const mean = (a: number[]) => a.length ? a.reduce((x, y) => x + y, 0) / a.length : NaN;
  return series.map((s) => {
    const win = samples.filter((x) => x.t >= from);
    const t0 = win[0]?.t ?? 0;
    const first = mean(win.filter((x) => x.t <= t0 + edge).map((x) => x[s]));
    const last = mean(win.filter((x) => x.t >= end - edge).map((x) => x[s]));
    return {
      series: s,
      slopePerMinute: round(slope(win.map((x) => x.t / 60), win.map((x) => x[s])), 3),
      windowStart: round(first, 2),
      windowEnd: round(last, 2),
      growthPercent: first > 0 ? round((last - first) / first * 100, 2) : NaN,
    };
  });
}
