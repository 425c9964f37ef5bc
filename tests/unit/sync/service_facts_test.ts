import assert from "node:assert/strict";
import { serviceFacts } from "../../../src/sync/service_facts.ts";
import type { EndpointSlice, Service } from "../../../src/model/kube_types.ts";
import { endpoint, model, newPlan, OTHER, service, slice } from "../../fixtures/unit/builders.ts";

function facts(svc: Service, slices: EndpointSlice[]) {
  const m = model(svc, slices);
  const decisions = newPlan().families.map((f) =>
    f.setService(m.key, m.ports, m.endpoints, () => {})
  );
  return serviceFacts(m.ports, m.endpoints, decisions);
}

const DUAL_PORTS = [
  { name: "http", protocol: "TCP", port: 8080 },
  { name: "dns", protocol: "UDP", port: 5353 },
];

function dualSlices(v4: ReturnType<typeof endpoint>[], v6: ReturnType<typeof endpoint>[]) {
  return [
    slice("web", "web-4", v4, { ports: DUAL_PORTS }),
    slice("web", "web-6", v6, { ports: DUAL_PORTS, addressType: "IPv6" }),
  ];
}

/** `family policy portId` of each port whose Local policy has no local endpoint. */
function noLocal(f: ReturnType<typeof facts>): string[] {
  return f.noLocalEndpoints.map((n) => `${n.family} ${n.policy} ${n.portId}`);
}

const LOCAL_LB = service("web", {
  type: "LoadBalancer",
  clusterIPs: ["10.96.0.10", "fd00:96::10"],
  externalTrafficPolicy: "Local",
  healthCheckNodePort: 32100,
  ports: [
    { name: "http", protocol: "TCP", port: 80, nodePort: 30080 },
    { name: "dns", protocol: "UDP", port: 53, nodePort: 30053 },
  ],
}, { status: { loadBalancer: { ingress: [{ ip: "198.51.100.10" }] } } });

Deno.test("serviceFacts() counts unique local ready endpoint IPs over ports and families for the health check", () => {
  const f = facts(
    LOCAL_LB,
    dualSlices(
      [
        endpoint("10.244.1.5"),
        endpoint("10.244.1.6"),
        endpoint("10.244.1.7", "node-a", { conditions: { ready: false } }),
        endpoint("10.244.2.5", OTHER),
      ],
      [endpoint("fd00:244::5")],
    ),
  );
  assert.deepEqual(f.healthCheck, {
    port: 32100,
    namespace: "default",
    name: "web",
    localEndpoints: 3,
  });
  assert.deepEqual(f.noLocalEndpoints, []);
});

Deno.test("serviceFacts() lists the ports whose Local policy has endpoints elsewhere only", () => {
  const f = facts(LOCAL_LB, dualSlices([endpoint("10.244.2.5", OTHER)], []));
  assert.equal(f.healthCheck!.localEndpoints, 0);
  // IPv6 has no endpoint at all: a REJECT there, not a drop.
  assert.deepEqual(noLocal(f), [
    "4 external default/web/tcp/http",
    "4 external default/web/udp/dns",
  ]);
  const both = facts(
    LOCAL_LB,
    dualSlices([endpoint("10.244.2.5", OTHER)], [endpoint("fd00:244::5", OTHER)]),
  );
  assert.deepEqual(noLocal(both), [
    "4 external default/web/tcp/http",
    "6 external default/web/tcp/http",
    "4 external default/web/udp/dns",
    "6 external default/web/udp/dns",
  ], "counted per family");
  const none = facts(LOCAL_LB, dualSlices([], []));
  assert.deepEqual(noLocal(none), [], "no endpoint anywhere is a REJECT, not a drop");
  const itp = facts(
    service("web", { internalTrafficPolicy: "Local" }),
    [slice("web", "w", [endpoint("10.244.2.5", OTHER)])],
  );
  assert.deepEqual(noLocal(itp), ["4 internal default/web/tcp/http"]);
  assert.equal(itp.healthCheck, undefined, "no health check without eTP Local");
});

Deno.test("serviceFacts() gives each UDP port per family its service IPs, NodePort and serving endpoints", () => {
  const f = facts(
    LOCAL_LB,
    dualSlices(
      [
        endpoint("10.244.1.5"),
        endpoint("10.244.2.5", OTHER, {
          conditions: { ready: false, serving: true, terminating: true },
        }),
        endpoint("10.244.2.6", OTHER, { conditions: { ready: false, serving: false } }),
      ],
      [endpoint("fd00:244::5", OTHER)],
    ),
  );
  assert.deepEqual(f.udp, [
    {
      family: 4,
      serviceIPs: ["10.96.0.10", "198.51.100.10"],
      port: 53,
      nodePort: 30053,
      servingEndpoints: ["10.244.1.5:5353", "10.244.2.5:5353"],
    },
    {
      family: 6,
      serviceIPs: ["fd00:96::10"],
      port: 53,
      nodePort: 30053,
      servingEndpoints: ["[fd00:244::5]:5353"],
    },
  ]);
  assert.deepEqual(facts(service("web"), []).udp, [], "TCP only");
});
