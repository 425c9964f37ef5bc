import assert from "node:assert/strict";
import {
  checkHealthCheckEntry,
  countUniqueIPs,
  normalizeHealthCheckService,
} from "../../../src/servers/health_check_service.ts";

Deno.test("countUniqueIPs() counts a pod serving two ports once, as upstream's LocalReadyEndpoints", () => {
  assert.equal(countUniqueIPs(["10.244.1.5", "10.244.1.5", "10.244.1.6"]), 2);
  assert.equal(countUniqueIPs([]), 0);
  assert.equal(countUniqueIPs(new Set(["fd00::5"])), 1);
});

Deno.test("checkHealthCheckEntry() accepts a port with a named Service and a count >= 0", () => {
  checkHealthCheckEntry(32000, { namespace: "default", name: "web", localEndpointIPs: 0 });
  checkHealthCheckEntry(65535, { namespace: "default", name: "web", localEndpoints: 3 });
  checkHealthCheckEntry(1, { namespace: "d", name: "w", localEndpointIPs: 2, localEndpoints: 2 });
});

Deno.test("checkHealthCheckEntry() names the port or the Service of a bad entry", () => {
  const cases: [number, unknown, RegExp][] = [
    [0, { namespace: "d", name: "w", localEndpointIPs: 1 }, /port must be 1-65535, got 0/],
    [65536, { namespace: "d", name: "w", localEndpointIPs: 1 }, /got 65536/],
    [1.5, { namespace: "d", name: "w", localEndpointIPs: 1 }, /got 1\.5/],
    [80, { namespace: "", name: "w", localEndpointIPs: 1 }, /on port 80: namespace and name/],
    [80, null, /on port 80: namespace and name are required/],
    [80, { namespace: "d", name: "w" }, /for d\/w: localEndpointIPs must be an integer >= 0/],
    [80, { namespace: "d", name: "w", localEndpointIPs: -1 }, /got -1/],
    [80, { namespace: "d", name: "w", localEndpointIPs: 1, localEndpoints: 2 }, /differ/],
  ];
  for (const [port, svc, re] of cases) {
    assert.throws(() => checkHealthCheckEntry(port, svc as never), RangeError);
    assert.throws(() => checkHealthCheckEntry(port, svc as never), re);
  }
});

Deno.test("normalizeHealthCheckService() copies the entry with the count under one name", () => {
  const svc = { namespace: "d", name: "w", localEndpointIPs: 2, extra: "x" };
  const n = normalizeHealthCheckService(svc);
  assert.deepEqual(n, { namespace: "d", name: "w", localEndpoints: 2 });
  svc.localEndpointIPs = 5;
  assert.equal(n.localEndpoints, 2, "detached from the caller's object");
  assert.equal(
    normalizeHealthCheckService({ namespace: "d", name: "w", localEndpoints: 4 })
      .localEndpoints,
    4,
  );
});
