import assert from "node:assert/strict";
import {
  affinityChain,
  affinityEndpointChain,
  affinityPrefix,
  affinitySet,
  endpointsMap,
  endpointTag,
  MAX_ENDPOINTS_PER_SET,
  parsePickChain,
  pickChain,
  PROTOCOLS,
  SET,
  SHORTCUT_OFFSET,
} from "../../../src/plan/names.ts";
import { parseIp } from "../../../src/model/ip.ts";

Deno.test("parsePickChain() reads back every name pickChain() writes", () => {
  for (const kind of ["ip", "nodeport"] as const) {
    for (const variant of ["plain", "masq", "shortcut"] as const) {
      for (const n of [1, 2, 10, 999, MAX_ENDPOINTS_PER_SET]) {
        const name = pickChain(kind, variant, n);
        assert.deepEqual(parsePickChain(name), { kind, variant, n }, name);
      }
    }
  }
  assert.equal(pickChain("ip", "plain", 3), "pick-3");
  assert.equal(pickChain("nodeport", "masq", 3), "np-pick-masq-3");
  assert.equal(pickChain("ip", "shortcut", 1), "pick-shortcut-1");
});

Deno.test("parsePickChain() refuses other names", () => {
  for (
    const name of [
      "pick-0",
      "pick-01",
      "pick-",
      "pick-x",
      "pick-masq",
      "np-pick--1",
      "pick-local-2",
      "xpick-2",
      "pick-2-",
      "services",
      "aff-default/web/tcp/http-cluster",
    ]
  ) assert.equal(parsePickChain(name), undefined, name);
});

Deno.test("endpointTag() is the address in hex and the port, for both families", () => {
  assert.equal(endpointTag(parseIp("10.244.1.5"), 8080), "0af40105-8080");
  assert.equal(endpointTag(parseIp("fd00::1"), 53), "fd000000000000000000000000000001-53");
});

Deno.test("affinity object names share the port's prefix and differ per endpoint and variant", () => {
  const id = "default/web/tcp/http";
  const prefix = affinityPrefix(id);
  const names = [
    affinitySet(id, "0af40105-8080"),
    affinityEndpointChain(id, "0af40105-8080"),
    affinityChain(id, "cluster", "plain"),
    affinityChain(id, "cluster", "masq"),
    affinityChain(id, "local", "plain"),
    affinityChain(id, "local", "shortcut"),
  ];
  assert.ok(names.every((n) => n.startsWith(`${prefix}-`)));
  assert.equal(new Set(names).size, names.length);
  assert.equal(affinityChain(id, "cluster", "plain"), `${prefix}-cluster`);
  assert.ok(names.every((n) => parsePickChain(n) === undefined));
});

Deno.test("SHORTCUT_OFFSET leaves room for the largest endpoint set below it", () => {
  assert.equal(MAX_ENDPOINTS_PER_SET, SHORTCUT_OFFSET - 1);
  assert.ok(SHORTCUT_OFFSET > 100_000);
});

Deno.test("endpointsMap() names one declared map per entry kind and protocol", () => {
  const names = PROTOCOLS.flatMap((p) => [endpointsMap("ip", p), endpointsMap("nodeport", p)]);
  assert.deepEqual(names, [
    "endpoints-tcp",
    "nodeport-endpoints-tcp",
    "endpoints-udp",
    "nodeport-endpoints-udp",
    "endpoints-sctp",
    "nodeport-endpoints-sctp",
  ]);
  const declared = new Set<string>(Object.values(SET));
  assert.deepEqual(names.filter((n) => !declared.has(n)), []);
});
