import assert from "node:assert/strict";
// deno-lint-ignore no-import-prefix
import parsePrometheusText from "npm:parse-prometheus-text-format@1.1.1";
import {
  Counter,
  exponentialBuckets,
  Gauge,
  Histogram,
  linearBuckets,
  NETWORK_PROGRAMMING_BUCKETS,
  newRegistry,
  PROMETHEUS_TEXT_CONTENT_TYPE,
  renderMetrics,
  SYNC_DURATION_BUCKETS,
} from "../../../src/metrics/registry.ts";

/** A metric family as parse-prometheus-text-format returns it (the package ships no types). */
interface Family {
  name: string;
  help: string;
  type: string;
  metrics: {
    value?: string;
    labels?: Record<string, string>;
    buckets?: Record<string, string>;
    count?: string;
    sum?: string;
  }[];
}

function parseText(text: string): Family[] {
  return parsePrometheusText(text) as unknown as Family[];
}

const SAMPLE_VALUE = /^([+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?|[+-]Inf|NaN)$/;

/** Checks each sample line against the 0.0.4 grammar the lenient npm parser does not enforce. */
function assertStrictSamples(text: string): void {
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const m = line.match(/^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+)$/);
    assert.ok(m, `malformed sample line: ${line}`);
    assert.match(m[3], SAMPLE_VALUE, `bad value in: ${line}`);
  }
}

Deno.test("renderMetrics() output parses with a Prometheus text parser, with types and labels", async () => {
  const registry = newRegistry();
  const c = new Counter({
    name: "demo_events_total",
    help: "Events seen",
    labelNames: ["kind"],
    registers: [registry],
  });
  const g = new Gauge({ name: "demo_level", help: "A level", registers: [registry] });
  const h = new Histogram({
    name: "demo_duration_seconds",
    help: "Durations",
    buckets: SYNC_DURATION_BUCKETS as number[],
    registers: [registry],
  });
  c.inc({ kind: "a" }, 3);
  c.inc({ kind: "b" });
  g.set(-2.5);
  h.observe(0.003);
  h.observe(20);
  const text = await renderMetrics(registry);
  assertStrictSamples(text);
  const families = parseText(text);
  const byName = new Map(families.map((f) => [f.name, f]));
  assert.equal(byName.get("demo_events_total")?.type, "COUNTER");
  assert.deepEqual(
    byName.get("demo_events_total")?.metrics.map((m) => [m.labels?.kind, Number(m.value)]),
    [["a", 3], ["b", 1]],
  );
  assert.equal(byName.get("demo_level")?.type, "GAUGE");
  assert.equal(Number(byName.get("demo_level")?.metrics[0].value), -2.5);
  const hist = byName.get("demo_duration_seconds");
  assert.equal(hist?.type, "HISTOGRAM");
  const series = hist!.metrics[0];
  assert.ok(series.buckets);
  assert.equal(Object.keys(series.buckets).length, 16, "15 buckets plus +Inf");
  assert.equal(series.buckets["0.002"], "0");
  assert.equal(series.buckets["0.004"], "1");
  assert.equal(series.buckets["16.384"], "1", "20 s is above the largest bucket");
  assert.equal(series.buckets["+Inf"], "2");
  assert.equal(series.count, "2");
});

Deno.test("renderMetrics() escapes HELP text and label values", async () => {
  const registry = newRegistry();
  const g = new Gauge({
    name: "demo_escaped",
    help: 'Back\\slash and\nnewline "quoted"',
    labelNames: ["v"],
    registers: [registry],
  });
  g.set({ v: 'a"b\\c\nd' }, 1);
  const text = await renderMetrics(registry);
  assert.ok(text.includes('# HELP demo_escaped Back\\\\slash and\\nnewline "quoted"'), text);
  assert.ok(text.includes('demo_escaped{v="a\\"b\\\\c\\nd"} 1'), text);
  assertStrictSamples(text);
  const [family] = parseText(text);
  assert.equal(family.metrics[0].labels?.v, 'a"b\\c\nd');
});

Deno.test("SYNC_DURATION_BUCKETS are 0.001 s × 2^k for 15 buckets", () => {
  assert.equal(SYNC_DURATION_BUCKETS.length, 15);
  SYNC_DURATION_BUCKETS.forEach((b, k) => assert.ok(Math.abs(b - 0.001 * 2 ** k) < 1e-12));
});

Deno.test("NETWORK_PROGRAMMING_BUCKETS run from 0 to 5 minutes, strictly increasing", () => {
  const b = NETWORK_PROGRAMMING_BUCKETS;
  assert.deepEqual(b.slice(0, 5), [0, 0.25, 0.5, 1, 2]);
  assert.equal(b.at(-1), 300);
  assert.ok(b.includes(59) && b.includes(60) && b.includes(115) && b.includes(120));
  for (let i = 1; i < b.length; i++) assert.ok(b[i] > b[i - 1], `bucket ${i} not increasing`);
});

Deno.test("the bucket helpers are prom-client's and give upstream's Go buckets", async () => {
  const promClient = await import("prom-client");
  assert.equal(exponentialBuckets, promClient.exponentialBuckets);
  assert.equal(linearBuckets, promClient.linearBuckets);
  // prometheus.LinearBuckets(60, 5, 12) of upstream's network programming histogram.
  assert.deepEqual(linearBuckets(60, 5, 12), [60, 65, 70, 75, 80, 85, 90, 95, 100, 105, 110, 115]);
  assert.equal(NETWORK_PROGRAMMING_BUCKETS.length, 1 + 2 + 59 + 12 + 7);
  assert.throws(() => exponentialBuckets(0, 2, 3));
});

Deno.test("PROMETHEUS_TEXT_CONTENT_TYPE matches the registry's content type", () => {
  assert.equal(newRegistry().contentType, PROMETHEUS_TEXT_CONTENT_TYPE);
});
