import assert from "node:assert/strict";
import {
  endpointValue,
  placeEndpoints,
  type PreviousEndpoints,
  renderServicePort,
} from "../../../src/plan/service_fragment.ts";
import { emptyFragment, type Fragment, fragmentElements } from "../../../src/plan/fragment.ts";
import { endpointsMap, SET, SHORTCUT_OFFSET } from "../../../src/plan/names.ts";
import { listElementKey } from "../../../src/plan/endpoint_lists.ts";
import type { FamilyContext } from "../../../src/plan/family_context.ts";
import type { EndpointInfo } from "../../../src/model/endpoints.ts";
import type { EndpointSpec, Service } from "../../../src/model/kube_types.ts";
import { parseIp } from "../../../src/model/ip.ts";
import { FakeNftRunner } from "../../../src/nft/fake_nft_runner.ts";
import {
  addToPlan,
  endpoint,
  model,
  newPlan,
  nodeObject,
  OTHER,
  service,
  settings,
  slice,
} from "../../fixtures/unit/builders.ts";

const [V4, V6] = newPlan().families.map((f) => f.ctx);

function render(
  spec: Service["spec"],
  eps: EndpointSpec[],
  o: {
    ctx?: FamilyContext;
    extra?: Partial<Service>;
    previous?: PreviousEndpoints;
  } = {},
): Fragment {
  const v6 = eps.filter((e) => e.addresses?.[0]?.includes(":"));
  const m = model(service("web", spec, o.extra), [
    slice("web", "web-1", eps.filter((e) => !v6.includes(e))),
    slice("web", "web-2", v6, { addressType: "IPv6" }),
  ]);
  const f = emptyFragment();
  renderServicePort(m.ports[0], m.endpoints.get("tcp/http") ?? [], o.ctx ?? V4, f, o.previous);
  return f;
}

/** Elements of one set or map as `key` or `key : value`, sorted; endpoint lists as their elements. */
function elementsOf(f: Fragment, set: string): string[] {
  const plain = fragmentElements(f).filter(([s]) => s === set).map((
    [, k, v],
  ) => (v ? `${k} : ${v}` : k));
  const listed = f.lists.filter((l) => l.map === set).flatMap((l) =>
    l.values.map((v, i) => `${listElementKey(l.key, l.base + i)} : ${v}`)
  );
  return [...plain, ...listed].sort();
}

Deno.test("renderServicePort() writes hairpin elements for endpoints on this node or on an unknown node only", () => {
  const f = render({}, [
    endpoint("10.244.1.5"),
    endpoint("10.244.2.5", OTHER),
    endpoint("10.244.9.5", ""),
    endpoint("192.0.2.50", undefined, { nodeName: undefined }),
  ]);
  assert.equal(elementsOf(f, EP).length, 4, "every endpoint is a DNAT target");
  assert.deepEqual(elementsOf(f, SET.hairpin), ["10.244.1.5", "10.244.9.5", "192.0.2.50"]);
});

/** The endpoints maps of TCP entry points. */
const EP = endpointsMap("ip", "tcp");
const NP_EP = endpointsMap("nodeport", "tcp");

const TWO = [endpoint("10.244.1.5"), endpoint("10.244.2.5", OTHER)];

Deno.test("renderServicePort() puts a ClusterIP in service-ips with one endpoint element per index", () => {
  const f = render({}, TWO);
  assert.deepEqual(elementsOf(f, SET.serviceIps), ["10.96.0.10 . tcp . 80 : goto pick-2"]);
  assert.deepEqual(elementsOf(f, EP), [
    "10.96.0.10 . 80 . 0 : 10.244.1.5 . 8080",
    "10.96.0.10 . 80 . 1 : 10.244.2.5 . 8080",
  ]);
  assert.deepEqual(elementsOf(f, SET.clusterIps), ["10.96.0.10"]);
  assert.deepEqual(elementsOf(f, SET.hairpin), ["10.244.1.5"], "only this node's endpoint");
  assert.equal(f.chains.size + f.sets.size, 0, "no per-Service objects without affinity");
  assert.deepEqual(elementsOf(f, SET.noEndpointServices), []);
});

