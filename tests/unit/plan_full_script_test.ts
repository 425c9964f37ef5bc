import assert from "node:assert/strict";
import {
  addToPlan,
  endpoint,
  newPlan,
  nodeObject,
  OTHER,
  service,
  settings,
  slice,
} from "../fixtures/unit/builders.ts";
import {
  elementMap,
  type ParsedTable,
  parseScript,
  rulesOf,
  serviceChains,
  tableOf,
} from "../fixtures/unit/nft_text.ts";
import type { RulesetPlan } from "../../src/plan/ruleset_plan.ts";

const SVC = "svc-default/web/tcp/http";
const EXT = "ext-default/web/tcp/http";
const EPS = "eps-cluster-default/web/tcp/http";
const MASQ_NON_POD = "ip saddr != 10.244.0.0/16 jump mark-for-masquerade";

function render(plan: RulesetPlan): { v4: ParsedTable; v6: ParsedTable } {
  const s = parseScript(plan.fullScript().text);
  return { v4: tableOf(s, "ip"), v6: tableOf(s, "ip6") };
}

/** Checks that `rule` picks one of `slots` endpoints at random and returns the slot values. */
function pickedEndpoints(t: ParsedTable, rule: string): string[] {
  const m = /ct mark set (?:numgen random mod (\d+) offset )?(\d+)/.exec(rule);
  assert.ok(m, `not a selection rule: ${rule}`);
  const n = Number(m[1] ?? 1), base = Number(m[2]);
  const slots = elementMap(t, "slots");
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const v = slots.get(String(base + i));
    assert.ok(v, `slot ${base + i} has no element`);
    out.push(v);
  }
  return out.sort();
}

Deno.test("fullScript() renders a ClusterIP with 3 endpoints as numgen mod 3 and a service-ips element", () => {
  const plan = newPlan();
  addToPlan(plan, service("web"), [
    slice("web", "web-1", [endpoint("10.244.1.5"), endpoint("10.244.2.5", OTHER)]),
    slice("web", "web-2", [endpoint("10.244.3.5", OTHER)]),
  ]);
  const { v4, v6 } = render(plan);
  assert.deepEqual(serviceChains(v4), [SVC]);
  const rules = rulesOf(v4, SVC);
  assert.equal(rules.length, 2);
  assert.equal(rules[0], MASQ_NON_POD);
  assert.match(rules[1], /^ct mark set numgen random mod 3 offset \d+ goto endpoint-dnat$/);
  assert.deepEqual(pickedEndpoints(v4, rules[1]), [
    "10.244.1.5 . 8080",
    "10.244.2.5 . 8080",
    "10.244.3.5 . 8080",
  ]);
  assert.deepEqual([...elementMap(v4, "service-ips")], [["10.96.0.10 . tcp . 80", `goto ${SVC}`]]);
  assert.deepEqual([...elementMap(v4, "cluster-ips").keys()], ["10.96.0.10"]);
  assert.equal(elementMap(v4, "slot-addrs").size, 3);
  assert.equal(elementMap(v4, "no-endpoint-services").size, 0);
  assert.deepEqual([...elementMap(v4, "service-cidrs").keys()], ["10.96.0.0/16"]);
  // Nothing of this IPv4-only Service in the IPv6 table.
  assert.deepEqual(serviceChains(v6), []);
  assert.equal(elementMap(v6, "service-ips").size, 0);
  assert.equal(elementMap(v6, "slots").size, 0);
});

Deno.test("fullScript() declares the hooks and the shared DNAT through the slots map", () => {
  const { v4, v6 } = render(newPlan());
  assert.equal(
    v4.chains.get("nat-prerouting")?.header,
    "type nat hook prerouting priority -100; policy accept;",
  );
  assert.equal(
    v4.chains.get("nat-output")?.header,
    "type nat hook output priority -100; policy accept;",
  );
  assert.equal(
    v4.chains.get("nat-postrouting")?.header,
    "type nat hook postrouting priority 100; policy accept;",
  );
  assert.deepEqual(rulesOf(v4, "endpoint-dnat"), [
    "ip saddr . ct mark @slot-addrs jump mark-for-masquerade",
    "meta l4proto { tcp, udp, sctp } dnat ip to ct mark map @slots",
  ]);
  assert.deepEqual(
    rulesOf(v6, "endpoint-dnat")[1],
    "meta l4proto { tcp, udp, sctp } dnat ip6 to ct mark map @slots",
  );
  assert.match(v4.sets.get("slots")!, /type mark : ipv4_addr \. inet_service/);
  assert.match(
    v6.sets.get("service-ips")!,
    /type ipv6_addr \. inet_proto \. inet_service : verdict/,
  );
  assert.deepEqual(rulesOf(v4, "masquerading"), [
    "meta mark & 0x00004000 == 0 return",
    "meta mark set meta mark ^ 0x00004000",
    "masquerade fully-random",
  ]);
});

