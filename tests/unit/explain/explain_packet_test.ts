import assert from "node:assert/strict";
import {
  explainPacket,
  type Explanation,
  formatExplanation,
} from "../../../src/explain/explain_packet.ts";
import { ClusterState } from "../../../src/source/cluster_state.ts";
import { parseCidr, parseIp } from "../../../src/model/ip.ts";
import type { Protocol } from "../../../src/model/problems.ts";
import type { ProxySettings } from "../../../src/plan/proxy_settings.ts";
import { endpointsMap, parsePickChain, SET, SHORTCUT_OFFSET } from "../../../src/plan/names.ts";
import type { Service } from "../../../src/model/kube_types.ts";
import { type EndpointArg, endpointSlice, node, service } from "../../support/cluster_objects.ts";
import { newPlan } from "../../fixtures/unit/builders.ts";
import { kernel } from "../../fixtures/unit/fake_kernel.ts";
import { readService } from "../../../src/model/service_port.ts";
import { mergeEndpointSlices } from "../../../src/model/endpoints.ts";

// The cluster of tests/e2e/explain_test.ts, with this node at 192.168.10.1.
const NODE_IP = "192.168.10.1";
const POD = "10.244.1.50", OUTSIDE = "198.51.100.100";
const WEB1 = "10.244.1.11", WEB2 = "10.244.1.12", FAR1 = "10.244.2.11";

function cluster(): ClusterState {
  const s = new ClusterState();
  const objects = [
    node("node", [NODE_IP], ["10.244.1.0/24"]),
    service("web", ["10.96.0.10"], [{ name: "http", port: 80 }]),
    endpointSlice("web-a", "web", 4, [{ name: "http", port: 80 }], [{ ip: WEB1 }, { ip: WEB2 }]),
    service("empty", ["10.96.0.11"], [{ name: "http", port: 80 }]),
    service("local", ["10.96.0.12"], [{ name: "http", port: 80, nodePort: 30080 }], {
      type: "NodePort",
      externalTrafficPolicy: "Local",
    }),
    endpointSlice("local-a", "local", 4, [{ name: "http", port: 80 }], [{
      ip: FAR1,
      node: "node2",
    }]),
    service("fw", ["10.96.0.13"], [{ name: "http", port: 80, nodePort: 30081 }], {
      type: "LoadBalancer",
      loadBalancerSourceRanges: ["192.0.2.0/24"],
    }, { status: { loadBalancer: { ingress: [{ ip: "203.0.113.7" }] } } }),
    endpointSlice("fw-a", "fw", 4, [{ name: "http", port: 80 }], [{ ip: WEB1 }]),
  ];
  for (const o of objects) s.upsert(o.kind as "Node", o);
  return s;
}

function settings(over: Partial<ProxySettings> = {}): ProxySettings {
  return {
    nodeName: "node",
    masqueradeBit: 14,
    masqueradeAll: false,
    detectLocalMode: "ClusterCIDR",
    clusterCIDRs: [parseCidr("10.244.0.0/16")],
    bridgeInterface: "",
    interfaceNamePrefix: "",
    nodePortAddresses: "primary",
    serviceCIDRs: [parseCidr("10.96.0.0/12")],
    ...over,
  };
}

function explain(
  src: string,
  dst: string,
  port: number,
  o: { state?: ClusterState; settings?: Partial<ProxySettings>; protocol?: Protocol } = {},
): Explanation {
  return explainPacket(o.state ?? cluster(), settings(o.settings), {
    src: parseIp(src),
    dst: parseIp(dst),
    port,
    protocol: o.protocol ?? "tcp",
  });
}

const addrs = (e: Explanation) => e.candidates.map((c) => c.address).sort();

