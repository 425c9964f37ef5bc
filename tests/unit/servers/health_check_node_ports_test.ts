import assert from "node:assert/strict";
import { Logger } from "../../../src/log/logger.ts";
import {
  countUniqueIPs,
  HealthCheckNodePorts,
  type HealthCheckService,
} from "../../../src/servers/health_check_node_ports.ts";

/** Returns ports that were free a moment ago on 127.0.0.1. */
function freePorts(n: number): number[] {
  const listeners = Array.from(
    { length: n },
    () => Deno.listen({ hostname: "127.0.0.1", port: 0 }),
  );
  const ports = listeners.map((l) => (l.addr as Deno.NetAddr).port);
  for (const l of listeners) l.close();
  return ports;
}

async function probe(port: number, path = "/", host = "127.0.0.1") {
  const res = await fetch(`http://${host}:${port}${path}`);
  return {
    status: res.status,
    weight: res.headers.get("x-load-balancing-endpoint-weight"),
    body: await res.text(),
  };
}

async function refused(port: number, host = "127.0.0.1"): Promise<boolean> {
  try {
    const res = await fetch(`http://${host}:${port}/`);
    await res.body?.cancel();
    return false;
  } catch {
    return true;
  }
}

function svc(name: string, localEndpointIPs: number): HealthCheckService {
  return { namespace: "ns", name, localEndpointIPs };
}

Deno.test("HealthCheckNodePorts answers 200 with local endpoints and 503 without, on any path", async () => {
  const [p1, p2] = freePorts(2);
  const hc = new HealthCheckNodePorts({ addresses: ["127.0.0.1"] });
  try {
    await hc.update(new Map([[p1, svc("web", 2)], [p2, svc("empty", 0)]]));
    assert.deepEqual(hc.openPorts(), [p1, p2].sort((a, b) => a - b));
    const ok = await probe(p1, "/any/path");
    assert.equal(ok.status, 200);
    assert.deepEqual(JSON.parse(ok.body), {
      service: { namespace: "ns", name: "web" },
      localEndpoints: 2,
      serviceProxyHealthy: true,
    });
    const none = await probe(p2);
    assert.equal(none.status, 503);
    assert.deepEqual(JSON.parse(none.body), {
      service: { namespace: "ns", name: "empty" },
      localEndpoints: 0,
      serviceProxyHealthy: true,
    });
  } finally {
    await hc.stop();
  }
});

Deno.test("HealthCheckNodePorts.update() changes counts in place and closes ports no longer wanted", async () => {
  const [p1, p2] = freePorts(2);
  const hc = new HealthCheckNodePorts({ addresses: ["127.0.0.1"] });
  try {
    await hc.update(new Map([[p1, svc("a", 0)], [p2, svc("b", 1)]]));
    assert.equal((await probe(p1)).status, 503);
    await hc.update(new Map([[p1, svc("a", 3)]]));
    const a = await probe(p1);
    assert.equal(a.status, 200);
    assert.equal(JSON.parse(a.body).localEndpoints, 3);
    assert.deepEqual(hc.openPorts(), [p1]);
    assert.ok(await refused(p2), `port ${p2} should be closed`);
    await hc.update(new Map());
    assert.deepEqual(hc.openPorts(), []);
    assert.ok(await refused(p1), `port ${p1} should be closed`);
  } finally {
    await hc.stop();
  }
});

Deno.test("HealthCheckNodePorts reports 503 while the proxy itself is unhealthy", async () => {
  const [port] = freePorts(1);
  let healthy = false;
  const hc = new HealthCheckNodePorts({ addresses: ["127.0.0.1"], proxyHealthy: () => healthy });
  try {
    await hc.update(new Map([[port, svc("web", 1)]]));
    const bad = await probe(port);
    assert.equal(bad.status, 503);
    assert.equal(JSON.parse(bad.body).serviceProxyHealthy, false);
    healthy = true;
    assert.equal((await probe(port)).status, 200);
  } finally {
    await hc.stop();
  }
});

Deno.test("HealthCheckNodePorts logs a port it cannot bind and retries it on the next update", async () => {
  const occupant = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const busy = (occupant.addr as Deno.NetAddr).port;
  const [other] = freePorts(1);
  const lines: string[] = [];
  const logger = new Logger({ write: (l) => lines.push(l) });
  const hc = new HealthCheckNodePorts({ addresses: ["127.0.0.1"], logger, nodeName: "node-a" });
  let occupantOpen = true;
  try {
    const wanted = new Map([[busy, svc("blocked", 1)], [other, svc("fine", 1)]]);
    await hc.update(wanted);
    assert.deepEqual(hc.openPorts(), [other], "the free port opens despite the busy one");
    const error = lines.find((l) => l.startsWith("E"));
    assert.ok(error, `an error line, got ${JSON.stringify(lines)}`);
    assert.match(error, /service=ns\/blocked/);
    assert.match(error, new RegExp(`port=${busy}`));
    occupant.close();
    occupantOpen = false;
    await hc.update(wanted);
    assert.deepEqual(hc.openPorts(), [busy, other].sort((a, b) => a - b));
    assert.equal((await probe(busy)).status, 200);
  } finally {
    if (occupantOpen) occupant.close();
    await hc.stop();
  }
});