Deno.test("renderServicePort() sends external IPs, LB IPs and the NodePort of eTP Cluster to masquerading pick chains", () => {
  const f = render(
    {
      type: "LoadBalancer",
      externalIPs: ["192.0.2.10"],
      ports: [{ name: "http", port: 80, nodePort: 30080 }],
    },
    TWO,
    { extra: { status: { loadBalancer: { ingress: [{ ip: "198.51.100.10" }] } } } },
  );
  assert.deepEqual(elementsOf(f, SET.serviceIps), [
    "10.96.0.10 . tcp . 80 : goto pick-2",
    "192.0.2.10 . tcp . 80 : goto pick-masq-2",
    "198.51.100.10 . tcp . 80 : goto pick-masq-2",
  ]);
  assert.deepEqual(elementsOf(f, SET.serviceNodeports), ["tcp . 30080 : goto np-pick-masq-2"]);
  assert.deepEqual(elementsOf(f, NP_EP), [
    "30080 . 0 : 10.244.1.5 . 8080",
    "30080 . 1 : 10.244.2.5 . 8080",
  ]);
  assert.equal(elementsOf(f, EP).length, 6, "two per address entry point");
  assert.deepEqual(elementsOf(f, SET.shortcutIps), []);
  assert.deepEqual(elementsOf(f, SET.firewallIps), [], "no source ranges: no firewall");
});

Deno.test("renderServicePort() gives eTP Local local endpoints for clients and all endpoints past the shortcut offset", () => {
  const f = render(
    {
      type: "NodePort",
      externalIPs: ["192.0.2.10"],
      externalTrafficPolicy: "Local",
      ports: [{ name: "http", port: 80, nodePort: 30080 }],
    },
    TWO,
  );
  assert.deepEqual(elementsOf(f, SET.serviceIps), [
    "10.96.0.10 . tcp . 80 : goto pick-2",
    "192.0.2.10 . tcp . 80 : goto pick-1",
  ]);
  assert.deepEqual(elementsOf(f, SET.shortcutIps), [
    "192.0.2.10 . tcp . 80 : goto pick-shortcut-2",
  ]);
  assert.deepEqual(elementsOf(f, SET.shortcutNodeports), ["tcp . 30080 : goto np-pick-shortcut-2"]);
  const ext = elementsOf(f, EP).filter((e) => e.startsWith("192.0.2.10"));
  assert.deepEqual(ext, [
    "192.0.2.10 . 80 . 0 : 10.244.1.5 . 8080",
    `192.0.2.10 . 80 . ${SHORTCUT_OFFSET} : 10.244.1.5 . 8080`,
    `192.0.2.10 . 80 . ${SHORTCUT_OFFSET + 1} : 10.244.2.5 . 8080`,
  ]);
  assert.deepEqual(elementsOf(f, NP_EP), [
    "30080 . 0 : 10.244.1.5 . 8080",
    `30080 . ${SHORTCUT_OFFSET} : 10.244.1.5 . 8080`,
    `30080 . ${SHORTCUT_OFFSET + 1} : 10.244.2.5 . 8080`,
  ]);
});

Deno.test("renderServicePort() rejects entry points without endpoints and drops Local ones with endpoints elsewhere", () => {
  const spec: Service["spec"] = {
    type: "NodePort",
    externalTrafficPolicy: "Local",
    internalTrafficPolicy: "Local",
    ports: [{ name: "http", port: 80, nodePort: 30080 }],
  };
  const none = render(spec, []);
  assert.deepEqual(elementsOf(none, SET.noEndpointServices), ["10.96.0.10 . tcp . 80"]);
  assert.deepEqual(elementsOf(none, SET.noEndpointNodeports), ["tcp . 30080"]);
  assert.deepEqual(elementsOf(none, SET.serviceIps), []);
  assert.deepEqual(elementsOf(none, EP), []);
  assert.deepEqual(none.lists, [], "no endpoint list for a rejected entry point");
  const elsewhere = render(spec, [endpoint("10.244.2.5", OTHER)]);
  assert.deepEqual(elementsOf(elsewhere, SET.noLocalEndpointServices), ["10.96.0.10 . tcp . 80"]);
  assert.deepEqual(elementsOf(elsewhere, SET.noLocalEndpointNodeports), ["tcp . 30080"]);
  assert.deepEqual(elementsOf(elsewhere, SET.noEndpointServices), []);
  assert.deepEqual(elementsOf(elsewhere, SET.clusterIps), ["10.96.0.10"]);
});

