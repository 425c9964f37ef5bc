/**
 * The model reads untrusted JSON: one wrong-typed field is reported by
 * object and field, and skipped (or its object, when nothing of it can be
 * programmed), while every other object of the batch is read as before.
 * These are the shapes a fuzzer found to stop every sync, and their kin.
 */

import assert from "node:assert/strict";
import { readService } from "../../../src/model/service_port.ts";
import {
  isIgnoredSlice,
  mergeEndpointSlices,
  sliceServiceKey,
} from "../../../src/model/endpoints.ts";
import { MAX_PROBLEMS_PER_OBJECT } from "../../../src/model/_reporter.ts";
import { endpoint, problems, service, slice } from "../../fixtures/unit/builders.ts";

/** Sets `path` (dotted, numeric parts index lists) in a deep copy of `obj`. */
function withField(obj: unknown, path: string, value: unknown): unknown {
  const copy = JSON.parse(JSON.stringify(obj));
  const keys = path.split(".");
  let at = copy;
  for (const k of keys.slice(0, -1)) at = at[k];
  at[keys[keys.length - 1]] = value;
  return copy;
}

const LB = service("lb", {
  type: "LoadBalancer",
  clusterIP: "10.96.0.20",
  externalIPs: ["192.0.2.20"],
  externalTrafficPolicy: "Local",
  healthCheckNodePort: 32000,
  sessionAffinity: "ClientIP",
  loadBalancerSourceRanges: ["203.0.113.0/24"],
  ports: [{ name: "http", protocol: "TCP", port: 80, nodePort: 30080 }],
}, { status: { loadBalancer: { ingress: [{ ip: "198.51.100.20" }] } } });

/** [field set, value, field reported, ports still programmed]. */
const SERVICE_CASES: [string, unknown, string, number][] = [
  ["spec.clusterIPs", "10.96.0.20", "spec.clusterIPs", 1],
  ["spec.clusterIPs", { 0: "10.96.0.20" }, "spec.clusterIPs", 1],
  ["spec.clusterIPs", [42], "spec.clusterIPs[0]", 0],
  ["spec.clusterIP", ["10.96.0.20"], "spec.clusterIP", 0],
  ["spec.ports", "80", "spec.ports", 0],
  ["spec.ports", [null], "spec.ports[0]", 0],
  ["spec.ports.0.port", "80", "spec.ports[0].port", 0],
  ["spec.ports.0.port", 1e308, "spec.ports[0].port", 0],
  ["spec.ports.0.name", 7, "spec.ports[0].name", 0],
  ["spec.ports.0.protocol", ["TCP"], "spec.ports[0].protocol", 0],
  ["spec.ports.0.nodePort", "30080", "spec.ports[0].nodePort", 1],
  ["spec.externalIPs", "192.0.2.20", "spec.externalIPs", 1],
  ["spec.externalIPs", [null], "spec.externalIPs[0]", 1],
  ["status", "ready", "status", 1],
  ["status.loadBalancer", [], "status.loadBalancer", 1],
  ["status.loadBalancer.ingress", { ip: "198.51.100.20" }, "status.loadBalancer.ingress", 1],
  ["status.loadBalancer.ingress", [7], "status.loadBalancer.ingress[0]", 1],
  ["status.loadBalancer.ingress.0.ip", 5, "status.loadBalancer.ingress[0].ip", 1],
  ["spec.loadBalancerSourceRanges", "203.0.113.0/24", "spec.loadBalancerSourceRanges", 1],
  ["spec.sessionAffinity", { clientIP: {} }, "spec.sessionAffinity", 1],
  ["spec.sessionAffinityConfig", "3h", "spec.sessionAffinityConfig", 1],
  ["spec.externalTrafficPolicy", true, "spec.externalTrafficPolicy", 1],
  ["spec.internalTrafficPolicy", "local", "spec.internalTrafficPolicy", 1],
  ["spec.healthCheckNodePort", "32000", "spec.healthCheckNodePort", 1],
  ["spec.type", ["NodePort"], "spec.type", 1],
  ["metadata.labels", "app=web", "metadata.labels", 1],
  ["metadata.creationTimestamp", 1700000000, "metadata.creationTimestamp", 1],
  ["metadata.uid", {}, "metadata.uid", 1],
  ["metadata.name", { name: "lb" }, "metadata.name", 0],
  ["metadata.namespace", null, "metadata.namespace", 0],
  ["metadata", [], "metadata", 0],
  ["spec", "ClusterIP", "spec", 0],
];

for (const [path, value, field, ports] of SERVICE_CASES) {
  Deno.test(`readService() reports ${path} = ${JSON.stringify(value)} as ${field}`, () => {
    const p = problems();
    const r = readService(withField(LB, path, value), p.sink);
    assert.equal(r.ports.length, ports, "ports programmed");
    assert.ok(p.list.some((x) => x.field === field), JSON.stringify(p.list));
    assert.ok(p.list.every((x) => x.kind === "Service"));
    // The rest of the batch is untouched.
    const q = problems();
    assert.equal(readService(LB, q.sink).ports.length, 1);
    assert.deepEqual(q.list, []);
  });
}