Deno.test("fullScript() rejects traffic to a Service without endpoints", () => {
  const plan = newPlan();
  addToPlan(
    plan,
    service("web", { type: "NodePort", ports: [{ name: "http", port: 80, nodePort: 30080 }] }),
    [],
  );
  const { v4 } = render(plan);
  assert.deepEqual(serviceChains(v4), []);
  assert.equal(elementMap(v4, "service-ips").size, 0);
  assert.equal(elementMap(v4, "service-nodeports").size, 0);
  assert.deepEqual([...elementMap(v4, "no-endpoint-services").keys()], ["10.96.0.10 . tcp . 80"]);
  assert.deepEqual([...elementMap(v4, "no-endpoint-nodeports").keys()], ["tcp . 30080"]);
  assert.equal(elementMap(v4, "no-local-endpoint-services").size, 0);
  // Rejected before DNAT, from the filter hooks of incoming and local traffic.
  assert.deepEqual(rulesOf(v4, "service-endpoints-check"), [
    "ip daddr . meta l4proto . th dport @no-endpoint-services reject",
  ]);
  assert.deepEqual(rulesOf(v4, "nodeport-endpoints-check"), [
    "fib daddr type local ip daddr @nodeport-ips meta l4proto . th dport @no-endpoint-nodeports reject",
  ]);
  for (const base of ["filter-prerouting", "filter-output"]) {
    const c = v4.chains.get(base)!;
    assert.match(c.header!, /^type filter hook (prerouting|output) priority -110;/);
    assert.ok(c.rules.includes("ct state new jump service-endpoints-check"), base);
    assert.ok(c.rules.includes("ct state new jump nodeport-endpoints-check"), base);
  }
});

Deno.test("fullScript() drops ClusterIP traffic of iTP Local with only remote endpoints", () => {
  const plan = newPlan();
  addToPlan(plan, service("web", { internalTrafficPolicy: "Local" }), [
    slice("web", "web-1", [endpoint("10.244.2.5", OTHER)]),
  ]);
  const { v4 } = render(plan);
  assert.deepEqual([...elementMap(v4, "no-local-endpoint-services").keys()], [
    "10.96.0.10 . tcp . 80",
  ]);
  assert.equal(elementMap(v4, "no-endpoint-services").size, 0, "dropped, not rejected");
  assert.equal(elementMap(v4, "service-ips").size, 0);
  assert.deepEqual(
    rulesOf(v4, "local-endpoints-check")[0],
    "ip daddr . meta l4proto . th dport @no-local-endpoint-services drop",
  );
  assert.equal(elementMap(v4, "slots").size, 0);
});

Deno.test("fullScript() sends iTP Local ClusterIP traffic to local endpoints only", () => {
  const plan = newPlan();
  addToPlan(plan, service("web", { internalTrafficPolicy: "Local" }), [
    slice("web", "web-1", [endpoint("10.244.1.5"), endpoint("10.244.2.5", OTHER)]),
  ]);
  const { v4 } = render(plan);
  const rules = rulesOf(v4, SVC);
  assert.deepEqual(pickedEndpoints(v4, rules.at(-1)!), ["10.244.1.5 . 8080"]);
});

const ETP_LOCAL_LB = service("web", {
  type: "LoadBalancer",
  externalTrafficPolicy: "Local",
  healthCheckNodePort: 32000,
  ports: [{ name: "http", port: 80, nodePort: 30080 }],
}, { status: { loadBalancer: { ingress: [{ ip: "198.51.100.10" }] } } });