Deno.test("explainPacket() answers the scenarios the end-to-end test holds against real packets", () => {
  const cases: [string, string, string, number, Explanation["verdict"], string[], boolean?][] = [
    ["ClusterIP from a pod", POD, "10.96.0.10", 80, "DNAT", [WEB1, WEB2], false],
    ["ClusterIP from outside the cluster", OUTSIDE, "10.96.0.10", 80, "DNAT", [WEB1, WEB2], true],
    ["a Service without endpoints", POD, "10.96.0.11", 80, "REJECT", []],
    ["a ClusterIP's unserved port", POD, "10.96.0.10", 81, "REJECT", []],
    ["an unallocated service address", POD, "10.96.0.99", 80, "DROP", []],
    [
      "eTP Local NodePort, external client, endpoints elsewhere",
      OUTSIDE,
      NODE_IP,
      30080,
      "DROP",
      [],
    ],
    ["eTP Local NodePort from a pod (short-circuit)", POD, NODE_IP, 30080, "DNAT", [FAR1], false],
    ["LB IP from outside the source ranges", OUTSIDE, "203.0.113.7", 80, "DROP", []],
    [
      "NodePort of the firewalled LB (ranges do not apply)",
      OUTSIDE,
      NODE_IP,
      30081,
      "DNAT",
      [WEB1],
      true,
    ],
  ];
  for (const [name, src, dst, port, verdict, candidates, masq] of cases) {
    const e = explain(src, dst, port);
    assert.equal(e.verdict, verdict, `${name}: ${JSON.stringify(e)}`);
    assert.deepEqual(addrs(e), candidates, name);
    assert.equal(e.masquerade?.yes, masq, name);
  }
});

Deno.test("explainPacket() says why: entry point, source, policies and the reason of a refusal", () => {
  const drop = explain(OUTSIDE, NODE_IP, 30080);
  assert.equal(drop.entryPoint, `NodePort ${NODE_IP}:30080`);
  assert.equal(drop.service, "default/local port http/tcp");
  assert.equal(drop.source, "not a pod (outside 10.244.0.0/16) and not a node address");
  assert.deepEqual(drop.policies, ["externalTrafficPolicy Local"]);
  assert.equal(drop.reason, "externalTrafficPolicy Local and no local endpoints");
  const port = explain(POD, "10.96.0.10", 81);
  assert.equal(
    port.reason,
    "10.96.0.10 is the ClusterIP of Service default/web, which does not serve tcp/81",
  );
  assert.match(
    explain(POD, "10.96.0.99", 80).reason,
    /inside the service CIDR 10\.96\.0\.0\/12 but allocated to no Service/,
  );
  const fw = explain(OUTSIDE, "203.0.113.7", 80);
  assert.deepEqual(fw.policies, ["loadBalancerSourceRanges 192.0.2.0/24"]);
  assert.equal(fw.reason, "the source is outside loadBalancerSourceRanges");
  const short = explain(POD, NODE_IP, 30080);
  assert.ok(short.policies.includes("short-circuit: pod traffic goes to cluster-wide endpoints"));
  assert.equal(short.masquerade?.reason, "pod traffic short-circuits to all endpoints");
  assert.equal(explain(OUTSIDE, "8.8.8.8", 80).verdict, "NOT A SERVICE");
  assert.equal(explain(OUTSIDE, "10.96.0.10", 80, { protocol: "udp" }).verdict, "REJECT");
});

Deno.test("explainPacket() masquerades by source, policy and settings as the ruleset does", () => {
  assert.deepEqual(explain(NODE_IP, NODE_IP, 30080).masquerade, {
    yes: true,
    reason: "traffic from the node itself is masqueraded",
  });
  assert.equal(
    explain("192.0.2.9", "203.0.113.7", 80).masquerade?.reason,
    "external traffic with externalTrafficPolicy Cluster is masqueraded",
  );
  assert.deepEqual(
    explain(POD, "10.96.0.10", 80, { settings: { masqueradeAll: true } }).masquerade,
    {
      yes: true,
      reason: "--masquerade-all",
    },
  );
  const off = explain(OUTSIDE, "10.96.0.10", 80, { settings: { clusterCIDRs: [] } });
  assert.equal(off.source, "no local-traffic detection for this family: treated as not a pod");
  assert.equal(off.masquerade?.yes, false);
  const hairpin = explain(WEB1, "10.96.0.10", 80);
  assert.deepEqual(hairpin.masquerade, {
    yes: true,
    reason: "hairpin: the client is one of the endpoints",
  });
  // An endpoint on another node is never a client DNATed here: no hairpin element, no masquerade.
  const far = explain(FAR1, "10.96.0.12", 80);
  assert.equal(far.verdict, "DNAT");
  assert.deepEqual(far.masquerade?.yes, false, JSON.stringify(far.masquerade));
  const bridge = explain(POD, "10.96.0.10", 80, {
    settings: { detectLocalMode: "BridgeInterface", bridgeInterface: "cni0" },
  });
  assert.match(bridge.source, /pod detection is by interface \(BridgeInterface\)/);
  assert.equal(bridge.masquerade?.yes, true, "an address cannot tell: assumed not a pod");
  const nodeCidr = explain(POD, "10.96.0.10", 80, { settings: { detectLocalMode: "NodeCIDR" } });
  assert.equal(nodeCidr.source, "a pod (inside 10.244.1.0/24, NodeCIDR)");
});

