import assert from "node:assert/strict";
import { addElement, emptyFragment, fragmentSize } from "../../../src/plan/fragment.ts";

Deno.test("fragmentSize() counts elements, endpoint list values, sets, chains and their rules", () => {
  const f = emptyFragment();
  assert.equal(fragmentSize(f), 0);
  addElement(f, "cluster-ips", "10.96.0.10");
  addElement(f, "service-ips", "10.96.0.10 . tcp . 80", "goto pick-1");
  addElement(f, "cluster-ips", "10.96.0.10"); // a second port's copy counts too
  f.sets.set("aff-x", "set aff-x { type ipv4_addr; }");
  f.chains.set("aff-y", ["rule one", "rule two"]);
  f.chains.set("aff-z", []);
  assert.equal(fragmentSize(f), 3 + 1 + (1 + 2) + 1);
  f.lists.push({ map: "endpoints-tcp", key: "10.96.0.10 . 80", base: 0, values: ["a", "b"] });
  assert.equal(fragmentSize(f), 3 + 1 + (1 + 2) + 1 + 2, "one element per endpoint value");
  assert.deepEqual(f.elements[0], ["cluster-ips", "10.96.0.10", ""]);
  assert.deepEqual(f.elements[1], ["service-ips", "10.96.0.10 . tcp . 80", "goto pick-1"]);
});

Deno.test("emptyFragment() returns a new fragment each time", () => {
  const a = emptyFragment(), b = emptyFragment();
  addElement(a, "s", "k");
  assert.equal(b.elements.length, 0);
});
