import assert from "node:assert/strict";
import { startServerWithRetry } from "../../../src/cli/server_retry.ts";
import { startMetricsServer } from "../../../src/servers/metrics_server.ts";
import { newRegistry } from "../../../src/metrics/registry.ts";
import { Logger } from "../../../src/log/logger.ts";

function logger() {
  const lines: string[] = [];
  return { lines, log: new Logger({ write: (l) => lines.push(l) }) };
}

async function until(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 20));
  }
}

Deno.test("startServerWithRetry() logs a bind failure, keeps retrying, and serves once the port is free", async () => {
  // Another process holds the port (loopback only).
  const blocker = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (blocker.addr as Deno.NetAddr).port;
  const { lines, log } = logger();
  const registry = newRegistry();
  const s = await startServerWithRetry({
    name: "metrics server",
    address: `127.0.0.1:${port}`,
    start: () => startMetricsServer({ hostname: "127.0.0.1", port, registry }),
    hardFail: false,
    logger: log,
    retryMs: 50,
  });
  try {
    assert.equal(s.server, undefined);
    assert.ok(s.failures >= 1);
    assert.match(
      lines[0],
      /^E.*Cannot start the metrics server; retrying address=127\.0\.0\.1:\d+ error=.*retryIn=0\.05s/,
    );
    await until(() => s.failures >= 3);
    blocker.close();
    await until(() => s.server !== undefined);
    const res = await fetch(`http://127.0.0.1:${port}/metrics`);
    assert.equal(res.status, 200);
    await res.body?.cancel();
    assert.match(lines.join("\n"), /Started the metrics server after \d+ failed attempts/);
  } finally {
    await s.stop();
    try {
      blocker.close();
    } catch { /* closed */ }
  }
});

Deno.test("startServerWithRetry() rethrows the bind failure with hardFail", async () => {
  const blocker = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (blocker.addr as Deno.NetAddr).port;
  try {
    await assert.rejects(
      () =>
        startServerWithRetry({
          name: "metrics server",
          address: `127.0.0.1:${port}`,
          start: () => startMetricsServer({ hostname: "127.0.0.1", port, registry: newRegistry() }),
          hardFail: true,
          logger: logger().log,
        }),
      /Cannot start .* on 127\.0\.0\.1:\d+/,
    );
  } finally {
    blocker.close();
  }
});

Deno.test("startServerWithRetry() stops retrying when stopped", async () => {
  let attempts = 0;
  const s = await startServerWithRetry({
    name: "health check server",
    address: "x",
    start: () => {
      attempts++;
      throw new Error("address in use");
    },
    hardFail: false,
    logger: logger().log,
    retryMs: 20,
  });
  await until(() => attempts >= 2);
  await s.stop();
  const after = attempts;
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(attempts, after, "no attempt after stop()");
});
