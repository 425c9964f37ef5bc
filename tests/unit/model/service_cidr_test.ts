import assert from "node:assert/strict";
import { readServiceCidr, readServiceCidrs } from "../../../src/model/service_cidr.ts";
import { parseCidr } from "../../../src/model/ip.ts";
import { problems } from "../../fixtures/unit/builders.ts";

/** `kubectl get servicecidr kubernetes -o yaml`, as JSON. */
const KUBERNETES = {
  apiVersion: "networking.k8s.io/v1",
  kind: "ServiceCIDR",
  metadata: { name: "kubernetes", creationTimestamp: "2024-03-04T09:15:20Z" },
  spec: { cidrs: ["10.96.0.0/12", "fd00:96::/112"] },
  status: { conditions: [{ type: "Ready", status: "True", reason: "" }] },
};

Deno.test("readServiceCidrs() reads every ServiceCIDR, deduplicated", () => {
  const p = problems();
  const extra = { metadata: { name: "extra" }, spec: { cidrs: ["10.96.0.0/12", "10.200.0.0/16"] } };
  assert.deepEqual(readServiceCidrs([KUBERNETES, extra], [], p.sink).map((c) => c.text), [
    "10.96.0.0/12",
    "fd00:96::/112",
    "10.200.0.0/16",
  ]);
  assert.deepEqual(p.list, []);
});

Deno.test("readServiceCidrs() falls back to the configured CIDRs only without any object", () => {
  const p = problems();
  const fallback = [parseCidr("10.0.0.0/24")];
  assert.deepEqual(readServiceCidrs([], fallback, p.sink), fallback);
  assert.deepEqual(readServiceCidrs([{ metadata: { name: "x" } }], fallback, p.sink), []);
});

Deno.test("readServiceCidr() reports wrong types and bad CIDRs by object and field", () => {
  const cases: [unknown, string[], string[]][] = [
    [{ metadata: { name: "a" }, spec: { cidrs: "10.96.0.0/12" } }, ["spec.cidrs"], []],
    [{ metadata: { name: "a" }, spec: [] }, ["spec"], []],
    [
      { metadata: { name: "a" }, spec: { cidrs: ["10.96.0.0/12 }", 7, "fd00::/112"] } },
      ["spec.cidrs[0]", "spec.cidrs[1]"],
      ["fd00::/112"],
    ],
    [null, [""], []],
    ["kubernetes", [""], []],
  ];
  for (const [obj, fields, cidrs] of cases) {
    const p = problems();
    assert.deepEqual(readServiceCidr(obj, p.sink).map((c) => c.text), cidrs);
    assert.deepEqual(p.list.map((x) => x.field), fields);
    assert.ok(p.list.every((x) => x.kind === "ServiceCIDR" && x.object.startsWith("ServiceCIDR ")));
  }
});

Deno.test("readServiceCidrs() keeps the valid CIDRs of an object with a bad one, naming its object and field", () => {
  const p = problems();
  const got = readServiceCidrs(
    [
      { metadata: { name: "kubernetes" }, spec: { cidrs: ["10.100.0.0/16", "nope"] } },
      { metadata: { name: "extra" }, spec: { cidrs: ["fd00:96::/112"] } },
      { metadata: { name: "empty" } },
    ],
    [parseCidr("10.96.0.0/16")],
    p.sink,
  );
  assert.deepEqual(got.map((c) => c.text), ["10.100.0.0/16", "fd00:96::/112"]);
  assert.deepEqual(p.list.map((x) => `${x.object} ${x.field}`), [
    "ServiceCIDR kubernetes spec.cidrs[1]",
  ]);
  assert.deepEqual(
    readServiceCidrs([{ metadata: { name: "x" }, spec: { cidrs: [] } }], [
      parseCidr("10.96.0.0/16"),
    ], p.sink),
    [],
    "an object without CIDRs still replaces the fallback",
  );
});