Deno.test("fullScript() drops external traffic of eTP Local without local endpoints, short-circuiting pods and the node", () => {
  const plan = newPlan();
  addToPlan(plan, ETP_LOCAL_LB, [slice("web", "web-1", [endpoint("10.244.2.5", OTHER)])]);
  const { v4 } = render(plan);
  const rules = rulesOf(v4, EXT);
  assert.equal(rules.length, 3);
  assert.match(rules[0], /^ip saddr 10\.244\.0\.0\/16 ct mark set \d+ goto endpoint-dnat$/);
  assert.equal(rules[1], "fib saddr type local jump mark-for-masquerade");
  assert.match(rules[2], /^fib saddr type local ct mark set \d+ goto endpoint-dnat$/);
  assert.deepEqual(pickedEndpoints(v4, rules[0]), ["10.244.2.5 . 8080"]);
  assert.ok(!rules.includes("jump mark-for-masquerade"), "external clients are not masqueraded");
  assert.equal(elementMap(v4, "service-ips").get("198.51.100.10 . tcp . 80"), `goto ${EXT}`);
  assert.deepEqual([...elementMap(v4, "no-local-endpoint-services").keys()], [
    "198.51.100.10 . tcp . 80",
  ]);
  assert.equal(elementMap(v4, "service-nodeports").get("tcp . 30080"), `goto ${EXT}`);
  assert.deepEqual([...elementMap(v4, "no-local-endpoint-nodeports").keys()], ["tcp . 30080"]);
  assert.equal(
    elementMap(v4, "no-endpoint-services").size,
    0,
    "not rejected: pods and the node still get through",
  );
  assert.equal(elementMap(v4, "no-endpoint-nodeports").size, 0);
  // The ClusterIP still reaches the remote endpoint.
  assert.equal(elementMap(v4, "service-ips").get("10.96.0.10 . tcp . 80"), `goto ${SVC}`);
});

Deno.test("fullScript() sends eTP Local external traffic to local endpoints without masquerading", () => {
  const plan = newPlan();
  addToPlan(plan, ETP_LOCAL_LB, [
    slice("web", "web-1", [endpoint("10.244.1.5"), endpoint("10.244.2.5", OTHER)]),
  ]);
  const { v4 } = render(plan);
  const rules = rulesOf(v4, EXT);
  assert.equal(rules.length, 4);
  assert.deepEqual(pickedEndpoints(v4, rules[0]), ["10.244.1.5 . 8080", "10.244.2.5 . 8080"]);
  assert.deepEqual(pickedEndpoints(v4, rules[3]), ["10.244.1.5 . 8080"]);
  assert.ok(!rules[3].includes("mark-for-masquerade"));
  for (
    const set of [
      "no-endpoint-services",
      "no-endpoint-nodeports",
      "no-local-endpoint-services",
      "no-local-endpoint-nodeports",
    ]
  ) {
    assert.equal(elementMap(v4, set).size, 0, set);
  }
});

Deno.test("fullScript() renders NodePorts of eTP Cluster with masquerading, on the primary IP of each family", () => {
  const plan = newPlan();
  addToPlan(
    plan,
    service("web", {
      type: "NodePort",
      clusterIPs: ["10.96.0.10", "fd00:96::10"],
      ports: [{ name: "http", port: 80, nodePort: 30080 }],
    }),
    [slice("web", "web-1", [endpoint("10.244.2.5", OTHER)])],
  );
  const { v4, v6 } = render(plan);
  const rules = rulesOf(v4, EXT);
  assert.equal(rules[0], "jump mark-for-masquerade");
  assert.deepEqual(pickedEndpoints(v4, rules[1]), ["10.244.2.5 . 8080"]);
  assert.deepEqual([...elementMap(v4, "service-nodeports")], [["tcp . 30080", `goto ${EXT}`]]);
  assert.deepEqual([...elementMap(v4, "nodeport-ips").keys()], ["192.168.10.1"]);
  assert.deepEqual([...elementMap(v6, "nodeport-ips").keys()], ["fd00:10::1"]);
  // No IPv6 endpoints: the IPv6 NodePort rejects.
  assert.deepEqual([...elementMap(v6, "no-endpoint-nodeports").keys()], ["tcp . 30080"]);
  assert.equal(elementMap(v4, "no-endpoint-nodeports").size, 0);
  assert.deepEqual(
    rulesOf(v4, "services")[1],
    "fib daddr type local ip daddr @nodeport-ips meta l4proto . th dport vmap @service-nodeports",
  );
});

