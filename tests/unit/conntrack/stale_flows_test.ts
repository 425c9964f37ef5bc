import { strict as assert } from "node:assert";
import { familiesToReconcile, findStaleFlows } from "../../../src/conntrack/stale_flows.ts";
import type { ConntrackFlow } from "../../../src/conntrack/flow.ts";
import type { UdpServicePortState } from "../../../src/conntrack/udp_state.ts";

const CLIENT = "10.244.1.50";
const NODE_IP = "198.51.100.10";

/** A UDP flow client → dst:dport answered by from:fromPort. */
function flow(
  dst: string,
  dport: number,
  from: string,
  fromPort: number,
  src = CLIENT,
): ConntrackFlow {
  const v6 = dst.includes(":");
  return {
    family: v6 ? 6 : 4,
    proto: 17,
    orig: { src, dst, sport: 40000, dport },
    reply: { src: from, dst: src, sport: fromPort, dport: 40000 },
  };
}

const dns: UdpServicePortState = {
  family: 4,
  serviceIPs: ["10.96.0.10", "203.0.113.5"],
  port: 53,
  nodePort: 30053,
  servingEndpoints: new Set(["10.244.1.11:5353", "10.244.2.12:5353"]),
};

Deno.test("findStaleFlows() picks a flow to a ClusterIP answered by a removed endpoint", () => {
  const keep = flow("10.96.0.10", 53, "10.244.1.11", 5353);
  const gone = flow("10.96.0.10", 53, "10.244.1.99", 5353);
  assert.deepEqual(findStaleFlows([keep, gone], [dns], new Set([NODE_IP])), [gone]);
});

Deno.test("findStaleFlows() treats external and load-balancer IPs like the ClusterIP", () => {
  const gone = flow("203.0.113.5", 53, "10.244.1.99", 5353);
  const keep = flow("203.0.113.5", 53, "10.244.2.12", 5353);
  assert.deepEqual(findStaleFlows([gone, keep], [dns], new Set()), [gone]);
});

Deno.test("findStaleFlows() picks an entry that was never DNATed (reply from the service IP)", () => {
  const unNatted = flow("10.96.0.10", 53, "10.96.0.10", 53);
  assert.deepEqual(findStaleFlows([unNatted], [dns], new Set()), [unNatted]);
});

Deno.test("findStaleFlows() matches the endpoint's port too: a changed target port is stale", () => {
  const oldPort = flow("10.96.0.10", 53, "10.244.1.11", 53);
  assert.deepEqual(findStaleFlows([oldPort], [dns], new Set()), [oldPort]);
});

Deno.test("findStaleFlows() picks NodePort flows only when addressed to a local address", () => {
  const local = flow(NODE_IP, 30053, "10.244.1.99", 5353);
  const elsewhere = flow("192.0.2.7", 30053, "192.0.2.7", 30053); // a client's own traffic out
  const served = flow(NODE_IP, 30053, "10.244.2.12", 5353);
  assert.deepEqual(findStaleFlows([local, elsewhere, served], [dns], new Set([NODE_IP])), [local]);
});

Deno.test("findStaleFlows() leaves a service port without serving endpoints alone", () => {
  const empty: UdpServicePortState = { ...dns, servingEndpoints: new Set() };
  const f = flow("10.96.0.10", 53, "10.244.1.99", 5353);
  assert.deepEqual(findStaleFlows([f], [empty], new Set([NODE_IP])), []);
  assert.deepEqual(familiesToReconcile([empty]), []);
});

Deno.test("findStaleFlows() ignores other ports, other protocols and other families", () => {
  const otherPort = flow("10.96.0.10", 54, "10.244.1.99", 5353);
  const tcp = { ...flow("10.96.0.10", 53, "10.244.1.99", 5353), proto: 6 };
  const v6 = flow("2001:db8:96::a", 53, "2001:db8:244:1::99", 5353, "2001:db8:244:1::50");
  assert.deepEqual(findStaleFlows([otherPort, tcp, v6], [dns], new Set()), []);
});

Deno.test("findStaleFlows() handles IPv6 endpoints keyed with brackets", () => {
  const dns6: UdpServicePortState = {
    family: 6,
    serviceIPs: ["2001:db8:96::a"],
    port: 53,
    nodePort: 0,
    servingEndpoints: new Set(["[2001:db8:244:1::11]:5353"]),
  };
  const keep = flow("2001:db8:96::a", 53, "2001:db8:244:1::11", 5353, "2001:db8:244:1::50");
  const gone = flow("2001:db8:96::a", 53, "2001:db8:244:1::99", 5353, "2001:db8:244:1::50");
  assert.deepEqual(findStaleFlows([keep, gone], [dns, dns6], new Set()), [gone]);
  assert.deepEqual(familiesToReconcile([dns6, dns]), [4, 6]);
});

Deno.test("findStaleFlows() unions endpoints of two ports that claim one address:port", () => {
  const a: UdpServicePortState = { ...dns, nodePort: 0, servingEndpoints: new Set(["10.0.0.1:1"]) };
  const b: UdpServicePortState = { ...dns, nodePort: 0, servingEndpoints: new Set(["10.0.0.2:1"]) };
  const toB = flow("10.96.0.10", 53, "10.0.0.2", 1);
  assert.deepEqual(findStaleFlows([toB], [a, b], new Set()), []);
});