Deno.test("readService() reports a whole Service that is not an object, whatever it is", () => {
  for (const v of [null, 42, "svc", [], true]) {
    const p = problems();
    assert.deepEqual(readService(v, p.sink), { ports: [] });
    assert.equal(p.list.length, 1);
    assert.equal(p.list[0].field, "");
  }
});

Deno.test("readService() ignores prototype-ish keys as JSON.parse makes them", () => {
  const p = problems();
  const svc = JSON.parse(
    JSON.stringify(LB).replace(
      '"metadata":{',
      '"metadata":{"__proto__":{"labels":{"service.kubernetes.io/service-proxy-name":"x"}},',
    ).replace('"labels":{', '"labels":{"__proto__":"x","constructor":"y",'),
  );
  const r = readService(svc, p.sink);
  assert.equal(r.skipped, undefined, "an own __proto__ key is just a key");
  assert.equal(r.ports.length, 1);
});

Deno.test("readService() bounds the problems of a huge list to a few lines", () => {
  const p = problems();
  const huge = withField(
    LB,
    "spec.externalIPs",
    Array.from({ length: 100_000 }, (_, i) => `x${i}`),
  );
  const r = readService(huge, p.sink);
  assert.equal(r.ports.length, 1);
  assert.equal(p.list.length, MAX_PROBLEMS_PER_OBJECT + 1);
  assert.match(p.list[p.list.length - 1].message, /^99980 more problems not listed$/);
  const long = withField(LB, "spec.clusterIP", "1".repeat(1_000_000));
  const q = problems();
  readService(withField(long, "spec.clusterIPs", null), q.sink);
  assert.ok(q.list[0].message.length < 200, "a huge value is cut in the message");
});

const GOOD = slice("web", "web-1", [endpoint("10.244.1.1"), endpoint("10.244.1.2")]);

/** [field set, value, field reported, endpoints still merged]. */
const SLICE_CASES: [string, unknown, string, number][] = [
  ["endpoints", { 0: {} }, "endpoints", 0],
  ["endpoints.0", "10.244.1.1", "endpoints[0]", 1],
  ["endpoints.0.addresses", "10.244.1.1", "endpoints[0].addresses", 1],
  ["endpoints.0.addresses", [], "endpoints[0].addresses", 1],
  ["endpoints.0.addresses", [7], "endpoints[0].addresses[0]", 1],
  ["endpoints.0.conditions", "ready", "endpoints[0].conditions", 1],
  ["endpoints.0.conditions", { ready: "true" }, "endpoints[0].conditions.ready", 1],
  ["endpoints.0.conditions", { serving: 1 }, "endpoints[0].conditions.serving", 1],
  ["endpoints.0.conditions", { terminating: [] }, "endpoints[0].conditions.terminating", 1],
  ["endpoints.0.nodeName", 5, "endpoints[0].nodeName", 2],
  ["endpoints.0.zone", {}, "endpoints[0].zone", 2],
  ["endpoints.0.hints", [], "endpoints[0].hints", 2],
  ["endpoints.0.hints", { forZones: "zone-a" }, "endpoints[0].hints.forZones", 2],
  ["endpoints.0.hints", { forNodes: [{ name: 3 }] }, "endpoints[0].hints.forNodes[0].name", 2],
  ["ports", { name: "http" }, "ports", 0],
  ["ports.0", null, "ports[0]", 0],
  ["ports.0.port", "8080", "ports[0].port", 0],
  ["ports.0.name", ["http"], "ports[0].name", 0],
  ["addressType", 4, "addressType", 0],
];

for (const [path, value, field, count] of SLICE_CASES) {
  Deno.test(`mergeEndpointSlices() reports ${path} = ${JSON.stringify(value)} as ${field}`, () => {
    const p = problems();
    const other = slice("web", "web-2", [endpoint("10.244.2.1")]);
    const out = mergeEndpointSlices([withField(GOOD, path, value), other], p.sink);
    const ips = (out.get("tcp/http") ?? []).map((e) => e.ip.text);
    assert.ok(ips.includes("10.244.2.1"), "the other slice is untouched");
    assert.equal(ips.length - 1, count, `endpoints merged from the bad slice: ${ips}`);
    assert.ok(p.list.some((x) => x.field === field), JSON.stringify(p.list));
    assert.ok(p.list.every((x) => x.kind === "EndpointSlice"));
    assert.ok(p.list.every((x) => x.object === "EndpointSlice default/web-1"));
  });
}

Deno.test("sliceServiceKey() and isIgnoredSlice() take any JSON value", () => {
  for (const v of [null, 1, "x", [], { metadata: 3 }, { metadata: { labels: "a" } }]) {
    assert.equal(sliceServiceKey(v), undefined);
    assert.equal(isIgnoredSlice(v), false);
  }
  const labels = { "kubernetes.io/service-name": 7 };
  assert.equal(sliceServiceKey({ metadata: { namespace: "default", labels } }), undefined);
});