Deno.test("HealthCheckNodePorts.update() rejects invalid entries before changing anything", async () => {
  const [port] = freePorts(1);
  const hc = new HealthCheckNodePorts({ addresses: ["127.0.0.1"] });
  try {
    await hc.update(new Map([[port, svc("web", 1)]]));
    const bad: [number, HealthCheckService][] = [
      [0, svc("x", 1)],
      [70000, svc("x", 1)],
      [port, { namespace: "", name: "x", localEndpointIPs: 1 }],
      [port, { namespace: "ns", name: "x" }],
      [port, { namespace: "ns", name: "x", localEndpointIPs: 1, localEndpoints: 2 }],
      [port, svc("x", -1)],
      [port, svc("x", 1.5)],
    ];
    for (const entry of bad) {
      await assert.rejects(hc.update(new Map([entry])), RangeError, JSON.stringify(entry));
    }
    assert.deepEqual(hc.openPorts(), [port]);
    assert.equal(JSON.parse((await probe(port)).body).service.name, "web");
  } finally {
    await hc.stop();
  }
});

Deno.test("HealthCheckNodePorts.stop() closes every port and rejects later updates", async () => {
  const [p1, p2] = freePorts(2);
  const hc = new HealthCheckNodePorts({ addresses: ["127.0.0.1"] });
  await hc.update(new Map([[p1, svc("a", 1)], [p2, svc("b", 1)]]));
  await hc.stop();
  assert.deepEqual(hc.openPorts(), []);
  assert.ok(await refused(p1));
  assert.ok(await refused(p2));
  await assert.rejects(hc.update(new Map()), /stopped/);
});

Deno.test("HealthCheckNodePorts serialises concurrent updates; the last one wins", async () => {
  const [p1, p2] = freePorts(2);
  const hc = new HealthCheckNodePorts({ addresses: ["127.0.0.1"] });
  try {
    const first = hc.update(new Map([[p1, svc("a", 1)]]));
    const second = hc.update(new Map([[p2, svc("b", 1)]]));
    await Promise.all([first, second]);
    assert.deepEqual(hc.openPorts(), [p2]);
    assert.ok(await refused(p1));
  } finally {
    await hc.stop();
  }
});

Deno.test("HealthCheckNodePorts sends upstream's X-Load-Balancing-Endpoint-Weight header and indented body", async () => {
  const [p1, p2] = freePorts(2);
  const hc = new HealthCheckNodePorts({ addresses: ["127.0.0.1"] });
  try {
    await hc.update(new Map([[p1, svc("web", 3)], [p2, svc("none", 0)]]));
    const ok = await probe(p1);
    assert.equal(ok.weight, "3");
    assert.equal(
      ok.body,
      '{\n\t"service": {\n\t\t"namespace": "ns",\n\t\t"name": "web"\n\t},\n' +
        '\t"localEndpoints": 3,\n\t"serviceProxyHealthy": true\n}',
    );
    const none = await probe(p2);
    assert.equal(none.status, 503);
    assert.equal(none.weight, "0");
  } finally {
    await hc.stop();
  }
});

Deno.test("HealthCheckNodePorts reports unique endpoint IPs: countUniqueIPs() of a 2-port Service with one pod is 1", async () => {
  const [port] = freePorts(1);
  const hc = new HealthCheckNodePorts({ addresses: ["127.0.0.1"] });
  try {
    // The local ready endpoints of ports http and https: one pod, listed once per port.
    const endpoints = ["10.244.1.5", "10.244.1.5"];
    await hc.update(new Map([[port, svc("two-ports", countUniqueIPs(endpoints))]]));
    const a = await probe(port);
    assert.equal(JSON.parse(a.body).localEndpoints, 1);
    assert.equal(a.weight, "1");
    // The old field name still works for existing callers.
    await hc.update(new Map([[port, { namespace: "ns", name: "legacy", localEndpoints: 2 }]]));
    assert.equal(JSON.parse((await probe(port)).body).localEndpoints, 2);
  } finally {
    await hc.stop();
  }
});

Deno.test("HealthCheckNodePorts.setAddresses() moves the servers between addresses of both families at runtime", async () => {
  const [port] = freePorts(1);
  const hc = new HealthCheckNodePorts({ addresses: ["127.0.0.1"] });
  try {
    await hc.update(new Map([[port, svc("web", 1)]]));
    assert.ok(await refused(port, "[::1]"), "not on IPv6 yet");
    await hc.setAddresses(["127.0.0.1", "::1"]);
    assert.deepEqual(hc.listening(), [`127.0.0.1:${port}`, `[::1]:${port}`]);
    assert.equal((await probe(port, "/", "[::1]")).status, 200);
    assert.equal((await probe(port)).status, 200);
    await hc.setAddresses(["::1"]);
    assert.ok(await refused(port), "closed on 127.0.0.1");
    assert.equal((await probe(port, "/", "[::1]")).status, 200);
    assert.deepEqual(hc.openPorts(), [port]);
    await assert.rejects(hc.setAddresses(["10.0.0.300"]), RangeError);
    await assert.rejects(hc.setAddresses(["node-a"]), RangeError);
    assert.deepEqual(hc.addresses, ["::1"], "a rejected list changes nothing");
  } finally {
    await hc.stop();
  }
});

Deno.test("HealthCheckNodePorts keeps one canonical address per node address, however it was spelled", async () => {
  const hc = new HealthCheckNodePorts({ addresses: ["FD00::5", "fd00:0::5", " 10.0.0.5 "] });
  try {
    assert.deepEqual(hc.addresses, ["10.0.0.5", "fd00::5"]);
    await hc.setAddresses(["::", "10.0.0.5"]);
    assert.deepEqual(hc.addresses, ["0.0.0.0"], "a wildcard covers every other address");
  } finally {
    await hc.stop();
  }
});
