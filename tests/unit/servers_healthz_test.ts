import assert from "node:assert/strict";
import { ProxyMetrics } from "../../src/metrics/proxy_metrics.ts";
import { ServerStartError } from "../../src/servers/_http_server.ts";
import { startHealthzServer } from "../../src/servers/healthz_server.ts";
import { ProxyHealth } from "../../src/servers/proxy_health.ts";

async function get(port: number, path: string) {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  const text = await res.text();
  return { status: res.status, type: res.headers.get("content-type"), text };
}

Deno.test("startHealthzServer() answers /healthz and /livez 200 with times while healthy", async () => {
  let now = Date.parse("2024-05-01T10:00:00.000Z");
  const health = new ProxyHealth({ healthTimeoutMs: 60_000, now: () => now });
  health.synced();
  now += 5_000;
  const server = startHealthzServer({ hostname: "127.0.0.1", port: 0, health });
  try {
    assert.ok(server.port > 0);
    assert.equal(server.address, `127.0.0.1:${server.port}`);
    const healthz = await get(server.port, "/healthz");
    assert.equal(healthz.status, 200);
    assert.equal(healthz.type, "application/json");
    assert.deepEqual(JSON.parse(healthz.text), {
      lastUpdated: "2024-05-01T10:00:05.000Z",
      currentTime: "2024-05-01T10:00:05.000Z",
      nodeEligible: true,
    });
    const livez = await get(server.port, "/livez");
    assert.equal(livez.status, 200);
    assert.deepEqual(Object.keys(JSON.parse(livez.text)), ["lastUpdated", "currentTime"]);
  } finally {
    await server.stop();
  }
});

Deno.test("startHealthzServer() answers 503 with the last sync time once a change is late", async () => {
  let now = Date.parse("2024-05-01T10:00:00.000Z");
  const health = new ProxyHealth({ healthTimeoutMs: 60_000, now: () => now });
  health.synced();
  health.queued();
  now += 61_000;
  const metrics = new ProxyMetrics({ processMetrics: false });
  const server = startHealthzServer({ hostname: "127.0.0.1", port: 0, health, metrics });
  try {
    const healthz = await get(server.port, "/healthz");
    assert.equal(healthz.status, 503);
    assert.deepEqual(JSON.parse(healthz.text), {
      lastUpdated: "2024-05-01T10:00:00.000Z",
      currentTime: "2024-05-01T10:01:01.000Z",
      nodeEligible: true,
    });
    assert.equal((await get(server.port, "/livez")).status, 503);
    health.synced();
    assert.equal((await get(server.port, "/healthz")).status, 200);
    const text = await metrics.render();
    assert.match(text, /^kubeproxy_proxy_healthz_total\{code="503"\} 1$/m);
    assert.match(text, /^kubeproxy_proxy_healthz_total\{code="200"\} 1$/m);
    assert.match(text, /^kubeproxy_proxy_livez_total\{code="503"\} 1$/m);
  } finally {
    await server.stop();
  }
});

Deno.test("startHealthzServer(): /healthz fails for a node being deleted while /livez stays 200", async () => {
  const health = new ProxyHealth({ healthTimeoutMs: 60_000 });
  health.syncNode({ metadata: { name: "n1", deletionTimestamp: "2024-01-01T00:00:00Z" } });
  const server = startHealthzServer({ hostname: "127.0.0.1", port: 0, health, nodeName: "n1" });
  try {
    const healthz = await get(server.port, "/healthz");
    assert.equal(healthz.status, 503);
    assert.equal(JSON.parse(healthz.text).nodeEligible, false);
    assert.equal((await get(server.port, "/livez")).status, 200);
  } finally {
    await server.stop();
  }
});

Deno.test("startHealthzServer() answers 404 on other paths", async () => {
  const health = new ProxyHealth({ healthTimeoutMs: 60_000 });
  const server = startHealthzServer({ hostname: "127.0.0.1", port: 0, health });
  try {
    assert.equal((await get(server.port, "/")).status, 404);
    assert.equal((await get(server.port, "/metrics")).status, 404);
  } finally {
    await server.stop();
  }
});

Deno.test("startHealthzServer() throws ServerStartError when the port is taken, and stop() frees it", async () => {
  const health = new ProxyHealth({ healthTimeoutMs: 60_000 });
  const first = startHealthzServer({ hostname: "127.0.0.1", port: 0, health });
  let port = first.port;
  try {
    assert.throws(
      () => startHealthzServer({ hostname: "127.0.0.1", port, health }),
      (err: unknown) => err instanceof ServerStartError && err.address === `127.0.0.1:${port}`,
    );
  } finally {
    await first.stop();
  }
  const again = startHealthzServer({ hostname: "127.0.0.1", port, health });
  port = again.port;
  await again.stop();
  await again.stop(); // idempotent
});

Deno.test("startHealthzServer() validates its options", () => {
  const health = new ProxyHealth({ healthTimeoutMs: 60_000 });
  assert.throws(
    () => startHealthzServer({ hostname: "127.0.0.1", port: 70000, health }),
    RangeError,
  );
  assert.throws(() => startHealthzServer({ hostname: "", port: 0, health }), RangeError);
  assert.throws(
    () => startHealthzServer({ hostname: "127.0.0.1", port: 0, health: {} as never }),
    TypeError,
  );
});