function lbWithRanges(ranges: string[]) {
  return service("web", {
    type: "LoadBalancer",
    loadBalancerSourceRanges: ranges,
    ports: [{ name: "http", port: 80, nodePort: 30080 }],
  }, { status: { loadBalancer: { ingress: [{ ip: "198.51.100.10" }, { ip: "198.51.100.11" }] } } });
}

Deno.test("fullScript() firewalls LB IPs (not NodePorts) with loadBalancerSourceRanges", () => {
  const plan = newPlan();
  addToPlan(plan, lbWithRanges(["203.0.113.0/25", " 198.51.100.128/25"]), [
    slice("web", "web-1", [endpoint("10.244.2.5", OTHER)]),
  ]);
  const { v4 } = render(plan);
  assert.deepEqual([...elementMap(v4, "firewall-ips").keys()].sort(), [
    "198.51.100.10 . tcp . 80",
    "198.51.100.11 . tcp . 80",
  ]);
  assert.deepEqual([...elementMap(v4, "firewall-allow").keys()].sort(), [
    "198.51.100.10 . tcp . 80 . 198.51.100.128/25",
    "198.51.100.10 . tcp . 80 . 203.0.113.0/25",
    "198.51.100.11 . tcp . 80 . 198.51.100.128/25",
    "198.51.100.11 . tcp . 80 . 203.0.113.0/25",
  ]);
  assert.ok(![...elementMap(v4, "firewall-ips").keys()].some((k) => k.includes("30080")));
});

Deno.test("fullScript() allows the LB IPs as sources when a source range covers a node IP", () => {
  const plan = newPlan();
  addToPlan(plan, lbWithRanges(["192.168.0.0/16"]), [
    slice("web", "web-1", [endpoint("10.244.2.5", OTHER)]),
  ]);
  const { v4 } = render(plan);
  assert.deepEqual([...elementMap(v4, "firewall-allow").keys()].sort(), [
    "198.51.100.10 . tcp . 80 . 192.168.0.0/16",
    "198.51.100.10 . tcp . 80 . 198.51.100.10/32",
    "198.51.100.10 . tcp . 80 . 198.51.100.11/32",
    "198.51.100.11 . tcp . 80 . 192.168.0.0/16",
    "198.51.100.11 . tcp . 80 . 198.51.100.10/32",
    "198.51.100.11 . tcp . 80 . 198.51.100.11/32",
  ]);
});

Deno.test("fullScript() renders ClientIP affinity as a chain that updates @affinity with the timeout", () => {
  const plan = newPlan();
  addToPlan(
    plan,
    service("web", {
      sessionAffinity: "ClientIP",
      sessionAffinityConfig: { clientIP: { timeoutSeconds: 600 } },
    }),
    [
      slice("web", "web-1", [endpoint("10.244.1.5"), endpoint("10.244.2.5", OTHER)]),
    ],
  );
  const { v4 } = render(plan);
  assert.deepEqual(rulesOf(v4, SVC), [MASQ_NON_POD, `goto ${EPS}`]);
  const eps = rulesOf(v4, EPS);
  assert.equal(eps.length, 3);
  const update = "update @affinity { ip saddr . ct mark timeout 600s } goto endpoint-dnat";
  const slots = elementMap(v4, "slots");
  for (const r of eps.slice(0, 2)) {
    const m = new RegExp(
      `^ct mark set (\\d+) ip saddr \\. ct mark @affinity ${update.replace(/[.{}]/g, "\\$&")}$`,
    ).exec(r);
    assert.ok(m, `unexpected affinity rule: ${r}`);
    assert.ok(slots.has(m[1]), `slot ${m[1]} unknown`);
  }
  assert.ok(eps[2].endsWith(update));
  assert.deepEqual(pickedEndpoints(v4, eps[2]), ["10.244.1.5 . 8080", "10.244.2.5 . 8080"]);
  assert.match(v4.sets.get("affinity")!, /flags dynamic, timeout/);
  assert.equal(elementMap(v4, "affinity").size, 0, "the affinity set is filled by packets only");
});

