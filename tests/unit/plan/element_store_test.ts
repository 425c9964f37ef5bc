import assert from "node:assert/strict";
import { ElementStore } from "../../../src/plan/element_store.ts";

function store() {
  const touched: string[] = [];
  const s = new ElementStore((set, key, before) => touched.push(`${set}|${key}|${before ?? "-"}`));
  return { s, touched };
}

Deno.test("ElementStore keeps an element shared by two owners until the last one removes it", () => {
  const { s, touched } = store();
  s.add("cluster-ips", "10.96.0.10", "", "default/a");
  s.add("cluster-ips", "10.96.0.10", "", "default/b");
  assert.deepEqual(touched, ["cluster-ips|10.96.0.10|-"], "the second owner changes nothing");
  s.remove("cluster-ips", "10.96.0.10", "default/a");
  assert.equal(s.get("cluster-ips", "10.96.0.10"), "");
  assert.equal(touched.length, 1, "no change while an owner remains");
  s.remove("cluster-ips", "10.96.0.10", "default/b");
  assert.equal(s.get("cluster-ips", "10.96.0.10"), undefined);
  assert.deepEqual(touched, ["cluster-ips|10.96.0.10|-", "cluster-ips|10.96.0.10|"]);
  assert.equal(s.size("cluster-ips"), 0);
});

Deno.test("ElementStore keeps the first owner's value and reports the conflict", () => {
  const { s, touched } = store();
  assert.equal(s.add("service-ips", "k", "goto svc-a", "a"), undefined);
  assert.equal(s.add("service-ips", "k", "goto svc-b", "b"), "goto svc-a");
  assert.equal(s.get("service-ips", "k"), "goto svc-a");
  s.remove("service-ips", "k", "b");
  assert.equal(s.get("service-ips", "k"), "goto svc-a", "removing the loser changes nothing");
  s.add("service-ips", "k", "goto svc-b", "b");
  s.remove("service-ips", "k", "a");
  assert.equal(s.get("service-ips", "k"), "goto svc-b", "the next owner takes over");
  assert.deepEqual(touched, ["service-ips|k|-", "service-ips|k|goto svc-a"]);
  s.remove("service-ips", "k", "b");
  assert.equal(s.get("service-ips", "k"), undefined);
});

Deno.test("ElementStore records a value change by the same owner, and no-ops quietly", () => {
  const { s, touched } = store();
  s.add("slots", "16", "10.0.0.1 . 80", "a");
  s.add("slots", "16", "10.0.0.1 . 80", "a");
  assert.equal(touched.length, 1);
  s.add("slots", "16", "10.0.0.2 . 80", "a");
  assert.deepEqual(touched, ["slots|16|-", "slots|16|10.0.0.1 . 80"]);
  assert.deepEqual([...s.entries("slots")], [["16", "10.0.0.2 . 80"]]);
  s.remove("slots", "99", "a");
  s.remove("nothing", "16", "a");
  assert.equal(touched.length, 2);
  assert.deepEqual([...s.entries("nothing")], []);
});

Deno.test("ElementStore counts the contributors of a plain set: the element goes with the last one", () => {
  const changes: string[] = [];
  const s = new ElementStore(
    (set, key, before, after) => changes.push(`${set}|${key}|${before ?? "-"}>${after ?? "-"}`),
    ["hairpin"],
  );
  assert.equal(s.add("hairpin", "k", "", "a"), undefined);
  assert.equal(s.add("hairpin", "k", "", "b"), undefined, "no conflict in a plain set");
  assert.equal(s.get("hairpin", "k"), "");
  assert.equal(s.size("hairpin"), 1);
  assert.deepEqual([...s.entries("hairpin")], [["k", ""]]);
  s.remove("hairpin", "k", "a");
  assert.equal(s.get("hairpin", "k"), "", "b still contributes it");
  s.remove("hairpin", "k", "b");
  assert.equal(s.get("hairpin", "k"), undefined);
  s.remove("hairpin", "k", "b");
  assert.equal(s.size("hairpin"), 0);
  assert.deepEqual(changes, ["hairpin|k|->", "hairpin|k|>-"], "one change each way");
  // A set not declared plain keeps owners, as before.
  s.add("cluster-ips", "10.96.0.10", "", "a");
  s.remove("cluster-ips", "10.96.0.10", "b");
  assert.equal(s.get("cluster-ips", "10.96.0.10"), "", "only its owner removes it");
});