function withService(svc: Service, eps: EndpointArg[]): ClusterState {
  const s = cluster();
  s.upsert("Service", svc);
  s.upsert(
    "EndpointSlice",
    endpointSlice(
      `${svc.metadata!.name}-a`,
      svc.metadata!.name!,
      4,
      [{ name: "http", port: 80 }],
      eps,
    ),
  );
  return s;
}

Deno.test("explainPacket() follows internalTrafficPolicy Local, affinity and topology", () => {
  const itp = (eps: EndpointArg[]) =>
    withService(
      service("itp", ["10.96.0.20"], [{ name: "http", port: 80 }], {
        internalTrafficPolicy: "Local",
      }),
      eps,
    );
  const local = explain(POD, "10.96.0.20", 80, {
    state: itp([{ ip: WEB1 }, { ip: FAR1, node: "node2" }]),
  });
  assert.deepEqual(addrs(local), [WEB1]);
  assert.match(local.reason, /^DNAT to one of 1 local endpoint\(s\)/);
  const remote = explain(POD, "10.96.0.20", 80, { state: itp([{ ip: FAR1, node: "node2" }]) });
  assert.equal(remote.verdict, "DROP");
  assert.equal(remote.reason, "internalTrafficPolicy Local and no local endpoints");
  const aff = withService(
    service("aff", ["10.96.0.21"], [{ name: "http", port: 80 }], {
      sessionAffinity: "ClientIP",
      sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } },
    }),
    [{ ip: WEB1 }],
  );
  const sticky = explain(POD, "10.96.0.21", 80, { state: aff });
  assert.equal(sticky.affinity, "ClientIP, 60s");
  assert.match(sticky.reason, /\(sticky per client IP\)$/);
  const topo = withService(service("topo", ["10.96.0.22"], [{ name: "http", port: 80 }]), [
    { ip: WEB1, zone: "zone-a", forZones: ["zone-a"] },
    { ip: FAR1, node: "node2", zone: "zone-b", forZones: ["zone-b"] },
  ]);
  const t = explain(POD, "10.96.0.22", 80, { state: topo });
  assert.deepEqual(addrs(t), [WEB1]);
  assert.ok(
    t.policies.some((p) => p.startsWith("topology: PreferSameZone (zone zone-a")),
    t.policies.join(),
  );
});

Deno.test("explainPacket() refuses mixed families and writes IPv6 destinations in brackets", () => {
  assert.equal(
    explain("fd00::1", "10.96.0.10", 80).reason,
    "source and destination are of different IP families",
  );
  const six = explain("fd00::1", "fd00:96::10", 80);
  assert.equal(six.packet, "fd00::1 -> [fd00:96::10]:80/tcp (IPv6)");
  assert.equal(six.verdict, "NOT A SERVICE");
});

