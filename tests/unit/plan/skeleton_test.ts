import assert from "node:assert/strict";
import { BASE_CHAINS, buildSkeleton, pickChainRules } from "../../../src/plan/skeleton.ts";
import { CHAIN, endpointsMap, PROTOCOLS, SET, SHORTCUT_OFFSET } from "../../../src/plan/names.ts";
import { familyContexts, type ProxySettings } from "../../../src/plan/proxy_settings.ts";
import { readNode } from "../../../src/model/node_info.ts";
import { parseCidr } from "../../../src/model/ip.ts";
import { FakeNftRunner } from "../../../src/nft/fake_nft_runner.ts";
import { newPlan, NODE, nodeObject, settings } from "../../fixtures/unit/builders.ts";

function contexts(over: Partial<ProxySettings> = {}) {
  const s = settings(over);
  return familyContexts(s, readNode(NODE, nodeObject(), () => {}), s.serviceCIDRs);
}

Deno.test("buildSkeleton() hooks its base chains before, at and after DNAT", () => {
  const sk = buildSkeleton(contexts()[0]);
  assert.deepEqual(sk.baseChains.map((b) => b.name), [...BASE_CHAINS]);
  assert.deepEqual(
    sk.baseChains.map((b) => `${b.name}: ${b.type} ${b.hook} ${b.priority}`),
    [
      "filter-prerouting: filter prerouting -110",
      "filter-output: filter output -110",
      "nat-prerouting: nat prerouting -100",
      "nat-output: nat output -100",
      "filter-output-post-dnat: filter output -90",
      "filter-input: filter input -10",
      "filter-forward: filter forward -10",
      "nat-postrouting: nat postrouting 100",
    ],
  );
  const pre = sk.baseChains[0].rules;
  assert.deepEqual(pre, [
    "ct state new jump firewall-check",
    "ct state new jump service-endpoints-check",
    "ct state new jump nodeport-endpoints-check",
  ]);
});

Deno.test("buildSkeleton() declares the shared maps with the family's address type", () => {
  const [v4, v6] = contexts().map(buildSkeleton);
  assert.equal(
    v4.sets.get(SET.serviceIps),
    "map service-ips { type ipv4_addr . inet_proto . inet_service : verdict; }",
  );
  // One endpoints map per protocol, whose data names the protocol (nft 1.0.6 cannot add a rule
  // through a typeof map whose data says `th dport`).
  assert.equal(
    v6.sets.get(endpointsMap("ip", "tcp")),
    "map endpoints-tcp { typeof ip6 daddr . th dport . numgen random mod 1 : ip6 daddr . tcp dport; }",
  );
  assert.equal(
    v4.sets.get(endpointsMap("nodeport", "sctp")),
    "map nodeport-endpoints-sctp { typeof th dport . numgen random mod 1 : ip daddr . sctp dport; }",
  );
  for (const p of PROTOCOLS) {
    for (const kind of ["ip", "nodeport"] as const) {
      assert.doesNotMatch(v4.sets.get(endpointsMap(kind, p))!, /:[^;]*\bth dport/);
    }
  }
  assert.match(v4.sets.get(SET.serviceCidrs)!, /flags interval; auto-merge;/);
  assert.match(
    v6.sets.get(SET.firewallAllow)!,
    /type ipv6_addr \. inet_proto \. inet_service \. ipv6_addr; flags interval;/,
  );
  assert.equal(v4.sets.size, Object.keys(SET).length);
  assert.deepEqual(v4.elements.get(SET.nodeportIps), ["192.168.10.1"]);
  assert.deepEqual(v6.elements.get(SET.serviceCidrs), ["fd00:96::/112"]);
});

Deno.test("buildSkeleton() masquerades ClusterIP traffic from non-pods, everything, or nothing, by settings", () => {
  const first = (over: Partial<ProxySettings>) =>
    buildSkeleton(contexts(over)[0]).chains.get(CHAIN.services)![0];
  assert.equal(
    first({}),
    "ip saddr != 10.244.0.0/16 ip daddr @cluster-ips jump mark-for-masquerade",
  );
  assert.equal(first({ masqueradeAll: true }), "ip daddr @cluster-ips jump mark-for-masquerade");
  assert.equal(
    first({ masqueradeAll: true, clusterCIDRs: [] }),
    "ip daddr @cluster-ips jump mark-for-masquerade",
  );
  assert.equal(
    first({ detectLocalMode: "BridgeInterface", bridgeInterface: "cni0" }),
    'iifname != "cni0" ip daddr @cluster-ips jump mark-for-masquerade',
  );
  // No detection: no masquerade rule; the node's own traffic still short-circuits.
  const none = buildSkeleton(contexts({ clusterCIDRs: [] })[0]).chains.get(CHAIN.services)!;
  assert.ok(!none.some((r) => r.includes("mark-for-masquerade")), none.join("\n"));
  assert.equal(
    none[0],
    "fib saddr type local ip daddr . meta l4proto . th dport vmap @shortcut-ips",
  );
});