Deno.test("fullScript() masquerades non-pod sources, everything, or nothing, by settings", () => {
  const eps = [slice("web", "web-1", [endpoint("10.244.1.5")])];
  const cases: [ReturnType<typeof settings>, string | undefined][] = [
    [settings(), MASQ_NON_POD],
    [settings({ masqueradeAll: true }), "jump mark-for-masquerade"],
    [settings({ masqueradeAll: true, clusterCIDRs: [] }), "jump mark-for-masquerade"],
    [settings({ clusterCIDRs: [] }), undefined],
    [
      settings({ detectLocalMode: "BridgeInterface", bridgeInterface: "cni0" }),
      'iifname != "cni0" jump mark-for-masquerade',
    ],
  ];
  for (const [s, want] of cases) {
    const plan = newPlan(s);
    addToPlan(plan, service("web"), eps);
    const rules = rulesOf(render(plan).v4, SVC);
    if (want === undefined) {
      assert.equal(rules.length, 1, JSON.stringify(rules));
      assert.match(rules[0], /^ct mark set \d+ goto endpoint-dnat$/);
    } else assert.deepEqual(rules[0], want);
  }
});

const IPV4 = /^\d+\.\d+\.\d+\.\d+(\/\d+)?$/;
const IPV6 = /^[0-9a-f]*:[0-9a-f:.]*(\/\d+)?$/;

function addressTokens(t: ParsedTable): string[] {
  const texts = [...t.elements.values()].flat();
  for (const c of t.chains.values()) texts.push(...c.rules);
  return texts.flatMap((x) => x.split(/[\s,{}]+/)).filter((w) =>
    w !== ":" && (IPV4.test(w) || IPV6.test(w))
  );
}

Deno.test("fullScript() puts IPv4 addresses only in the ip table and IPv6 only in the ip6 table", () => {
  const plan = newPlan();
  addToPlan(
    plan,
    service("web", {
      type: "LoadBalancer",
      clusterIPs: ["10.96.0.10", "fd00:96::10"],
      externalIPs: ["192.0.2.10", "2001:db8::10"],
      loadBalancerSourceRanges: ["203.0.113.0/24", "2001:db8:1::/48"],
      ports: [{ name: "http", port: 80, nodePort: 30080 }],
    }, {
      status: { loadBalancer: { ingress: [{ ip: "198.51.100.10" }, { ip: "2001:db8:2::10" }] } },
    }),
    [
      slice("web", "web-v4", [endpoint("10.244.1.5"), endpoint("10.244.2.5", OTHER)]),
      slice("web", "web-v6", [endpoint("fd00:244:1::5"), endpoint("fd00:244:2::5", OTHER)], {
        addressType: "IPv6",
      }),
    ],
  );
  const { v4, v6 } = render(plan);
  const a4 = addressTokens(v4), a6 = addressTokens(v6);
  assert.ok(a4.length > 10 && a6.length > 10, "both tables hold addresses");
  assert.deepEqual(a4.filter((w) => !IPV4.test(w)), [], "IPv6 in the ip table");
  assert.deepEqual(a6.filter((w) => !IPV6.test(w)), [], "IPv4 in the ip6 table");
  for (
    const want of ["10.96.0.10", "192.0.2.10", "198.51.100.10", "10.244.2.5", "203.0.113.0/24"]
  ) {
    assert.ok(a4.includes(want), want);
  }
  for (
    const want of [
      "fd00:96::10",
      "2001:db8::10",
      "2001:db8:2::10",
      "fd00:244:2::5",
      "2001:db8:1::/48",
    ]
  ) {
    assert.ok(a6.includes(want), want);
  }
  assert.deepEqual(serviceChains(v4), serviceChains(v6));
});

Deno.test("fullScript() renders an allocated ClusterIP's node settings from the Node object", () => {
  const plan = newPlan(
    settings(),
    nodeObject({ status: { addresses: [{ type: "InternalIP", address: "192.168.20.2" }] } }),
  );
  const { v4, v6 } = render(plan);
  assert.deepEqual([...elementMap(v4, "nodeport-ips").keys()], ["192.168.20.2"]);
  assert.equal(elementMap(v6, "nodeport-ips").size, 0);
  assert.deepEqual(
    rulesOf(v6, "services").length,
    1,
    "no IPv6 node address: no IPv6 NodePort rule",
  );
});
