import assert from "node:assert/strict";
import { primaryAddress, readNode, unknownNode } from "../../src/model/node_info.ts";
import { nodeObject, problems } from "../fixtures/unit/builders.ts";

Deno.test("readNode() puts InternalIPs before ExternalIPs and dedupes", () => {
  const p = problems();
  const info = readNode(
    "node-a",
    nodeObject({
      status: {
        addresses: [
          { type: "ExternalIP", address: "203.0.113.9" },
          { type: "Hostname", address: "node-a" },
          { type: "InternalIP", address: "192.168.10.001" },
          { type: "InternalIP", address: "fd00:10::1" },
          { type: "InternalIP", address: "192.168.10.1" },
          { type: "InternalIP", address: "192.168.10.1 }" },
        ],
      },
    }),
    p.sink,
  );
  assert.deepEqual(info.addresses.map((a) => a.text), [
    "192.168.10.1",
    "fd00:10::1",
    "203.0.113.9",
  ]);
  assert.equal(primaryAddress(info, 4)?.text, "192.168.10.1");
  assert.equal(primaryAddress(info, 6)?.text, "fd00:10::1");
  assert.deepEqual(p.list.map((x) => `${x.object} ${x.field}`), [
    "Node node-a status.addresses[5].address",
  ]);
});

Deno.test("readNode() reads podCIDRs (or podCIDR) and the zone label", () => {
  const p = problems();
  const info = readNode("node-a", nodeObject(), p.sink);
  assert.deepEqual(info.podCIDRs.map((c) => c.text), ["10.244.1.0/24", "fd00:244:1::/64"]);
  assert.equal(info.zone, "zone-a");
  const single = readNode("node-a", nodeObject({ spec: { podCIDR: " 10.244.7.9/24" } }), p.sink);
  assert.deepEqual(single.podCIDRs.map((c) => c.text), ["10.244.7.0/24"]);
  const bad = readNode(
    "node-a",
    nodeObject({ spec: { podCIDRs: ["10.244.1.0/24", "x"] } }),
    p.sink,
  );
  assert.deepEqual(bad.podCIDRs.map((c) => c.text), ["10.244.1.0/24"]);
  assert.deepEqual(p.list.map((x) => x.field), ["spec.podCIDRs[1]"]);
});

Deno.test("readNode() without a Node object knows only the name", () => {
  const p = problems();
  assert.deepEqual(readNode("node-x", undefined, p.sink), unknownNode("node-x"));
  assert.equal(primaryAddress(unknownNode("node-x"), 4), undefined);
});
