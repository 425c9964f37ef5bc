import assert from "node:assert/strict";
import { readService } from "../../src/model/service_port.ts";
import { mergeEndpointSlices } from "../../src/model/endpoints.ts";
import {
  endpoint,
  newPlan,
  nodeObject,
  OTHER,
  problems,
  service,
  settings,
  slice,
} from "../fixtures/unit/builders.ts";
import { elementMap, parseScript, serviceChains, tableOf } from "../fixtures/unit/nft_text.ts";
import type { EndpointSlice, Service } from "../../src/model/kube_types.ts";
import type { RulesetPlan } from "../../src/plan/ruleset_plan.ts";

const EVIL = "} ; flush ruleset ; PWNED";

function addReported(plan: RulesetPlan, svc: Service, slices: EndpointSlice[]) {
  const p = problems();
  const { ports } = readService(svc, p.sink);
  const eps = mergeEndpointSlices(slices, p.sink);
  plan.setService(`${svc.metadata?.namespace}/${svc.metadata?.name}`, ports, eps, p.sink);
  return p.list;
}

Deno.test("nft syntax in names, IPs, ranges and endpoints never reaches the script", () => {
  const plan = newPlan();
  const good = [slice("ok", "ok-1", [endpoint("10.244.1.5")])];
  const attempts: [Service, EndpointSlice[]][] = [
    [service(`web${EVIL}`), good],
    [service("web", {}, { metadata: { namespace: `default${EVIL}` } }), good],
    [service("a", { clusterIP: `10.96.0.1 ${EVIL}` }), good],
    [service("b", { clusterIPs: ["10.96.0.2", `fd00:96::2 ${EVIL}`] }), good],
    [service("c", { ports: [{ name: `http${EVIL}`, port: 80 }] }), good],
    [service("d", { ports: [{ name: "http", protocol: `TCP ${EVIL}`, port: 80 }] }), good],
    [service("e", { clusterIP: "10.96.0.5", externalIPs: [`192.0.2.5 ${EVIL}`] }), good],
    [
      service("f", {
        type: "LoadBalancer",
        clusterIP: "10.96.0.6",
        loadBalancerSourceRanges: [`203.0.113.0/24 ${EVIL}`, "203.0.113.0/24, 0.0.0.0/0"],
        ports: [{ name: "http", port: 80, nodePort: 30080 }],
      }, {
        status: {
          loadBalancer: { ingress: [{ ip: `198.51.100.6 ${EVIL}` }, { ip: "198.51.100.7" }] },
        },
      }),
      [slice("f", "f-1", [endpoint("10.244.1.6")])],
    ],
    [
      service("g", { clusterIP: "10.96.0.7" }),
      [
        slice("g", "g-1", [
          endpoint(`10.244.1.7 ${EVIL}`),
          endpoint("10.244.1.8", `${OTHER}${EVIL}`, {
            zone: EVIL,
            hints: { forZones: [{ name: EVIL }] },
          }),
        ], {
          ports: [{ name: "http", protocol: "TCP", port: 8080 }, { name: `x${EVIL}`, port: 1 }],
        }),
      ],
    ],
  ];
  let reported = 0;
  for (const [svc, slices] of attempts) reported += addReported(plan, svc, slices).length;
  assert.ok(reported >= 8, `each attempt is reported (got ${reported})`);
  const text = plan.fullScript().text;
  assert.ok(!text.includes("PWNED"), "payload reached the script");
  assert.ok(!text.includes("flush ruleset"));
  assert.ok(!text.includes("0.0.0.0/0"));
  // The script still has the strict shape, and the valid parts survive.
  const v4 = tableOf(parseScript(text), "ip");
  assert.ok(serviceChains(v4).includes("svc-default/g/tcp/http"));
  assert.ok(elementMap(v4, "slots").size > 0);
  assert.deepEqual(
    [...elementMap(v4, "firewall-ips").keys()],
    ["198.51.100.7 . tcp . 80"],
    "the valid LB IP keeps a firewall although every range was invalid",
  );
  assert.equal([...elementMap(v4, "firewall-allow").keys()].length, 0);
});

Deno.test("nft syntax in the Node object never reaches the script", () => {
  const plan = newPlan(
    settings({ detectLocalMode: "NodeCIDR" }),
    nodeObject({
      spec: { podCIDRs: [`10.244.1.0/24 ${EVIL}`] },
      status: { addresses: [{ type: "InternalIP", address: `192.168.10.1 ${EVIL}` }] },
    }),
  );
  const text = plan.fullScript().text;
  assert.ok(!text.includes("PWNED"));
  const v4 = tableOf(parseScript(text), "ip");
  assert.equal(elementMap(v4, "nodeport-ips").size, 0);
});
