import assert from "node:assert/strict";
// deno-lint-ignore no-import-prefix
import parsePrometheusText from "npm:parse-prometheus-text-format@1.1.1";
import { ProxyMetrics } from "../../../src/metrics/proxy_metrics.ts";
import { PROMETHEUS_TEXT_CONTENT_TYPE } from "../../../src/metrics/registry.ts";
import { startMetricsServer } from "../../../src/servers/metrics_server.ts";

Deno.test("startMetricsServer() serves the registry on /metrics in the text format", async () => {
  const metrics = new ProxyMetrics();
  metrics.serviceChanged(7);
  const server = startMetricsServer({ hostname: "127.0.0.1", port: 0, registry: metrics.registry });
  try {
    const res = await fetch(`http://127.0.0.1:${server.port}/metrics`);
    const text = await res.text();
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), PROMETHEUS_TEXT_CONTENT_TYPE);
    const families = parsePrometheusText(text) as unknown as {
      name: string;
      metrics: { value?: string }[];
    }[];
    const changes = families.find((f) =>
      f.name === "kubeproxy_sync_proxy_rules_service_changes_total"
    );
    assert.equal(changes?.metrics[0].value, "7");
    assert.ok(families.some((f) => f.name === "process_open_fds"));
    metrics.serviceChanged(1);
    const again = await (await fetch(`http://127.0.0.1:${server.port}/metrics`)).text();
    assert.match(
      again,
      /^kubeproxy_sync_proxy_rules_service_changes_total 8$/m,
      "rendered per scrape",
    );
  } finally {
    await server.stop();
  }
});

Deno.test("startMetricsServer() answers /proxyMode, 404 elsewhere and 405 for POST /metrics", async () => {
  const metrics = new ProxyMetrics({ processMetrics: false });
  const server = startMetricsServer({ hostname: "127.0.0.1", port: 0, registry: metrics.registry });
  try {
    const base = `http://127.0.0.1:${server.port}`;
    const mode = await fetch(`${base}/proxyMode`);
    assert.equal(await mode.text(), "nftables");
    const healthz = await fetch(`${base}/healthz`);
    await healthz.body?.cancel();
    assert.equal(healthz.status, 404);
    const post = await fetch(`${base}/metrics`, { method: "POST", body: "x" });
    await post.body?.cancel();
    assert.equal(post.status, 405);
  } finally {
    await server.stop();
  }
});

Deno.test("startMetricsServer() answers 500 when rendering fails", async () => {
  const registry = {
    metrics: () => Promise.reject(new Error("collector broke")),
  } as unknown as ProxyMetrics["registry"];
  const server = startMetricsServer({ hostname: "127.0.0.1", port: 0, registry });
  try {
    const res = await fetch(`http://127.0.0.1:${server.port}/metrics`);
    assert.equal(res.status, 500);
    assert.match(await res.text(), /collector broke/);
  } finally {
    await server.stop();
  }
});

Deno.test("startMetricsServer() rejects a missing registry", () => {
  assert.throws(
    () => startMetricsServer({ hostname: "127.0.0.1", port: 0, registry: null as never }),
    TypeError,
  );
});
