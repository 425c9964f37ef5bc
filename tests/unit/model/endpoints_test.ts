import assert from "node:assert/strict";
import {
  type EndpointInfo,
  isIgnoredSlice,
  mergeEndpointSlices,
  portKey,
  sliceServiceKey,
} from "../../../src/model/endpoints.ts";
import { HEADLESS_LABEL, SERVICE_NAME_LABEL } from "../../../src/model/kube_types.ts";
import { categorizeEndpoints } from "../../../src/model/categorize.ts";
import { endpoint, OTHER, problems, slice } from "../../fixtures/unit/builders.ts";

const HTTP = portKey("tcp", "http");

function summary(eps: EndpointInfo[] | undefined): string[] {
  return (eps ?? []).map((e) =>
    `${e.ip.text}:${e.port} r=${+e.ready} s=${+e.serving} t=${+e.terminating} ${e.nodeName}`
  );
}

Deno.test("mergeEndpointSlices() merges slices and dedupes, the ready copy winning", () => {
  const p = problems();
  const a = slice("web", "web-a", [
    endpoint("10.244.1.5", "node-a", { conditions: { ready: false, serving: false } }),
    endpoint("10.244.2.7", OTHER),
  ]);
  const b = slice("web", "web-b", [
    endpoint("10.244.1.5", "node-a", { conditions: { ready: true } }),
    endpoint("10.244.2.7", OTHER, {
      conditions: { ready: false, serving: true, terminating: true },
    }),
    endpoint("10.244.1.9", "node-a"),
  ]);
  const out = mergeEndpointSlices([a, b], p.sink);
  assert.deepEqual(summary(out.get(HTTP)), [
    "10.244.1.5:8080 r=1 s=1 t=0 node-a",
    "10.244.1.9:8080 r=1 s=1 t=0 node-a",
    "10.244.2.7:8080 r=1 s=1 t=0 node-b",
  ]);
  // Order of slices does not matter.
  assert.deepEqual(summary(mergeEndpointSlices([b, a], p.sink).get(HTTP)), summary(out.get(HTTP)));
  assert.deepEqual([...p.list], []);
});

Deno.test("mergeEndpointSlices() prefers the copy that is not terminating, even a not-ready one", () => {
  // Upstream: the pod network may give a terminating pod's IP to a new pod before the old Pod
  // object is gone; the new (starting, not yet ready) pod owns the address.
  const p = problems();
  const old = slice("web", "a", [
    endpoint("10.244.1.5", "node-a", {
      conditions: { ready: true, serving: true, terminating: true },
    }),
  ]);
  const fresh = slice("web", "b", [
    endpoint("10.244.1.5", OTHER, { conditions: { ready: false, serving: false } }),
  ]);
  const want = ["10.244.1.5:8080 r=0 s=0 t=0 node-b"];
  assert.deepEqual(summary(mergeEndpointSlices([old, fresh], p.sink).get(HTTP)), want);
  assert.deepEqual(summary(mergeEndpointSlices([fresh, old], p.sink).get(HTTP)), want);
  assert.deepEqual([...p.list], []);
});

Deno.test("mergeEndpointSlices() picks among equal copies by usability, then by slice name", () => {
  const p = problems();
  const a = slice("web", "web-a", [
    endpoint("10.244.1.5", "node-a", { conditions: { ready: false, serving: true } }),
    endpoint("10.244.1.6", "node-a", { conditions: { ready: false, terminating: true } }),
    endpoint("10.244.1.7", "node-a"),
  ]);
  const b = slice("web", "web-b", [
    endpoint("10.244.1.5", OTHER),
    endpoint("10.244.1.6", OTHER, {
      conditions: { ready: false, serving: false, terminating: true },
    }),
    endpoint("10.244.1.7", OTHER),
  ]);
  const want = [
    "10.244.1.5:8080 r=1 s=1 t=0 node-b", // ready beats not ready
    "10.244.1.6:8080 r=0 s=1 t=1 node-a", // serving-terminating beats terminating
    "10.244.1.7:8080 r=1 s=1 t=0 node-a", // a tie: the slice whose name sorts first
  ];
  assert.deepEqual(summary(mergeEndpointSlices([a, b], p.sink).get(HTTP)), want);
  assert.deepEqual(summary(mergeEndpointSlices([b, a], p.sink).get(HTTP)), want);
});

