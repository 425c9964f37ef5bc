import assert from "node:assert/strict";
import { primaryAddress, readNode, unknownNode } from "../../../src/model/node_info.ts";
import { nodeObject, problems } from "../../fixtures/unit/builders.ts";

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

Deno.test("readNode() keeps each address's type, other IP-typed addresses last", () => {
  const p = problems();
  const info = readNode(
    "node-a",
    nodeObject({
      status: {
        addresses: [
          { type: "ExternalIP", address: "203.0.113.9" },
          { type: "Hostname", address: "node-a" },
          { type: "InternalIP", address: "192.168.10.1" },
          { type: "Hostname", address: "192.168.10.77" },
          { type: "InternalDNS", address: "node-a.internal" },
          { type: "ExternalIP", address: "192.168.10.1" },
        ],
      },
    }),
    p.sink,
  );
  assert.deepEqual(info.typedAddresses!.map((a) => `${a.type} ${a.ip.text}`), [
    "InternalIP 192.168.10.1",
    "ExternalIP 203.0.113.9",
    "other 192.168.10.77",
  ]);
  assert.deepEqual(info.addresses.map((a) => a.text), ["192.168.10.1", "203.0.113.9"]);
  assert.deepEqual(p.list, [], "names in Hostname and InternalDNS are not problems");
});

Deno.test("readNode() reports wrong-typed fields and keeps the rest", () => {
  const cases: [string, Record<string, unknown>, string[]][] = [
    ["addresses is a map", { status: { addresses: { type: "InternalIP" } } }, ["status.addresses"]],
    ["an address is a string", {
      status: { addresses: ["192.168.10.1", { type: "InternalIP", address: "192.168.10.2" }] },
    }, ["status.addresses[0]"]],
    ["status is a list", { status: [] }, ["status"]],
    ["podCIDRs is a string", {
      spec: { podCIDR: "10.244.7.0/24", podCIDRs: "10.244.7.0/24" },
    }, ["spec.podCIDRs"]],
    ["spec is a number", { spec: 5 }, ["spec"]],
    ["labels is a list", { metadata: { name: "node-a", labels: ["zone-a"] } }, ["metadata.labels"]],
    ["the zone label is a number", {
      metadata: { name: "node-a", labels: { "topology.kubernetes.io/zone": 3 } },
    }, ["metadata.labels[topology.kubernetes.io/zone]"]],
  ];
  for (const [what, over, fields] of cases) {
    const p = problems();
    const info = readNode("node-a", nodeObject(over), p.sink);
    assert.deepEqual(p.list.map((x) => x.field), fields, what);
    assert.ok(p.list.every((x) => x.kind === "Node" && x.object === "Node node-a"), what);
    assert.equal(info.name, "node-a");
  }
  const p = problems();
  assert.deepEqual(
    readNode(
      "node-a",
      nodeObject({
        spec: { podCIDR: "10.244.7.0/24", podCIDRs: "10.244.7.0/24" } as never,
      }),
      p.sink,
    ).podCIDRs.map((c) => c.text),
    ["10.244.7.0/24"],
    "falls back to podCIDR",
  );
  for (const v of [42, "node", [], true]) {
    const q = problems();
    assert.deepEqual(readNode("node-a", v, q.sink), unknownNode("node-a"));
    assert.deepEqual(q.list.map((x) => x.field), [""]);
  }
});