Deno.test("renderServicePort() renders nothing for a family without a ClusterIP, and IPv6 in brackets", () => {
  const f = emptyFragment();
  const m = model(service("web"), [slice("web", "w", TWO)]);
  assert.equal(renderServicePort(m.ports[0], m.endpoints.get("tcp/http")!, V6, f), undefined);
  assert.equal(f.elements.length, 0);
  const six = render(
    { clusterIPs: ["fd00:96::10"], sessionAffinity: "ClientIP" },
    [endpoint("fd00:244::5")],
    { ctx: V6 },
  );
  const to = [...six.chains.entries()].find(([n]) => n.includes("-to-"))!;
  assert.equal(to[1][1], "meta l4proto tcp dnat ip6 to [fd00:244::5]:8080");
});

Deno.test("renderServicePort() with ClientIP affinity adds a dynamic set and a chain per endpoint, and a chain per set", () => {
  const f = render(
    {
      sessionAffinity: "ClientIP",
      sessionAffinityConfig: { clientIP: { timeoutSeconds: 600 } },
    },
    TWO,
  );
  const p = "aff-default/web/tcp/http";
  assert.deepEqual([...f.sets.keys()].sort(), [`${p}-ep-0af40105-8080`, `${p}-ep-0af40205-8080`]);
  assert.equal(
    f.sets.get(`${p}-ep-0af40105-8080`),
    `set ${p}-ep-0af40105-8080 { type ipv4_addr; flags dynamic,timeout; size 65536; }`,
  );
  assert.deepEqual(f.chains.get(`${p}-to-0af40105-8080`), [
    `update @${p}-ep-0af40105-8080 { ip saddr timeout 600s }`,
    "meta l4proto tcp dnat ip to 10.244.1.5:8080",
  ]);
  assert.deepEqual(f.chains.get(`${p}-cluster`), [
    `ip saddr @${p}-ep-0af40105-8080 goto ${p}-to-0af40105-8080`,
    `ip saddr @${p}-ep-0af40205-8080 goto ${p}-to-0af40205-8080`,
    `numgen random mod 2 vmap { 0 : goto ${p}-to-0af40105-8080, 1 : goto ${p}-to-0af40205-8080 }`,
  ]);
  assert.deepEqual(elementsOf(f, SET.serviceIps), [`10.96.0.10 . tcp . 80 : goto ${p}-cluster`]);
  assert.deepEqual(f.lists, [], "affinity DNATs in its own chains");
  // eTP Local with an exposed port: a local chain, and masq/shortcut variants as used.
  const local = render(
    {
      type: "NodePort",
      sessionAffinity: "ClientIP",
      externalTrafficPolicy: "Local",
      ports: [{ name: "http", port: 80, nodePort: 30080 }],
    },
    TWO,
  );
  assert.deepEqual([...local.chains.keys()].filter((n) => !n.includes("-to-")).sort(), [
    `${p}-cluster`,
    `${p}-cluster-shortcut`,
    `${p}-local`,
  ]);
  assert.deepEqual(local.chains.get(`${p}-local`), [
    `ip saddr @${p}-ep-0af40105-8080 goto ${p}-to-0af40105-8080`,
    `goto ${p}-to-0af40105-8080`,
  ]);
  assert.deepEqual(local.chains.get(`${p}-cluster-shortcut`), [
    "fib saddr type local jump mark-for-masquerade",
    `goto ${p}-cluster`,
  ]);
  const cluster = render(
    {
      type: "NodePort",
      sessionAffinity: "ClientIP",
      ports: [{ name: "http", port: 80, nodePort: 30080 }],
    },
    TWO,
  );
  assert.deepEqual(cluster.chains.get(`${p}-cluster-masq`), [
    "jump mark-for-masquerade",
    `goto ${p}-cluster`,
  ]);
  assert.deepEqual(elementsOf(cluster, SET.serviceNodeports), [
    `tcp . 30080 : goto ${p}-cluster-masq`,
  ]);
});