Deno.test("buildSkeleton() matches NodePorts on the selected addresses, all but loopback, or not at all", () => {
  const services = (over: Partial<ProxySettings>, family = 0) =>
    buildSkeleton(contexts(over)[family]).chains.get(CHAIN.services)!;
  assert.equal(
    services({}).at(-1),
    "fib daddr type local ip daddr @nodeport-ips meta l4proto . th dport vmap @service-nodeports",
  );
  assert.equal(
    services({ nodePortAddresses: [parseCidr("0.0.0.0/0")] }).at(-1),
    "fib daddr type local ip daddr != 127.0.0.0/8 meta l4proto . th dport vmap @service-nodeports",
  );
  assert.equal(
    services({ nodePortAddresses: [parseCidr("::/0")] }, 1).at(-1),
    "fib daddr type local ip6 daddr != ::1 meta l4proto . th dport vmap @service-nodeports",
  );
  const none = buildSkeleton(contexts({ nodePortAddresses: [parseCidr("172.16.0.0/12")] })[0]);
  assert.ok(!none.chains.get(CHAIN.services)!.some((r) => r.includes("nodeport")));
  assert.deepEqual(none.chains.get(CHAIN.nodeportEndpointsCheck), []);
  assert.deepEqual(none.chains.get(CHAIN.localEndpointsCheck), [
    "ip daddr . meta l4proto . th dport @no-local-endpoint-services drop",
  ]);
});

Deno.test("buildSkeleton() sets and clears the masquerade bit only", () => {
  const sk = buildSkeleton(contexts({ masqueradeBit: 3 })[0]);
  assert.deepEqual(sk.chains.get(CHAIN.markMasq), ["meta mark set meta mark | 0x00000008"]);
  assert.deepEqual(sk.chains.get(CHAIN.masquerading), [
    "ct status dnat ip saddr . ip daddr @hairpin jump mark-for-masquerade",
    "meta mark & 0x00000008 == 0 return",
    "meta mark set meta mark ^ 0x00000008",
    "masquerade fully-random",
  ]);
});

Deno.test("pickChainRules() DNATs through the entry point's map, masquerading or short-circuiting as asked", () => {
  const [v4, v6] = contexts();
  assert.deepEqual(pickChainRules(v4, "ip", "plain", 3), [
    "meta l4proto tcp dnat ip to ip daddr . th dport . numgen random mod 3 map @endpoints-tcp",
    "meta l4proto udp dnat ip to ip daddr . th dport . numgen random mod 3 map @endpoints-udp",
    "meta l4proto sctp dnat ip to ip daddr . th dport . numgen random mod 3 map @endpoints-sctp",
  ]);
  assert.deepEqual(pickChainRules(v4, "nodeport", "masq", 2), [
    "jump mark-for-masquerade",
    "meta l4proto tcp dnat ip to th dport . numgen random mod 2 map @nodeport-endpoints-tcp",
    "meta l4proto udp dnat ip to th dport . numgen random mod 2 map @nodeport-endpoints-udp",
    "meta l4proto sctp dnat ip to th dport . numgen random mod 2 map @nodeport-endpoints-sctp",
  ]);
  const o = `offset ${SHORTCUT_OFFSET}`;
  assert.deepEqual(pickChainRules(v6, "ip", "shortcut", 1), [
    "fib saddr type local jump mark-for-masquerade",
    `meta l4proto tcp dnat ip6 to ip6 daddr . th dport . numgen random mod 1 ${o} map @endpoints-tcp`,
    `meta l4proto udp dnat ip6 to ip6 daddr . th dport . numgen random mod 1 ${o} map @endpoints-udp`,
    `meta l4proto sctp dnat ip6 to ip6 daddr . th dport . numgen random mod 1 ${o} map @endpoints-sctp`,
  ]);
});

Deno.test("the skeleton of every setting loads into a kernel that checks references", () => {
  for (
    const over of [
      {},
      { masqueradeAll: true },
      { clusterCIDRs: [] },
      { detectLocalMode: "InterfaceNamePrefix", interfaceNamePrefix: "veth" },
      { nodePortAddresses: [parseCidr("0.0.0.0/0"), parseCidr("::/0")] },
      { nodePortAddresses: [parseCidr("172.16.0.0/12")] },
      { serviceCIDRs: [parseCidr("10.96.0.0/16"), parseCidr("10.96.0.0/12")] },
    ] as Partial<ProxySettings>[]
  ) {
    const nft = new FakeNftRunner();
    nft.load(newPlan(settings(over)).fullScript().text);
    assert.deepEqual(
      nft.tableNames(),
      ["ip kube-nft-proxy", "ip6 kube-nft-proxy"],
      JSON.stringify(over),
    );
  }
});
