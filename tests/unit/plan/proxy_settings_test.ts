import assert from "node:assert/strict";
import { detectorFor, familyContexts } from "../../../src/plan/proxy_settings.ts";
import { readNode, unknownNode } from "../../../src/model/node_info.ts";
import { parseCidr, parseIp } from "../../../src/model/ip.ts";
import { NODE, nodeObject, settings } from "../../fixtures/unit/builders.ts";

const node = readNode(NODE, nodeObject(), () => {});

Deno.test("detectorFor() follows --detect-local-mode, and is off without its input", () => {
  assert.deepEqual(detectorFor(settings(), node), {
    kind: "cidrs",
    cidrs: [parseCidr("10.244.0.0/16"), parseCidr("fd00:244::/48")],
  });
  assert.equal(detectorFor(settings({ clusterCIDRs: [] }), node), undefined);
  assert.deepEqual(detectorFor(settings({ detectLocalMode: "NodeCIDR" }), node), {
    kind: "cidrs",
    cidrs: node.podCIDRs,
  });
  assert.equal(
    detectorFor(settings({ detectLocalMode: "NodeCIDR" }), unknownNode(NODE)),
    undefined,
  );
  assert.deepEqual(
    detectorFor(settings({ detectLocalMode: "BridgeInterface", bridgeInterface: "cni0" }), node),
    { kind: "interface", name: "cni0" },
  );
  assert.equal(detectorFor(settings({ detectLocalMode: "BridgeInterface" }), node), undefined);
  assert.deepEqual(
    detectorFor(
      settings({ detectLocalMode: "InterfaceNamePrefix", interfaceNamePrefix: "veth" }),
      node,
    ),
    { kind: "interface-prefix", prefix: "veth" },
  );
  assert.equal(detectorFor(settings({ detectLocalMode: "InterfaceNamePrefix" }), node), undefined);
});

Deno.test("familyContexts() serves NodePorts on the primary address of each family by default", () => {
  const [v4, v6] = familyContexts(settings(), node, []);
  assert.deepEqual(v4.nodePortIPs.map((a) => a.text), ["192.168.10.1"]);
  assert.deepEqual(v6.nodePortIPs.map((a) => a.text), ["fd00:10::1"]);
  assert.equal(v4.nodePortAll || v6.nodePortAll, false);
  assert.deepEqual(v4.node, { name: NODE, zone: "zone-a" });
  const [u4] = familyContexts(settings(), unknownNode(NODE), []);
  assert.deepEqual(u4.nodePortIPs, [], "no Node object yet: no NodePorts");
  assert.equal(u4.nodePortAll, false, "not even on every address");
});

Deno.test("familyContexts() selects NodePort addresses by CIDR among this host's addresses; /0 or no CIDR of a family matches all", () => {
  let reads = 0;
  const s = settings({
    nodePortAddresses: [parseCidr("192.168.0.0/16")],
    localAddresses: () => {
      reads++;
      return [parseIp("192.168.99.1"), parseIp("10.1.1.1"), parseIp("127.0.0.1")];
    },
  });
  const [c4, c6] = familyContexts(s, node, []);
  // The Node's InternalIP 192.168.10.1 is not on an interface: as upstream, it is not selected.
  assert.deepEqual(c4.nodePortIPs.map((a) => a.text), ["192.168.99.1"]);
  assert.equal(c4.nodePortAll, false);
  assert.equal(c6.nodePortAll, true, "no IPv6 CIDR: every IPv6 address, as upstream");
  familyContexts(s, node, []);
  assert.equal(reads, 2, "this host's addresses are read again for every context");
  const [a4, a6] = familyContexts(
    settings({ nodePortAddresses: [parseCidr("0.0.0.0/0"), parseCidr("fd00:10::/64")] }),
    node,
    [],
  );
  assert.equal(a4.nodePortAll, true);
  assert.equal(a6.nodePortAll, false);
  assert.deepEqual(
    a6.nodePortIPs.map((a) => a.text),
    ["fd00:10::1"],
    "without known local addresses, the Node's stand in",
  );
});

Deno.test("familyContexts() passes table, masquerading, service CIDRs and affinity size to both families", () => {
  const cidrs = [parseCidr("10.96.0.0/12"), parseCidr("fd00:96::/112")];
  const ctxs = familyContexts(
    settings({ tableName: "t", masqueradeBit: 3, masqueradeAll: true, affinityMaxClients: 9 }),
    node,
    cidrs,
  );
  for (const c of ctxs) {
    assert.equal(c.table, "t");
    assert.equal(c.masqMark, "0x00000008");
    assert.equal(c.masqueradeAll, true);
    assert.equal(c.affinityMaxClients, 9);
  }
  assert.deepEqual(ctxs.map((c) => c.serviceCIDRs.map((x) => x.text)), [["10.96.0.0/12"], [
    "fd00:96::/112",
  ]]);
});
