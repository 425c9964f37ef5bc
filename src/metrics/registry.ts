/**
 * The Prometheus registry the proxy exposes on `/metrics`.
 *
 * This is a thin layer over the maintained `prom-client` library (it runs
 * unchanged under Deno): counters, gauges and histograms with labels, and the
 * text exposition format 0.0.4 with HELP/TYPE lines and escaping. The proxy
 * never uses prom-client's global registry nor its default Node.js collectors
 * (under Deno some of them print invalid values such as `Nan`); process
 * metrics come from {@linkcode registerProcessMetrics} instead.
 *
 * @module
 */

import {
  Counter,
  exponentialBuckets,
  Gauge,
  Histogram,
  linearBuckets,
  Registry,
} from "prom-client";

// The bucket helpers are prom-client's own (the same definitions as the Go client's
// prometheus.ExponentialBuckets/LinearBuckets that upstream uses).
export { Counter, exponentialBuckets, Gauge, Histogram, linearBuckets, Registry };

/** Content type of the Prometheus text exposition format 0.0.4. */
export const PROMETHEUS_TEXT_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** Returns a new, empty registry (never the library's global one). */
export function newRegistry(): Registry {
  return new Registry();
}

/** Renders every metric of `registry` in the text exposition format. */
export function renderMetrics(registry: Registry): Promise<string> {
  return registry.metrics();
}

/**
 * Buckets of the sync duration histograms, as upstream:
 * 0.001 s × 2^k for k = 0..14 (1 ms to about 16 s).
 */
export const SYNC_DURATION_BUCKETS: readonly number[] = Object.freeze(
  exponentialBuckets(0.001, 2, 15),
);

/**
 * Buckets of the network programming latency histogram, as upstream:
 * 0, 0.25 s, 0.5 s, then every second to 59 s, every 5 s to 115 s and every
 * 30 s from 2 to 5 minutes.
 */
export const NETWORK_PROGRAMMING_BUCKETS: readonly number[] = Object.freeze([
  0,
  ...linearBuckets(0.25, 0.25, 2),
  ...linearBuckets(1, 1, 59),
  ...linearBuckets(60, 5, 12),
  ...linearBuckets(120, 30, 7),
]);
