/**
 * A soak and throughput tool for the proxy's HTTP servers (not a test).
 * It starts `/healthz`, `/metrics` and one health check node port on
 * 127.0.0.1 in a child process, loads them from this process, and prints the
 * child's open descriptors, RSS and V8 heap every 10 s, so fd and memory
 * slopes can be read off.
 *
 * ```sh
 * deno run -A tests/support/servers_soak.ts soak 180   # mixed clients for 180 s
 * deno run -A tests/support/servers_soak.ts rate 10    # GET /healthz, 8 clients, 10 s
 * ```
 *
 * The mixed load: 50 % GET /healthz or /livez, 20 % GET /metrics, 15 % GET on
 * the health check port, 5 % garbage request lines, 5 % connections closed
 * without a request, 5 % Slowloris heads (a byte every 100 ms, cut off by
 * the 500 ms header deadline).
 *
 * @module
 */

const ROOT = new URL("../../", import.meta.url);

async function serve(): Promise<void> {
  const { startHealthzServer } = await import("../../src/servers/healthz_server.ts");
  const { startMetricsServer } = await import("../../src/servers/metrics_server.ts");
  const { ProxyHealth } = await import("../../src/servers/proxy_health.ts");
  const { ProxyMetrics } = await import("../../src/metrics/proxy_metrics.ts");
  const { HealthCheckNodePorts } = await import("../../src/servers/health_check_node_ports.ts");
  const health = new ProxyHealth({ healthTimeoutMs: 60_000 });
  health.synced();
  const metrics = new ProxyMetrics({ ipFamilies: ["IPv4", "IPv6"] });
  const limits = { headerTimeoutMs: 500, responseTimeoutMs: 1_000 };
  const hz = startHealthzServer({ hostname: "127.0.0.1", port: 0, health, metrics, limits });
  const ms = startMetricsServer({
    hostname: "127.0.0.1",
    port: 0,
    registry: metrics.registry,
    limits,
  });
  const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const hcPort = (probe.addr as Deno.NetAddr).port;
  probe.close();
  const hc = new HealthCheckNodePorts({ addresses: ["127.0.0.1"], limits });
  await hc.update(new Map([[hcPort, { namespace: "ns", name: "lb", localEndpointIPs: 1 }]]));
  console.log(JSON.stringify({ hz: hz.port, ms: ms.port, hc: hcPort }));
  const t0 = Date.now();
  setInterval(() => {
    const fds = [...Deno.readDirSync("/proc/self/fd")].length;
    const m = Deno.memoryUsage();
    console.error(
      `${Math.round((Date.now() - t0) / 1000)}s fds=${fds} rss=${Math.round(m.rss / 1e6)}MB ` +
        `heap=${Math.round(m.heapUsed / 1e6)}MB`,
    );
  }, 10_000);
}

const enc = new TextEncoder();

async function get(port: number, path: string): Promise<boolean> {
  try {
    const r = await fetch(`http://127.0.0.1:${port}${path}`);
    await r.arrayBuffer();
    return r.status === 200;
  } catch {
    return false;
  }
}

async function raw(port: number, text: string, dribble: boolean): Promise<void> {
  let c: Deno.Conn;
  try {
    c = await Deno.connect({ hostname: "127.0.0.1", port });
  } catch {
    return;
  }
  try {
    for (const chunk of dribble ? [...enc.encode(text)].map((b) => [b]) : [[...enc.encode(text)]]) {
      if (chunk.length) await c.write(Uint8Array.from(chunk));
      if (dribble) await new Promise((r) => setTimeout(r, 100));
    }
    const buf = new Uint8Array(4096);
    while ((await c.read(buf)) !== null) { /* until the server closes */ }
  } catch {
    // Reset or closed by the deadline: expected for the bad clients.
  } finally {
    c.close();
  }
}

async function load(mode: string, seconds: number): Promise<void> {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      `--config=${new URL("deno.json", ROOT).pathname}`,
      import.meta.filename!,
      "serve",
    ],
    stdout: "piped",
    stderr: "inherit",
    env: { DENO_NO_UPDATE_CHECK: "1" },
  }).spawn();
  const reader = child.stdout.getReader();
  const { value } = await reader.read();
  const ports = JSON.parse(new TextDecoder().decode(value).split("\n")[0]);
  const stopAt = Date.now() + seconds * 1000;
  let ok = 0;
  const latencies: number[] = [];
  await Promise.all(Array.from({ length: 8 }, async (_, w) => {
    while (Date.now() < stopAt) {
      const k = mode === "rate" ? 0 : Math.random();
      const t = performance.now();
      // (Not `ok += Number(await ...)`: that reads `ok` before the await and loses updates.)
      let answered = false;
      if (k < 0.5) answered = await get(ports.hz, w % 2 ? "/healthz" : "/livez");
      else if (k < 0.7) answered = await get(ports.ms, "/metrics");
      else if (k < 0.85) answered = await get(ports.hc, "/");
      else if (k < 0.9) await raw(ports.hz, "GARBAGE\r\n\r\n", false);
      else if (k < 0.95) await raw(ports.hz, "", false);
      else await raw(ports.hz, "GET / HTTP/1.1\r\nHost: x\r\nX: yyyyyyyyyy", true);
      if (answered) ok++;
      if (mode === "rate") latencies.push(performance.now() - t);
    }
  }));
  await new Promise((r) => setTimeout(r, 10_500)); // one more sample, idle
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.floor(latencies.length * p)]?.toFixed(2);
  console.log(
    `ok=${ok} rate=${Math.round(ok / seconds)}/s` +
      (mode === "rate" ? ` p50=${pct(0.5)}ms p99=${pct(0.99)}ms` : ""),
  );
  reader.releaseLock();
  child.kill("SIGTERM");
  await child.status;
}

const [mode = "soak", secs = "60"] = Deno.args;
if (mode === "serve") await serve();
else await load(mode, Number(secs));
