import assert from "node:assert/strict";
// deno-lint-ignore no-import-prefix
import parsePrometheusText from "npm:parse-prometheus-text-format@1.1.1";
import { PROXY_METRIC_NAMES, ProxyMetrics } from "../../src/metrics/proxy_metrics.ts";

interface Family {
  name: string;
  type: string;
  metrics: { value?: string; labels?: Record<string, string> }[];
}

function parseText(text: string): Family[] {
  return parsePrometheusText(text) as unknown as Family[];
}

/** One sample line: its name, labels and value. */
interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/**
 * Parses a scrape. The whole document goes through the parser first (it throws on
 * malformed lines); then each sample line is parsed alone, because the parser
 * folds labelled histograms together.
 */
async function scrape(
  m: ProxyMetrics,
): Promise<{ families: Map<string, Family>; samples: Sample[] }> {
  const text = await m.render();
  const families = new Map(parseText(text).map((f) => [f.name, f]));
  const samples = text.split("\n").filter((l) => l !== "" && !l.startsWith("#")).map((line) => {
    const [f] = parseText(line + "\n");
    return { name: f.name, labels: f.metrics[0].labels ?? {}, value: Number(f.metrics[0].value) };
  });
  return { families, samples };
}

function value(samples: Sample[], name: string, labels: Record<string, string> = {}) {
  return samples.find((s) =>
    s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)
  )?.value;
}

Deno.test("ProxyMetrics registers every upstream metric name with its type", async () => {
  const { families, samples } = await scrape(new ProxyMetrics());
  for (const name of PROXY_METRIC_NAMES) assert.ok(families.has(name), `missing ${name}`);
  const types: Record<string, string> = {
    kubeproxy_sync_proxy_rules_duration_seconds: "HISTOGRAM",
    kubeproxy_network_programming_duration_seconds: "HISTOGRAM",
    kubeproxy_sync_proxy_rules_last_timestamp_seconds: "GAUGE",
    kubeproxy_sync_proxy_rules_no_local_endpoints_total: "GAUGE",
    kubeproxy_sync_proxy_rules_nftables_sync_failures_total: "COUNTER",
    kubeproxy_sync_proxy_rules_drift_restored_total: "COUNTER",
    process_resident_memory_bytes: "GAUGE",
    process_cpu_seconds_total: "COUNTER",
  };
  for (const [name, type] of Object.entries(types)) assert.equal(families.get(name)?.type, type);
  assert.ok(value(samples, "process_resident_memory_bytes")! > 0);
  assert.equal(value(samples, "kubeproxy_sync_proxy_rules_nftables_sync_failures_total"), 0);
});

Deno.test("observeSync() feeds the overall and the per-kind histogram for each family", async () => {
  const m = new ProxyMetrics({ ipFamilies: ["IPv4", "IPv6"], processMetrics: false });
  m.observeSync("full", 0.005);
  m.observeSync("partial", 0.0015, "IPv6");
  const { samples } = await scrape(m);
  const all = "kubeproxy_sync_proxy_rules_duration_seconds";
  assert.equal(value(samples, `${all}_count`, { ip_family: "IPv4" }), 1);
  assert.equal(value(samples, `${all}_count`, { ip_family: "IPv6" }), 2);
  const sum = value(samples, `${all}_sum`, { ip_family: "IPv6" })!;
  assert.ok(Math.abs(sum - 0.0065) < 1e-9, `sum ${sum}`);
  assert.equal(value(samples, `${all}_bucket`, { ip_family: "IPv6", le: "0.001" }), 0);
  assert.equal(value(samples, `${all}_bucket`, { ip_family: "IPv6", le: "0.002" }), 1);
  assert.equal(value(samples, `${all}_bucket`, { ip_family: "IPv6", le: "0.008" }), 2);
  assert.equal(value(samples, `${all}_bucket`, { ip_family: "IPv4", le: "+Inf" }), 1);
  const full = "kubeproxy_sync_full_proxy_rules_duration_seconds_count";
  const partial = "kubeproxy_sync_partial_proxy_rules_duration_seconds_count";
  assert.equal(value(samples, full, { ip_family: "IPv4" }), 1);
  assert.equal(value(samples, partial, { ip_family: "IPv4" }), undefined, "no partial IPv4 sync");
  assert.equal(value(samples, partial, { ip_family: "IPv6" }), 1);
});