function ep(ip: string, port = 8080): EndpointInfo {
  return {
    ip: parseIp(ip),
    port,
    ready: true,
    serving: true,
    terminating: false,
    nodeName: "n",
    zone: "",
  };
}

Deno.test("placeEndpoints() keeps every endpoint on its index across a rollout that replaces one pod", () => {
  const before = ["10.0.0.1 . 8080", "10.0.0.2 . 8080", "10.0.0.3 . 8080"];
  const placed = placeEndpoints([ep("10.0.0.2"), ep("10.0.0.3"), ep("10.0.0.9")], before);
  assert.deepEqual(placed, ["10.0.0.9 . 8080", "10.0.0.2 . 8080", "10.0.0.3 . 8080"]);
  // Shrinking: the survivors keep their indices when in range; the one beyond moves into the gap.
  const shrunk = placeEndpoints([ep("10.0.0.1"), ep("10.0.0.3")], before);
  assert.deepEqual(shrunk, ["10.0.0.1 . 8080", "10.0.0.3 . 8080"]);
  // A new port makes a new endpoint.
  assert.deepEqual(placeEndpoints([ep("10.0.0.1", 9090)], before), ["10.0.0.1 . 9090"]);
  assert.deepEqual(placeEndpoints([], ["x"]), []);
  // Without a previous list (a new entry point), the endpoints keep their order.
  const fresh = [ep("10.0.0.3"), ep("10.0.0.1")];
  assert.deepEqual(placeEndpoints(fresh, undefined), fresh.map(endpointValue));
  assert.deepEqual(placeEndpoints(fresh, []), fresh.map(endpointValue));
});

Deno.test("renderServicePort() reads previous indices, so a rollout changes one endpoint element", () => {
  const asked: string[] = [];
  const f = render({}, [endpoint("10.244.1.9"), endpoint("10.244.2.5", OTHER)], {
    previous: (map, key, base) => {
      asked.push(`${map} ${key} ${base}`);
      return map === EP && key === "10.96.0.10 . 80" && base === 0
        ? ["10.244.2.5 . 8080", "10.244.1.5 . 8080"]
        : undefined;
    },
  });
  // The model orders endpoints by address; the previous list wins over that order.
  assert.deepEqual(elementsOf(f, EP), [
    "10.96.0.10 . 80 . 0 : 10.244.2.5 . 8080",
    "10.96.0.10 . 80 . 1 : 10.244.1.9 . 8080",
  ]);
  assert.deepEqual(asked, ["endpoints-tcp 10.96.0.10 . 80 0"]);
});

Deno.test("renderServicePort() keys each protocol's endpoints in its own maps, without the protocol", () => {
  const m = model(
    service("dns", {
      type: "NodePort",
      ports: [{ name: "dns", protocol: "UDP", port: 53, nodePort: 30053 }],
    }),
    [slice("dns", "dns-1", [endpoint("10.244.1.5")], {
      ports: [{ name: "dns", protocol: "UDP", port: 5353 }],
    })],
  );
  const f = emptyFragment();
  renderServicePort(m.ports[0], m.endpoints.get("udp/dns")!, V4, f);
  assert.deepEqual(elementsOf(f, SET.serviceIps), ["10.96.0.10 . udp . 53 : goto pick-1"]);
  assert.deepEqual(elementsOf(f, endpointsMap("ip", "udp")), [
    "10.96.0.10 . 53 . 0 : 10.244.1.5 . 5353",
  ]);
  assert.deepEqual(elementsOf(f, endpointsMap("nodeport", "udp")), [
    "30053 . 0 : 10.244.1.5 . 5353",
  ]);
  assert.deepEqual(elementsOf(f, EP), []);
  assert.deepEqual(elementsOf(f, NP_EP), []);
});

