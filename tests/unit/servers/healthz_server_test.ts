import assert from "node:assert/strict";
import { ProxyMetrics } from "../../../src/metrics/proxy_metrics.ts";
import { ServerStartError } from "../../../src/servers/_http_server.ts";
import { formatGoTime, startHealthzServer } from "../../../src/servers/healthz_server.ts";
import { ProxyHealth } from "../../../src/servers/proxy_health.ts";

async function get(port: number, path: string) {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  const text = await res.text();
  return {
    status: res.status,
    type: res.headers.get("content-type"),
    nosniff: res.headers.get("x-content-type-options"),
    text,
  };
}

Deno.test("startHealthzServer() answers /healthz and /livez 200 with upstream's body while healthy", async () => {
  let now = Date.parse("2024-05-01T10:00:00.000Z");
  const health = new ProxyHealth({ healthTimeoutMs: 60_000, now: () => now });
  health.synced();
  now += 5_250;
  const server = startHealthzServer({ hostname: "127.0.0.1", port: 0, health });
  try {
    assert.ok(server.port > 0);
    assert.equal(server.address, `127.0.0.1:${server.port}`);
    const healthz = await get(server.port, "/healthz");
    assert.equal(healthz.status, 200);
    assert.equal(healthz.type, "application/json");
    assert.equal(healthz.nosniff, "nosniff");
    // Field order as upstream's json.Marshal of its ProxyHealth struct; times as Go prints them.
    assert.equal(
      healthz.text,
      '{"lastUpdated":"2024-05-01T10:00:05.25Z","currentTime":"2024-05-01T10:00:05.25Z",' +
        '"nodeEligible":true,"healthy":true,"status":{' +
        '"IPv4":{"lastUpdated":"2024-05-01T10:00:00Z","healthy":true},' +
        '"IPv6":{"lastUpdated":"2024-05-01T10:00:00Z","healthy":true}},' +
        '"quarantinedServices":[]}',
    );
    const livez = await get(server.port, "/livez");
    assert.equal(livez.status, 200);
    assert.deepEqual(Object.keys(JSON.parse(livez.text)), [
      "lastUpdated",
      "currentTime",
      "healthy",
      "status",
    ]);
  } finally {
    await server.stop();
  }
});

Deno.test("startHealthzServer() answers 503 with the last sync time once a change is late", async () => {
  let now = Date.parse("2024-05-01T10:00:00.000Z");
  const health = new ProxyHealth({ healthTimeoutMs: 60_000, now: () => now, ipFamilies: ["IPv4"] });
  health.synced();
  health.queued();
  now += 61_000;
  const metrics = new ProxyMetrics({ processMetrics: false });
  const server = startHealthzServer({ hostname: "127.0.0.1", port: 0, health, metrics });
  try {
    const healthz = await get(server.port, "/healthz");
    assert.equal(healthz.status, 503);
    assert.deepEqual(JSON.parse(healthz.text), {
      lastUpdated: "2024-05-01T10:00:00Z",
      currentTime: "2024-05-01T10:01:01Z",
      nodeEligible: true,
      healthy: false,
      status: { IPv4: { lastUpdated: "2024-05-01T10:00:00Z", healthy: false } },
      quarantinedServices: [],
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

Deno.test("startHealthzServer() prints Go's zero time and no status before the first sync", async () => {
  const now = Date.parse("2024-05-01T10:00:00.000Z");
  const health = new ProxyHealth({ healthTimeoutMs: 60_000, now: () => now });
  health.syncNode(null);
  const server = startHealthzServer({ hostname: "127.0.0.1", port: 0, health });
  try {
    const healthz = await get(server.port, "/healthz");
    assert.equal(healthz.status, 503, "the Node is gone");
    assert.deepEqual(JSON.parse(healthz.text), {
      lastUpdated: "0001-01-01T00:00:00Z",
      currentTime: "2024-05-01T10:00:00Z",
      nodeEligible: false,
      healthy: true,
      quarantinedServices: [],
    });
  } finally {
    await server.stop();
  }
});

Deno.test("startHealthzServer() lists quarantined Services on /healthz only, without failing it", async () => {
  const health = new ProxyHealth({ healthTimeoutMs: 60_000 });
  health.synced();
  health.setQuarantinedServices(["web/b", "app/a", "web/b"]);
  const server = startHealthzServer({ hostname: "127.0.0.1", port: 0, health });
  try {
    const healthz = await get(server.port, "/healthz");
    assert.equal(healthz.status, 200);
    assert.deepEqual(JSON.parse(healthz.text).quarantinedServices, ["app/a", "web/b"]);
    assert.equal(
      JSON.parse((await get(server.port, "/livez")).text).quarantinedServices,
      undefined,
    );
  } finally {
    await server.stop();
  }
});

Deno.test("startHealthzServer() answers on IPv6 loopback", async () => {
  const health = new ProxyHealth({ healthTimeoutMs: 60_000 });
  const server = startHealthzServer({ hostname: "::1", port: 0, health });
  try {
    const res = await fetch(`http://[::1]:${server.port}/livez`);
    assert.equal(res.status, 200);
    assert.equal(JSON.parse(await res.text()).healthy, true);
  } finally {
    await server.stop();
  }
});

Deno.test("formatGoTime() prints times as Go's time.Time JSON does", () => {
  assert.equal(formatGoTime(null), "0001-01-01T00:00:00Z");
  assert.equal(formatGoTime(Date.parse("2024-05-01T10:00:00.000Z")), "2024-05-01T10:00:00Z");
  assert.equal(formatGoTime(Date.parse("2024-05-01T10:00:00.100Z")), "2024-05-01T10:00:00.1Z");
  assert.equal(formatGoTime(Date.parse("2024-05-01T10:00:00.010Z")), "2024-05-01T10:00:00.01Z");
  assert.equal(formatGoTime(Date.parse("2024-05-01T10:00:00.123Z")), "2024-05-01T10:00:00.123Z");
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

Deno.test("startHealthzServer() answers 404 on other paths and 405 to other methods", async () => {
  const health = new ProxyHealth({ healthTimeoutMs: 60_000 });
  const server = startHealthzServer({ hostname: "127.0.0.1", port: 0, health });
  try {
    assert.equal((await get(server.port, "/")).status, 404);
    assert.equal((await get(server.port, "/metrics")).status, 404);
    const post = await fetch(`http://127.0.0.1:${server.port}/healthz`, { method: "POST" });
    await post.body?.cancel();
    assert.equal(post.status, 405);
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