Deno.test("synced() and queued() set timestamps in seconds", async () => {
  const m = new ProxyMetrics({ processMetrics: false });
  m.queued(1_700_000_000_250);
  m.synced(1_700_000_001_500);
  const { samples } = await scrape(m);
  const q = "kubeproxy_sync_proxy_rules_last_queued_timestamp_seconds";
  assert.equal(value(samples, q, { ip_family: "IPv4" }), 1_700_000_000.25);
  const s = "kubeproxy_sync_proxy_rules_last_timestamp_seconds";
  assert.equal(value(samples, s, { ip_family: "IPv4" }), 1_700_000_001.5);
});

Deno.test("counters and gauges follow the calls", async () => {
  const m = new ProxyMetrics({ processMetrics: false });
  m.serviceChanged(3);
  m.serviceChanged();
  m.endpointsChanged(2);
  m.setPendingChanges({ services: 5, endpoints: 7 });
  m.syncFailed();
  m.syncFailed();
  m.driftRestored();
  m.setNoLocalEndpoints({ internal: 1, external: 4 });
  m.conntrackEntriesDeleted(6);
  m.healthzResponded(200);
  m.healthzResponded(503);
  m.healthzResponded(503);
  m.livezResponded(200);
  const { samples } = await scrape(m);
  const v = (name: string, labels: Record<string, string> = {}) => value(samples, name, labels);
  assert.equal(v("kubeproxy_sync_proxy_rules_service_changes_total"), 4);
  assert.equal(v("kubeproxy_sync_proxy_rules_endpoint_changes_total"), 2);
  assert.equal(v("kubeproxy_sync_proxy_rules_service_changes_pending"), 5);
  assert.equal(v("kubeproxy_sync_proxy_rules_endpoint_changes_pending"), 7);
  assert.equal(v("kubeproxy_sync_proxy_rules_nftables_sync_failures_total"), 2);
  assert.equal(v("kubeproxy_sync_proxy_rules_drift_restored_total"), 1);
  const noLocal = "kubeproxy_sync_proxy_rules_no_local_endpoints_total";
  assert.equal(v(noLocal, { traffic_policy: "internal", ip_family: "IPv4" }), 1);
  assert.equal(v(noLocal, { traffic_policy: "external", ip_family: "IPv4" }), 4);
  assert.equal(v("kubeproxy_conntrack_reconciler_deleted_entries_total"), 6);
  assert.equal(v("kubeproxy_proxy_healthz_total", { code: "503" }), 2);
  assert.equal(v("kubeproxy_proxy_healthz_total", { code: "200" }), 1);
  assert.equal(v("kubeproxy_proxy_livez_total", { code: "200" }), 1);
});

Deno.test("networkProgrammed() observes latencies and skips trigger times in the future", async () => {
  const m = new ProxyMetrics({ processMetrics: false });
  const now = 1_700_000_100_000;
  m.networkProgrammed([now - 1_500, now - 70_000, now + 5_000, Number.NaN], now);
  const { samples } = await scrape(m);
  const h = "kubeproxy_network_programming_duration_seconds";
  assert.equal(value(samples, `${h}_count`), 2);
  assert.equal(value(samples, `${h}_sum`), 71.5);
  assert.equal(value(samples, `${h}_bucket`, { le: "0" }), 0);
  assert.equal(value(samples, `${h}_bucket`, { le: "1" }), 0);
  assert.equal(value(samples, `${h}_bucket`, { le: "2" }), 1);
  assert.equal(value(samples, `${h}_bucket`, { le: "70" }), 2);
});

Deno.test("ProxyMetrics rejects invalid arguments with RangeError", () => {
  assert.throws(() => new ProxyMetrics({ ipFamilies: [] }), RangeError);
  assert.throws(() => new ProxyMetrics({ ipFamilies: ["IPv5" as never] }), RangeError);
  const m = new ProxyMetrics({ processMetrics: false });
  assert.throws(() => m.observeSync("full", -1), RangeError);
  assert.throws(() => m.observeSync("quick" as never, 1), RangeError);
  assert.throws(() => m.serviceChanged(1.5), RangeError);
  assert.throws(() => m.setPendingChanges({ services: -1, endpoints: 0 }), RangeError);
  assert.throws(() => m.syncFailed("ipv4" as never), RangeError);
});

Deno.test("two ProxyMetrics instances do not share a registry", async () => {
  const a = new ProxyMetrics({ processMetrics: false });
  const b = new ProxyMetrics({ processMetrics: false });
  a.serviceChanged(9);
  const { samples } = await scrape(b);
  assert.equal(value(samples, "kubeproxy_sync_proxy_rules_service_changes_total"), 0);
  assert.equal(
    value((await scrape(a)).samples, "kubeproxy_sync_proxy_rules_service_changes_total"),
    9,
  );
});