const LB = {
  status: { loadBalancer: { ingress: [{ ip: "198.51.100.10" }, { ip: "2001:db8::10" }] } },
};

function firewall(ranges: string[], ctx = V4): { ips: string[]; allow: string[] } {
  const f = render(
    {
      type: "LoadBalancer",
      clusterIPs: ["10.96.0.10", "fd00:96::10"],
      externalIPs: ["192.0.2.10"],
      loadBalancerSourceRanges: ranges,
      ports: [{ name: "http", port: 80, nodePort: 30080 }],
    },
    [endpoint("10.244.1.5"), endpoint("fd00:244::5")],
    { ctx, extra: LB },
  );
  return { ips: elementsOf(f, SET.firewallIps), allow: elementsOf(f, SET.firewallAllow) };
}

Deno.test("renderServicePort() firewalls LB IPs only, with disjoint ranges of its own family", () => {
  const k = "198.51.100.10 . tcp . 80";
  assert.deepEqual(firewall(["203.0.113.0/24"]), { ips: [k], allow: [`${k} . 203.0.113.0/24`] });
  assert.deepEqual(firewall(["0.0.0.0/0", "203.0.113.0/24"]).allow, [`${k} . 0.0.0.0/0`]);
  assert.deepEqual(
    firewall(["203.0.113.0/24", "203.0.113.0/25", "203.0.113.0/24", "203.0.114.0/24"]).allow,
    [`${k} . 203.0.113.0/24`, `${k} . 203.0.114.0/24`],
    "nested and duplicate ranges collapse; adjacent ones stay apart",
  );
  assert.deepEqual(
    firewall(["203.0.113.7/24"]).allow,
    [`${k} . 203.0.113.0/24`],
    "host bits cleared",
  );
  // A range covering a node address lets the LB IPs in as sources too.
  assert.deepEqual(firewall(["192.168.0.0/16"]).allow, [
    `${k} . 192.168.0.0/16`,
    `${k} . 198.51.100.10/32`,
  ]);
  assert.deepEqual(firewall(["0.0.0.0/0"]).allow, [`${k} . 0.0.0.0/0`], "covered already");
  // Only the other family's ranges: no firewall in this family (as upstream).
  assert.deepEqual(firewall(["2001:db8::/32"]), { ips: [], allow: [] });
  const k6 = "2001:db8::10 . tcp . 80";
  assert.deepEqual(firewall(["::/0", "10.0.0.0/8"], V6), { ips: [k6], allow: [`${k6} . ::/0`] });
  assert.deepEqual(firewall(["fd00:10::/64"], V6).allow, [
    `${k6} . 2001:db8::10/128`,
    `${k6} . fd00:10::/64`,
  ]);
});

Deno.test("firewall ranges as users write them load into a kernel that refuses overlapping intervals", () => {
  for (
    const ranges of [
      ["0.0.0.0/0", "::/0", "203.0.113.0/24"],
      ["192.168.0.0/16", "198.51.100.0/24", "198.51.100.10/32", " 10.0.0.0/8"],
      ["203.0.113.0/25", "203.0.113.128/25", "203.0.113.0/24"],
    ]
  ) {
    const plan = newPlan(settings(), nodeObject());
    addToPlan(
      plan,
      service("web", {
        type: "LoadBalancer",
        clusterIPs: ["10.96.0.10", "fd00:96::10"],
        loadBalancerSourceRanges: ranges,
        ports: [{ name: "http", port: 80, nodePort: 30080 }],
      }, LB),
      [slice("web", "w", [endpoint("10.244.1.5")])],
    );
    const nft = new FakeNftRunner();
    nft.load(plan.fullScript().text);
    assert.ok(nft.elements("ip", "kube-nft-proxy", SET.firewallAllow).size > 0, ranges.join());
  }
});
