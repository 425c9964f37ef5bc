import assert from "node:assert/strict";
import {
  addChain,
  addElement,
  addSet,
  emptyFragment,
  fragmentElements,
  fragmentSize,
} from "../../../src/plan/fragment.ts";

Deno.test("fragmentSize() counts elements, endpoint list values, sets, chains and their rules", () => {
  const f = emptyFragment();
  assert.equal(fragmentSize(f), 0);
  addElement(f, "cluster-ips", "10.96.0.10");
  addElement(f, "service-ips", "10.96.0.10 . tcp . 80", "goto pick-1");
  addElement(f, "cluster-ips", "10.96.0.10"); // a second port's copy counts too
  addSet(f, "aff-x", "set aff-x { type ipv4_addr; }");
  addChain(f, "aff-y", ["rule one", "rule two"]);
  addChain(f, "aff-z", []);
  assert.equal(fragmentSize(f), 3 + 1 + (1 + 2) + 1);
  f.lists.push({ map: "endpoints-tcp", key: "10.96.0.10 . 80", base: 0, values: ["a", "b"] });
  assert.equal(fragmentSize(f), 3 + 1 + (1 + 2) + 1 + 2, "one element per endpoint value");
  assert.deepEqual(fragmentElements(f)[0], ["cluster-ips", "10.96.0.10", ""]);
  assert.deepEqual(fragmentElements(f)[1], [
    "service-ips",
    "10.96.0.10 . tcp . 80",
    "goto pick-1",
  ]);
});

Deno.test("emptyFragment() returns a new fragment each time", () => {
  const a = emptyFragment(), b = emptyFragment();
  addElement(a, "s", "k");
  assert.equal(b.elements.length, 0);
});

Deno.test("fragments share no objects: one fragment's chain or set is not another's", () => {
  const a = emptyFragment(), b = emptyFragment();
  addChain(a, "aff-y", ["rule"]);
  addSet(a, "aff-s", "set aff-s { type ipv4_addr; }");
  assert.deepEqual([...a.chains], [["aff-y", ["rule"]]]);
  assert.deepEqual([...a.sets.keys()], ["aff-s"]);
  assert.equal(b.chains.size, 0);
  assert.equal(b.sets.size, 0);
  assert.equal(emptyFragment().chains.size, 0);
});
