import assert from "node:assert/strict";
// deno-lint-ignore no-import-prefix
import parsePrometheusText from "npm:parse-prometheus-text-format@1.1.1";
import { PROXY_METRIC_NAMES, ProxyMetrics } from "../../../src/metrics/proxy_metrics.ts";
import { VERSION } from "../../../src/util/version.ts";

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

Deno.test("per-family values are recorded for their family only, never copied to the other", async () => {
  const m = new ProxyMetrics({ ipFamilies: ["IPv4", "IPv6"], processMetrics: false });
  m.setServicePortsWithoutLocalEndpoints("IPv6", { internal: 1, external: 2 });
  m.conntrackReconciled("IPv6", { seconds: 0.004, deleted: 7 });
  m.networkProgrammed([1_000], 3_000, "IPv6");
  m.driftRestored("IPv6");
  // The older family-less forms (deprecated) record for the first family only.
  m.setNoLocalEndpoints({ internal: 3, external: 4 });
  m.conntrackEntriesDeleted(5);
  m.networkProgrammed([2_000], 3_000);
  m.driftRestored();
  const { samples } = await scrape(m);
  const v = (name: string, labels: Record<string, string>) => value(samples, name, labels);
  const noLocal = "kubeproxy_sync_proxy_rules_no_local_endpoints_total";
  assert.equal(v(noLocal, { ip_family: "IPv6", traffic_policy: "internal" }), 1);
  assert.equal(v(noLocal, { ip_family: "IPv6", traffic_policy: "external" }), 2);
  assert.equal(v(noLocal, { ip_family: "IPv4", traffic_policy: "internal" }), 3);
  assert.equal(v(noLocal, { ip_family: "IPv4", traffic_policy: "external" }), 4);
  const deleted = "kubeproxy_conntrack_reconciler_deleted_entries_total";
  assert.equal(v(deleted, { ip_family: "IPv6" }), 7);
  assert.equal(v(deleted, { ip_family: "IPv4" }), 5);
  const programmed = "kubeproxy_network_programming_duration_seconds_sum";
  assert.equal(v(programmed, { ip_family: "IPv6" }), 2);
  assert.equal(v(programmed, { ip_family: "IPv4" }), 1);
  const drift = "kubeproxy_sync_proxy_rules_drift_restored_total";
  assert.equal(v(drift, { ip_family: "IPv6" }), 1);
  assert.equal(v(drift, { ip_family: "IPv4" }), 1);
});

Deno.test("sync-level calls record for the families given, or for every programmed family", async () => {
  const m = new ProxyMetrics({ ipFamilies: ["IPv4", "IPv6"], processMetrics: false });
  m.observeSync("partial", 0.002, ["IPv4"]);
  m.observeSync("full", 0.5); // one transaction wrote both tables
  m.syncFailed("IPv6");
  m.synced(1_700_000_000_000, "IPv4");
  const { samples } = await scrape(m);
  const count = "kubeproxy_sync_proxy_rules_duration_seconds_count";
  assert.equal(value(samples, count, { ip_family: "IPv4" }), 2);
  assert.equal(value(samples, count, { ip_family: "IPv6" }), 1);
  const failures = "kubeproxy_sync_proxy_rules_nftables_sync_failures_total";
  assert.equal(value(samples, failures, { ip_family: "IPv4" }), 0);
  assert.equal(value(samples, failures, { ip_family: "IPv6" }), 1);
  const last = "kubeproxy_sync_proxy_rules_last_timestamp_seconds";
  assert.equal(value(samples, last, { ip_family: "IPv4" }), 1_700_000_000);
  assert.equal(value(samples, last, { ip_family: "IPv6" }), undefined);
});

Deno.test("ip_family labels are on exactly the metrics upstream labels with it", async () => {
  const m = new ProxyMetrics({ ipFamilies: ["IPv4", "IPv6"], processMetrics: false });
  // Feed every API so every series exists.
  m.observeSync("full", 0.1);
  m.observeSync("partial", 0.1);
  m.synced();
  m.queued();
  m.syncFailed();
  m.cleanupFailed();
  m.driftRestored("IPv4");
  m.serviceChanged();
  m.endpointsChanged();
  m.setPendingChanges({ services: 1, endpoints: 1 });
  m.networkProgrammed([Date.now() - 1_000], Date.now(), "IPv4");
  m.setServicePortsWithoutLocalEndpoints("IPv4", { internal: 0, external: 0 });
  m.conntrackReconciled("IPv4", { seconds: 0.1, deleted: 0 });
  m.healthzResponded(200);
  m.livezResponded(200);
  m.observeNftApply("full", 0.1);
  const { samples } = await scrape(m);
  const base = (name: string) => name.replace(/_(bucket|sum|count)$/, "");
  const withFamily = new Set(
    samples.filter((s) => "ip_family" in s.labels).map((s) => base(s.name)),
  );
  const withoutFamily = new Set(
    samples.filter((s) => !("ip_family" in s.labels)).map((s) => base(s.name)),
  );
  // Upstream (kube-proxy 1.33+ metrics reference), plus our drift counter which is per table.
  assert.deepEqual([...withFamily].sort(), [
    "kubeproxy_conntrack_reconciler_deleted_entries_total",
    "kubeproxy_conntrack_reconciler_sync_duration_seconds",
    "kubeproxy_network_programming_duration_seconds",
    "kubeproxy_sync_full_proxy_rules_duration_seconds",
    "kubeproxy_sync_partial_proxy_rules_duration_seconds",
    "kubeproxy_sync_proxy_rules_drift_restored_total",
    "kubeproxy_sync_proxy_rules_duration_seconds",
    "kubeproxy_sync_proxy_rules_last_queued_timestamp_seconds",
    "kubeproxy_sync_proxy_rules_last_timestamp_seconds",
    "kubeproxy_sync_proxy_rules_nftables_cleanup_failures_total",
    "kubeproxy_sync_proxy_rules_nftables_sync_failures_total",
    "kubeproxy_sync_proxy_rules_no_local_endpoints_total",
  ]);
  for (const name of withFamily) {
    assert.ok(!withoutFamily.has(name), `${name} has unlabelled series`);
  }
  for (
    const name of [
      "kubeproxy_sync_proxy_rules_service_changes_total",
      "kubeproxy_sync_proxy_rules_endpoint_changes_pending",
      "kubeproxy_proxy_healthz_total",
      "kubernetes_build_info",
    ]
  ) assert.ok(withoutFamily.has(name), name);
});