Deno.test("formatExplanation() prints one labelled line per part", () => {
  const text = formatExplanation(explain(OUTSIDE, NODE_IP, 30081));
  assert.equal(
    text,
    [
      `packet:      ${OUTSIDE} -> ${NODE_IP}:30081/tcp (IPv4)`,
      `entry point: NodePort ${NODE_IP}:30081 of Service default/fw port http/tcp`,
      "source:      not a pod (outside 10.244.0.0/16) and not a node address",
      "policy:      externalTrafficPolicy Cluster",
      "candidates:",
      `  - ${WEB1}:80 on node (ready)`,
      "masquerade:  yes (external traffic with externalTrafficPolicy Cluster is masqueraded)",
      "verdict:     DNAT: DNAT to one of 1 endpoint(s), chosen at random with equal weight",
    ].join("\n"),
  );
});

/**
 * The endpoints the loaded ruleset selects for a packet, following the `services` chain:
 * pods and the node try the short-circuit maps first; then the entry point's verdict names a
 * pick chain, whose endpoints are its map elements below N. Undefined when not DNATed there.
 */
function selected(
  nft: ReturnType<typeof kernel>,
  src: "pod" | "node" | "external",
  dst: string,
  port: number,
  nodePort: boolean,
): string[] | undefined {
  const el = (set: string) => nft.elements("ip", "kube-nft-proxy", set);
  const key = nodePort ? `tcp . ${port}` : `${dst} . tcp . ${port}`;
  // The endpoints maps are per protocol, keyed without it.
  const listKey = nodePort ? `${port}` : `${dst} . ${port}`;
  const [plain, shortcut, map] = nodePort
    ? [SET.serviceNodeports, SET.shortcutNodeports, endpointsMap("nodeport", "tcp")]
    : [SET.serviceIps, SET.shortcutIps, endpointsMap("ip", "tcp")];
  const verdict = (src !== "external" ? el(shortcut).get(key) : undefined) ?? el(plain).get(key);
  const pick = verdict && parsePickChain(verdict.replace(/^goto /, ""));
  if (!pick) return undefined;
  const base = pick.variant === "shortcut" ? SHORTCUT_OFFSET : 0;
  return [...Array(pick.n)].map((_, i) => el(map).get(`${listKey} . ${base + i}`)!.split(" . ")[0])
    .sort();
}

Deno.test("explainPacket() names the endpoints the rendered ruleset selects, for every policy combination", () => {
  let checked = 0;
  for (const itp of ["Cluster", "Local"]) {
    for (const etp of ["Cluster", "Local"]) {
      for (const eps of [[], [FAR1], [WEB1], [WEB1, FAR1]]) {
        const svc = service("p", ["10.96.0.30"], [{ name: "http", port: 80, nodePort: 30090 }], {
          type: "NodePort",
          internalTrafficPolicy: itp,
          externalTrafficPolicy: etp,
        });
        const slices = [
          endpointSlice(
            "p-a",
            "p",
            4,
            [{ name: "http", port: 80 }],
            eps.map((ip) => ({ ip, node: ip === FAR1 ? "node2" : "node" })),
          ),
        ];
        const state = cluster();
        state.upsert("Service", svc);
        state.upsert("EndpointSlice", slices[0]);
        // The same objects through the renderer, loaded into a fake kernel.
        const plan = newPlan(settings(), node("node", [NODE_IP], ["10.244.1.0/24"]));
        const { ports } = readService(svc, () => {});
        plan.setService("default/p", ports, mergeEndpointSlices(slices, () => {}));
        const nft = kernel();
        nft.load(plan.fullScript().text);
        for (
          const [src, kind] of [[POD, "pod"], [NODE_IP, "node"], [OUTSIDE, "external"]] as const
        ) {
          for (
            const [dst, port, np] of [["10.96.0.30", 80, false], [NODE_IP, 30090, true]] as const
          ) {
            const e = explain(src, dst, port, { state });
            const what = `iTP ${itp} eTP ${etp} eps [${eps}] from ${kind} to ${dst}:${port}`;
            const want = selected(nft, kind, dst, port, np);
            if (e.verdict === "DNAT") assert.deepEqual(addrs(e), want, what);
            else assert.equal(want, undefined, `${what}: ${e.verdict} but the ruleset DNATs`);
            checked++;
          }
        }
      }
    }
  }
  assert.equal(checked, 96, "every combination");
});