Deno.test("mergeEndpointSlices() matches ports by name AND protocol; the DNAT port is the slice's", () => {
  const p = problems();
  const out = mergeEndpointSlices([
    slice("dns", "dns-a", [endpoint("10.244.1.5")], {
      ports: [
        { name: "dns", protocol: "UDP", port: 5353 },
        { name: "dns-tcp", protocol: "TCP", port: 5354 },
        { name: "dns", protocol: "TCP", port: 5355 },
        { name: null, port: 9000 },
      ],
    }),
  ], p.sink);
  assert.deepEqual(summary(out.get(portKey("udp", "dns"))).map((s) => s.split(" ")[0]), [
    "10.244.1.5:5353",
  ]);
  assert.deepEqual(summary(out.get(portKey("tcp", "dns"))).map((s) => s.split(" ")[0]), [
    "10.244.1.5:5355",
  ]);
  assert.deepEqual(summary(out.get(portKey("tcp", ""))).map((s) => s.split(" ")[0]), [
    "10.244.1.5:9000",
  ]);
  assert.equal(out.get(portKey("udp", "dns-tcp")), undefined);
  assert.equal(out.get(portKey("sctp", "dns")), undefined);
  assert.deepEqual([...p.list], []);
});

Deno.test("mergeEndpointSlices() reads unset ready and serving as true, unset terminating as false", () => {
  // Upstream: Ready == nil || *Ready, Serving == nil || *Serving, Terminating != nil && *Terminating.
  const p = problems();
  const out = mergeEndpointSlices([
    slice("web", "a", [
      endpoint("10.244.1.1", "node-a", {}),
      endpoint("10.244.1.2", "node-a", { conditions: { ready: null, serving: null } }),
      endpoint("10.244.1.3", "node-a", { conditions: { ready: false } }),
      endpoint("10.244.1.4", "node-a", { conditions: { ready: false, serving: true } }),
      endpoint("10.244.1.5", "node-a", { conditions: { ready: true, terminating: null } }),
      endpoint("10.244.1.6", "node-a", { conditions: { ready: false, terminating: true } }),
      endpoint("10.244.1.7", "node-a", { conditions: { serving: false, terminating: false } }),
    ]),
  ], p.sink);
  assert.deepEqual(summary(out.get(HTTP)), [
    "10.244.1.1:8080 r=1 s=1 t=0 node-a",
    "10.244.1.2:8080 r=1 s=1 t=0 node-a",
    "10.244.1.3:8080 r=0 s=1 t=0 node-a",
    "10.244.1.4:8080 r=0 s=1 t=0 node-a",
    "10.244.1.5:8080 r=1 s=1 t=0 node-a",
    "10.244.1.6:8080 r=0 s=1 t=1 node-a",
    "10.244.1.7:8080 r=1 s=0 t=0 node-a",
  ]);
  assert.deepEqual([...p.list], []);
});

Deno.test("a terminating endpoint without a serving condition is the fallback when none is ready", () => {
  // The shape a rolling update leaves behind when the controller omits serving: it must keep
  // serving instead of being rejected.
  const p = problems();
  const eps = mergeEndpointSlices([
    slice("web", "a", [
      endpoint("10.244.1.1", "node-a", { conditions: { ready: false, terminating: true } }),
      endpoint("10.244.2.1", OTHER, { conditions: { ready: false, terminating: true } }),
    ]),
  ], p.sink).get(HTTP)!;
  const cat = categorizeEndpoints(eps, {
    internalPolicyLocal: false,
    externalPolicyLocal: true,
    externallyAccessible: true,
  }, { name: "node-a", zone: "" });
  assert.deepEqual(cat.cluster?.map((e) => e.ip.text), ["10.244.1.1", "10.244.2.1"]);
  assert.deepEqual(cat.local?.map((e) => e.ip.text), ["10.244.1.1"]);
  assert.equal(cat.hasAnyEndpoints, true);
});

