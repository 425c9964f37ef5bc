/**
 * No field of a Kubernetes object reaches the nft script unvalidated: names,
 * addresses, ranges, ports, protocols and Node fields carrying nft syntax are
 * reported and left out, and the script keeps the planner's strict grammar
 * (the fake nft runner refuses anything else).
 */

import assert from "node:assert/strict";
import { readService } from "../../../src/model/service_port.ts";
import { mergeEndpointSlices } from "../../../src/model/endpoints.ts";
import { SET } from "../../../src/plan/names.ts";
import type { EndpointSlice, Service } from "../../../src/model/kube_types.ts";
import type { RulesetPlan } from "../../../src/plan/ruleset_plan.ts";
import {
  endpoint,
  newPlan,
  nodeObject,
  OTHER,
  problems,
  service,
  settings,
  slice,
} from "../../fixtures/unit/builders.ts";
import { kernel } from "../../fixtures/unit/fake_kernel.ts";

const EVIL = "} ; flush ruleset ; PWNED";

function addReported(plan: RulesetPlan, svc: Service, slices: EndpointSlice[]): number {
  const p = problems();
  const { ports } = readService(svc, p.sink);
  const eps = mergeEndpointSlices(slices, p.sink);
  plan.setService(`${svc.metadata?.namespace}/${svc.metadata?.name}`, ports, eps, p.sink);
  return p.list.length;
}

Deno.test("nft syntax in names, addresses, ranges, ports and endpoints never reaches the script", () => {
  const plan = newPlan();
  const good = [slice("ok", "ok-1", [endpoint("10.244.1.5")])];
  const lb = (ips: string[]) => ({
    status: { loadBalancer: { ingress: ips.map((ip) => ({ ip })) } },
  });
  const attempts: [Service, EndpointSlice[]][] = [
    [service(`web${EVIL}`), good],
    [service("web", {}, { metadata: { namespace: `default${EVIL}` } }), good],
    [service("a", { clusterIP: `10.96.0.1 ${EVIL}` }), good],
    [service("b", { clusterIPs: ["10.96.0.2", `fd00:96::2 ${EVIL}`] }), good],
    [service("c", { clusterIP: "10.96.0.3", ports: [{ name: `http${EVIL}`, port: 80 }] }), good],
    [
      service("d", {
        clusterIP: "10.96.0.4",
        ports: [{ name: "http", protocol: `TCP ${EVIL}`, port: 80 }],
      }),
      good,
    ],
    [service("e", { clusterIP: "10.96.0.5", externalIPs: [`192.0.2.5 ${EVIL}`] }), good],
    [
      service("f", {
        type: "LoadBalancer",
        clusterIP: "10.96.0.6",
        loadBalancerSourceRanges: [`203.0.113.0/24 ${EVIL}`, "203.0.113.0/24, 0.0.0.0/0"],
        ports: [{ name: "http", port: 80, nodePort: 30080 }],
      }, lb([`198.51.100.6 ${EVIL}`, "198.51.100.7"])),
      [slice("f", "f-1", [endpoint("10.244.1.6")])],
    ],
    [
      service("g", { clusterIP: "10.96.0.7", sessionAffinity: "ClientIP" }),
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
  for (const [svc, slices] of attempts) reported += addReported(plan, svc, slices);
  assert.ok(reported >= 9, `every attempt is reported (got ${reported})`);
  const text = plan.fullScript().text;
  assert.ok(!text.includes("PWNED"), "payload reached the script");
  assert.ok(!text.includes("flush ruleset"));
  assert.ok(!text.includes("0.0.0.0/0"));
  // The script keeps the strict grammar, and the valid parts survive.
  const nft = kernel();
  nft.load(text);
  const el = (set: string) => nft.elements("ip", "kube-nft-proxy", set);
  assert.ok(el(SET.serviceIps).has("10.96.0.7 . tcp . 80"), "g keeps its valid endpoint");
  assert.ok(
    [...nft.table("ip", "kube-nft-proxy")!.chains.keys()].some((c) =>
      c.endsWith("-to-0af40108-8080")
    ),
    "g's endpoint on the other node keeps its affinity chain",
  );
  // As upstream, invalid ranges are ignored: with none left, the LB IP has no firewall.
  assert.ok(el(SET.serviceIps).has("198.51.100.7 . tcp . 80"), "the valid LB IP is served");
  assert.deepEqual([...el(SET.firewallIps).keys()], []);
  // As upstream, a bad address of one family leaves the other family's ClusterIP in service.
  assert.ok(el(SET.serviceIps).has("10.96.0.2 . tcp . 80"), "b keeps its valid IPv4 ClusterIP");
  const v6 = [...nft.elements("ip6", "kube-nft-proxy", SET.clusterIps).keys()];
  assert.ok(!v6.some((k) => k.startsWith("fd00:96::2")), `b has no IPv6 ClusterIP: ${v6}`);
});

Deno.test("nft syntax in the Node object never reaches the script", () => {
  const plan = newPlan(
    settings({ detectLocalMode: "NodeCIDR" }),
    nodeObject({
      metadata: { name: "node-a", labels: { "topology.kubernetes.io/zone": EVIL } },
      spec: { podCIDRs: [`10.244.1.0/24 ${EVIL}`] },
      status: { addresses: [{ type: "InternalIP", address: `192.168.10.1 ${EVIL}` }] },
    }),
  );
  const text = plan.fullScript().text;
  assert.ok(!text.includes("PWNED"));
  const nft = kernel();
  nft.load(text);
  assert.equal(nft.elements("ip", "kube-nft-proxy", SET.nodeportIps).size, 0);
  assert.ok(
    !nft.rules("ip", "kube-nft-proxy", "services").some((r) => r.includes("saddr 10.244")),
    "no pod detection from an invalid pod CIDR",
  );
});
