/**
 * Small statistics helpers for the benchmarks.
 *
 * @module
 */

/** Summary of a sample: count, min, median, p99, max and mean. */
export interface Summary {
  n: number;
  min: number;
  median: number;
  p99: number;
  max: number;
  mean: number;
}

/** The `q`-quantile (0..1) of a sample, nearest-rank method. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) throw new RangeError("quantile: empty sample");
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile: q must be in [0, 1], got ${q}`);
  const s = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil(q * s.length));
  return s[rank - 1];
}

/** Median (the mean of the two middle values for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError("median: empty sample");
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Summarizes a non-empty sample. */
export function summarize(values: readonly number[]): Summary {
  if (values.length === 0) throw new RangeError("summarize: empty sample");
  return {
    n: values.length,
    min: Math.min(...values),
    median: median(values),
    p99: quantile(values, 0.99),
    max: Math.max(...values),
    mean: values.reduce((a, b) => a + b, 0) / values.length,
  };
}

/** Rounds to `digits` decimals (for reports). */
export function round(x: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** Rounds every number of a summary. */
export function roundSummary(s: Summary, digits = 1): Summary {
  return {
    n: s.n,
    min: round(s.min, digits),
    median: round(s.median, digits),
    p99: round(s.p99, digits),
    max: round(s.max, digits),
    mean: round(s.mean, digits),
  };
}