Deno.test("mergeEndpointSlices() ignores FQDN slices and reports unknown address types", () => {
  const p = problems();
  const out = mergeEndpointSlices([
    slice("web", "fqdn", [endpoint("example.com")], { addressType: "FQDN" }),
    slice("web", "weird", [endpoint("10.244.1.1")], { addressType: "IPv5" }),
  ], p.sink);
  assert.equal(out.size, 0);
  assert.deepEqual(p.list.map((x) => `${x.object} ${x.field}`), [
    "EndpointSlice default/weird addressType",
  ]);
});

Deno.test("mergeEndpointSlices() reports bad addresses and family mismatches, keeping the rest", () => {
  const p = problems();
  const out = mergeEndpointSlices([
    slice("web", "v4", [
      endpoint("10.244.1.1"),
      endpoint("10.244.1.2 } ; flush ruleset"),
      endpoint("fd00:244::5"),
      endpoint("10.244.1.003"),
      { nodeName: "node-a" },
    ]),
    slice("web", "v6", [endpoint("fd00:244::0005"), endpoint("10.244.1.9")], {
      addressType: "IPv6",
    }),
  ], p.sink);
  assert.deepEqual(summary(out.get(HTTP)).map((s) => s.split(" ")[0]), [
    "10.244.1.1:8080",
    "10.244.1.3:8080",
    "fd00:244::5:8080",
  ]);
  assert.deepEqual(p.list.map((x) => `${x.object} ${x.field}`), [
    "EndpointSlice default/v4 endpoints[1].addresses[0]",
    "EndpointSlice default/v4 endpoints[2].addresses[0]",
    "EndpointSlice default/v4 endpoints[4].addresses",
    "EndpointSlice default/v6 endpoints[1].addresses[0]",
  ]);
});

Deno.test("mergeEndpointSlices() reports bad slice ports and skips them only", () => {
  const p = problems();
  const out = mergeEndpointSlices([
    slice("web", "a", [endpoint("10.244.1.1")], {
      ports: [
        { name: "http", protocol: "TCP", port: 8080 },
        { name: "big", protocol: "TCP", port: 0 },
        { name: "x", protocol: "ICMP", port: 1 },
      ],
    }),
  ], p.sink);
  assert.deepEqual([...out.keys()], [HTTP]);
  assert.deepEqual(p.list.map((x) => x.field), ["ports[1].port", "ports[2].protocol"]);
});

Deno.test("mergeEndpointSlices() keeps zone and node hints", () => {
  const p = problems();
  const out = mergeEndpointSlices([
    slice("web", "a", [
      endpoint("10.244.1.1", "node-a", {
        zone: "zone-a",
        hints: { forZones: [{ name: "zone-a" }], forNodes: [{ name: "node-a" }] },
      }),
      endpoint("10.244.1.2", "node-a", { hints: { forZones: [] } }),
    ]),
  ], p.sink);
  const [a, b] = out.get(HTTP)!;
  assert.equal(a.zone, "zone-a");
  assert.deepEqual([...a.zoneHints!], ["zone-a"]);
  assert.deepEqual([...a.nodeHints!], ["node-a"]);
  assert.equal(b.zoneHints, undefined, "an empty hint list is no hints");
  assert.equal(b.nodeHints, undefined);
});

Deno.test("sliceServiceKey() and isIgnoredSlice() read the slice's labels", () => {
  const s = slice("web", "web-1", []);
  assert.equal(sliceServiceKey(s), "default/web");
  assert.equal(isIgnoredSlice(s), false);
  const headless = slice("web", "web-2", [], {
    metadata: { labels: { [SERVICE_NAME_LABEL]: "web", [HEADLESS_LABEL]: "" } },
  });
  assert.equal(isIgnoredSlice(headless), true);
  assert.equal(sliceServiceKey(slice("web", "x", [], { metadata: { labels: {} } })), undefined);
});
