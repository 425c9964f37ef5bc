import assert from "node:assert/strict";
import { isInterfaceName, makeFamilyContext } from "../../src/plan/family_context.ts";
import { familyContexts, serviceCidrsFrom } from "../../src/plan/proxy_settings.ts";
import { readNode } from "../../src/model/node_info.ts";
import { parseCidr, parseIp } from "../../src/model/ip.ts";
import { NODE, nodeObject, problems, settings } from "../fixtures/unit/builders.ts";

const node = readNode(NODE, nodeObject(), () => {});

Deno.test("makeFamilyContext() writes the masquerade bit as a mark and validates it", () => {
  const base = {
    family: 4 as const,
    masqueradeAll: false,
    nodePortAll: false,
    nodePortIPs: [],
    serviceCIDRs: [],
    nodeIPs: [],
    node: { name: "n", zone: "" },
  };
  assert.equal(makeFamilyContext({ ...base, masqueradeBit: 14 }).masqMark, "0x00004000");
  assert.equal(makeFamilyContext({ ...base, masqueradeBit: 31 }).masqMark, "0x80000000");
  assert.equal(makeFamilyContext({ ...base, masqueradeBit: 0 }).masqMark, "0x00000001");
  assert.throws(() => makeFamilyContext({ ...base, masqueradeBit: 32 }), /masqueradeBit/);
  assert.throws(() => makeFamilyContext({ ...base, masqueradeBit: 1.5 }), RangeError);
});

Deno.test("familyContexts() builds per-family pod matches for each detect-local mode", () => {
  const [v4, v6] = familyContexts(settings(), node, []);
  assert.equal(v4.word, "ip");
  assert.equal(v4.podSource, "ip saddr 10.244.0.0/16");
  assert.equal(v4.nonPodSource, "ip saddr != 10.244.0.0/16");
  assert.equal(v6.word, "ip6");
  assert.equal(v6.nonPodSource, "ip6 saddr != fd00:244::/48");

  const [n4, n6] = familyContexts(settings({ detectLocalMode: "NodeCIDR" }), node, []);
  assert.equal(n4.podSource, "ip saddr 10.244.1.0/24");
  assert.equal(n6.podSource, "ip6 saddr fd00:244:1::/64");

  const [b4] = familyContexts(
    settings({ detectLocalMode: "BridgeInterface", bridgeInterface: "cni0" }),
    node,
    [],
  );
  assert.equal(b4.nonPodSource, 'iifname != "cni0"');

  const [p4] = familyContexts(
    settings({ detectLocalMode: "InterfaceNamePrefix", interfaceNamePrefix: "veth" }),
    node,
    [],
  );
  assert.equal(p4.podSource, 'iifname "veth*"');

  const [o4, o6] = familyContexts(
    settings({ clusterCIDRs: [parseCidr("10.244.0.0/16")] }),
    node,
    [],
  );
  assert.ok(o4.podSource);
  assert.equal(o6.podSource, undefined, "no IPv6 cluster CIDR: no detection for IPv6");
  assert.equal(familyContexts(settings({ clusterCIDRs: [] }), node, [])[0].nonPodSource, undefined);
});

Deno.test("familyContexts() picks NodePort addresses: primary, CIDRs, or all for /0", () => {
  const [p4, p6] = familyContexts(settings(), node, []);
  assert.deepEqual(p4.nodePortIPs.map((a) => a.text), ["192.168.10.1"]);
  assert.deepEqual(p6.nodePortIPs.map((a) => a.text), ["fd00:10::1"]);
  assert.equal(p4.nodePortAll, false);

  const [c4, c6] = familyContexts(
    settings({
      nodePortAddresses: [parseCidr("192.168.0.0/16")],
      localAddresses: [parseIp("192.168.99.1"), parseIp("10.1.1.1")],
    }),
    node,
    [],
  );
  assert.deepEqual(c4.nodePortIPs.map((a) => a.text), ["192.168.10.1", "192.168.99.1"]);
  assert.deepEqual(c6.nodePortIPs, [], "no IPv6 CIDR: no IPv6 NodePorts");

  const [a4, a6] = familyContexts(
    settings({ nodePortAddresses: [parseCidr("0.0.0.0/0")] }),
    node,
    [],
  );
  assert.equal(a4.nodePortAll, true);
  assert.equal(a6.nodePortAll, false);
});

Deno.test("serviceCidrsFrom() prefers ServiceCIDR objects and reports bad CIDRs", () => {
  const p = problems();
  const fallback = [parseCidr("10.96.0.0/16")];
  assert.equal(serviceCidrsFrom([], fallback, p.sink), fallback);
  const got = serviceCidrsFrom(
    [
      { metadata: { name: "kubernetes" }, spec: { cidrs: ["10.100.0.0/16", "nope"] } },
      { metadata: { name: "extra" }, spec: { cidrs: ["fd00:96::/112"] } },
    ],
    fallback,
    p.sink,
  );
  assert.deepEqual(got.map((c) => c.text), ["10.100.0.0/16", "fd00:96::/112"]);
  assert.deepEqual(p.list.map((x) => `${x.object} ${x.field}`), [
    "ServiceCIDR kubernetes spec.cidrs[1]",
  ]);
});

Deno.test("isInterfaceName() refuses quotes, wildcards and long names", () => {
  assert.equal(isInterfaceName("cni0"), true);
  assert.equal(isInterfaceName("veth.a-b_c"), true);
  for (const bad of ["", 'cni0"', "eth*", "a b", "x".repeat(16), "a;b"]) {
    assert.equal(isInterfaceName(bad), false, bad);
  }
});