Deno.test("conntrackReconciled() observes the run's duration and adds its deletions, zero included", async () => {
  const m = new ProxyMetrics({ processMetrics: false });
  m.conntrackReconciled("IPv4", { seconds: 0.003, deleted: 0 });
  m.conntrackReconciled("IPv4", { seconds: 0.05, deleted: 4 });
  const { families, samples } = await scrape(m);
  const h = "kubeproxy_conntrack_reconciler_sync_duration_seconds";
  assert.equal(families.get(h)?.type, "HISTOGRAM");
  assert.equal(value(samples, `${h}_count`, { ip_family: "IPv4" }), 2);
  assert.equal(value(samples, `${h}_bucket`, { ip_family: "IPv4", le: "0.004" }), 1);
  assert.equal(
    value(samples, "kubeproxy_conntrack_reconciler_deleted_entries_total", { ip_family: "IPv4" }),
    4,
  );
  assert.throws(() => m.conntrackReconciled("IPv4", { seconds: -1, deleted: 0 }), RangeError);
  assert.throws(
    () => m.conntrackReconciled("ipv4" as never, { seconds: 1, deleted: 0 }),
    RangeError,
  );
});

Deno.test("the proxy's own gauges start at zero and follow their setters", async () => {
  const m = new ProxyMetrics({ processMetrics: false });
  const before = (await scrape(m)).samples;
  assert.equal(value(before, "kubeproxy_invalid_objects", { kind: "EndpointSlice" }), 0);
  assert.equal(value(before, "kubeproxy_refused_service_addresses", { reason: "cluster_ip" }), 0);
  assert.equal(value(before, "kubeproxy_quarantined_services"), 0);
  assert.equal(value(before, "kubeproxy_services_over_limit"), 0);
  m.setInvalidObjects({ Service: 2, Node: 1 });
  m.setRefusedServiceAddresses({ claimed: 3, future_reason: 1 });
  m.setQuarantinedServices(4);
  m.setServicesOverLimit(5);
  m.observeNftApply("partial", 0.02);
  m.observeNftApply("partial", 0.03);
  m.setInvalidObjects({ Service: 1 }); // replaces: Node back to 0
  m.setRefusedServiceAddresses({ claimed: 3 }); // replaces: future_reason gone
  const { samples } = await scrape(m);
  assert.equal(value(samples, "kubeproxy_invalid_objects", { kind: "Service" }), 1);
  assert.equal(value(samples, "kubeproxy_invalid_objects", { kind: "Node" }), 0);
  assert.equal(value(samples, "kubeproxy_refused_service_addresses", { reason: "claimed" }), 3);
  assert.equal(
    value(samples, "kubeproxy_refused_service_addresses", { reason: "future_reason" }),
    undefined,
  );
  assert.equal(value(samples, "kubeproxy_quarantined_services"), 4);
  assert.equal(value(samples, "kubeproxy_services_over_limit"), 5);
  assert.equal(
    value(samples, "kubeproxy_nftables_apply_duration_seconds_count", { kind: "partial" }),
    2,
  );
  assert.throws(() => m.setInvalidObjects({ Pod: 1 } as never), RangeError);
  assert.throws(() => m.setRefusedServiceAddresses({ "Bad-Reason": 1 }), RangeError);
  assert.throws(() => m.setQuarantinedServices(-1), RangeError);
  assert.throws(() => m.observeNftApply("list" as never, 1), RangeError);
});

Deno.test("kubernetes_build_info carries upstream's labels with this proxy's values", async () => {
  const m = new ProxyMetrics({ processMetrics: false, buildInfo: { git_commit: "abc123" } });
  const { samples } = await scrape(m);
  const info = samples.find((s) => s.name === "kubernetes_build_info");
  assert.ok(info);
  assert.equal(info.value, 1);
  assert.deepEqual(Object.keys(info.labels).sort(), [
    "build_date",
    "compiler",
    "git_commit",
    "git_tree_state",
    "git_version",
    "go_version",
    "major",
    "minor",
    "platform",
  ]);
  assert.equal(info.labels.git_commit, "abc123");
  assert.equal(info.labels.git_version, `v${VERSION}`);
  assert.equal(
    `${info.labels.major}.${info.labels.minor}`,
    VERSION.split(".").slice(0, 2).join("."),
  );
  assert.equal(info.labels.go_version, `deno${Deno.version.deno}`);
  assert.match(info.labels.platform, /^linux\/(amd64|arm64)$/);
  const none = await scrape(new ProxyMetrics({ processMetrics: false, buildInfo: false }));
  assert.equal(none.families.has("kubernetes_build_info"), false);
});
