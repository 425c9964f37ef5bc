import assert from "node:assert/strict";
import { RulesetPlan } from "../../../src/plan/ruleset_plan.ts";
import { ServiceTooLargeError } from "../../../src/plan/family_plan.ts";
import {
  addToPlan,
  endpoint,
  model,
  newPlan,
  OTHER,
  service,
  slice,
} from "../../fixtures/unit/builders.ts";
import { applyPlan, desiredDump, kernel } from "../../fixtures/unit/fake_kernel.ts";
import { FakeNftRunner } from "../../../src/nft/fake_nft_runner.ts";
import { canUseNetns, withNetns } from "../../fixtures/unit/scratch_netns.ts";

const dual = (name: string, v4: string, v6: string, sa = "None") =>
  service(name, { clusterIPs: [v4, v6], sessionAffinity: sa });
const dualSlices = (name: string, n: number) => [
  slice(name, `${name}-4`, [...Array(n)].map((_, i) => endpoint(`10.244.1.${10 + i}`))),
  slice(name, `${name}-6`, [...Array(n)].map((_, i) => endpoint(`fd00:244::${10 + i}`, OTHER)), {
    addressType: "IPv6",
  }),
];

Deno.test("RulesetPlan.fullScript() replaces the tables until an apply, then rewrites them in place", () => {
  const plan = newPlan();
  addToPlan(plan, dual("web", "10.96.0.10", "fd00:96::10"), dualSlices("web", 2));
  const first = plan.fullScript();
  assert.match(first.text, /^add table ip kube-nft-proxy\ndelete table ip kube-nft-proxy\n/);
  assert.match(first.text, /^delete table ip6 kube-nft-proxy$/m);
  plan.applied("full");
  const inPlace = plan.fullScript().text;
  assert.doesNotMatch(inPlace, /(add|delete) table/);
  assert.match(inPlace, /^flush map ip6 kube-nft-proxy service-ips$/m);
  plan.markUnknown();
  assert.match(plan.fullScript().text, /^delete table ip kube-nft-proxy$/m);
});

Deno.test("RulesetPlan.partialScript() is empty when nothing changed, and counts its operations", () => {
  const plan = newPlan();
  const nft = kernel();
  addToPlan(plan, dual("web", "10.96.0.10", "fd00:96::10"), dualSlices("web", 2));
  applyPlan(plan, nft, "full");
  assert.deepEqual(plan.partialScript(), { text: "", operations: 0 });
  addToPlan(plan, dual("web", "10.96.0.10", "fd00:96::10"), dualSlices("web", 2));
  plan.removeService("default/nope");
  assert.deepEqual(plan.partialScript(), { text: "", operations: 0 });
  addToPlan(plan, dual("web", "10.96.0.10", "fd00:96::10"), dualSlices("web", 3));
  const p = plan.partialScript();
  // Per family: add chain pick-3 and its rule per protocol (4), replace the verdict (2), one
  // endpoint; IPv4 also adds the hairpin element of its endpoint on this node (the IPv6 ones are
  // on the other node: no client of theirs is DNATed here).
  assert.equal(p.operations, 8 + 7, p.text);
  assert.match(
    p.text,
    /^add element ip kube-nft-proxy hairpin \{ 10\.244\.1\.12 \. 10\.244\.1\.12 \}$/m,
  );
  assert.doesNotMatch(p.text, /^add element ip6 kube-nft-proxy hairpin/m);
  assert.match(
    p.text,
    /^add element ip6 kube-nft-proxy endpoints-tcp \{ fd00:96::10 \. 80 \. 2 : fd00:244::12 \. 8080 \}$/m,
  );
  nft.load(p.text);
  plan.applied("partial");
  assert.equal(plan.partialScript().text, "");
});

Deno.test("RulesetPlan.applied('garbage') forgets only the garbage its last garbage script removed", () => {
  const plan = newPlan();
  const nft = kernel();
  addToPlan(plan, service("web"), [
    slice("web", "w", [endpoint("10.244.1.5"), endpoint("10.244.1.6")]),
  ]);
  addToPlan(plan, service("b", { clusterIP: "10.96.0.11" }), [
    slice("b", "b", [endpoint("10.244.1.7"), endpoint("10.244.1.8")]),
  ]);
  applyPlan(plan, nft, "full");
  plan.applied("garbage"); // no garbage script rendered: nothing to record
  addToPlan(plan, service("web"), [slice("web", "w", [endpoint("10.244.1.5")])]);
  applyPlan(plan, nft, "partial");
  const script = plan.garbageScript();
  assert.equal(script.operations, 2, script.text); // web's second endpoint and its hairpin
  // More garbage arrives before that script is recorded as applied.
  addToPlan(plan, service("b", { clusterIP: "10.96.0.11" }), [
    slice("b", "b", [endpoint("10.244.1.7")]),
  ]);
  applyPlan(plan, nft, "partial");
  nft.load(script.text);
  plan.applied("garbage");
  assert.equal(plan.hasGarbage, true, "b's leftovers are still to collect");
  applyPlan(plan, nft, "garbage");
  assert.equal(plan.hasGarbage, false);
  assert.equal(nft.dump(), desiredDump(plan));
});

Deno.test("RulesetPlan.setService() leaves a too-large Service out of every family", () => {
  const plan = newPlan();
  const big = model(dual("web", "10.96.0.10", "fd00:96::10"), dualSlices("web", 30));
  assert.throws(
    () => plan.setService(big.key, big.ports, big.endpoints, () => {}, 40),
    ServiceTooLargeError,
  );
  for (const f of plan.families) assert.equal(f.serviceCount, 0);
  const ok = plan.setService(big.key, big.ports, big.endpoints, () => {}, 1000);
  assert.equal(ok.length, 2);
  assert.ok(ok.every((d) => d.has("default/web/tcp/http")));
});

Deno.test("RulesetPlan.adopt() makes the first full script rewrite what a previous run left", () => {
  const plan = new RulesetPlan(newPlan().families.map((f) => f.ctx));
  plan.adopt([new Map([["old", { kind: "chain", rules: [] }]]), new Map()]);
  const text = plan.fullScript().text;
  assert.doesNotMatch(text, /delete table/);
  assert.match(text, /^delete chain ip kube-nft-proxy old$/m);
  assert.doesNotMatch(text, /ip6 kube-nft-proxy old/);
});

/** `nft list table` output without the elements of ClientIP-affinity sets, for comparison. */
function withoutAffinityEntries(listing: string): string {
  return listing.replace(/(set aff-[^{]+\{[^}]*?)\n\s*elements = \{[^}]*\}/g, "$1");
}

Deno.test({
  name:
    "an in-place full script leaves the kernel as a replacing one does, keeping affinity entries",
  ignore: !canUseNetns("the in-place full script kernel test"),
  async fn() {
    await withNetns(async (_ns, nft) => {
      const plan = newPlan();
      const aff = () => dual("a", "10.96.0.1", "fd00:96::1", "ClientIP");
      addToPlan(plan, aff(), dualSlices("a", 2));
      addToPlan(plan, dual("b", "10.96.0.2", "fd00:96::2"), dualSlices("b", 1));
      await nft.apply(plan.fullScript().text);
      plan.applied("full");
      const set = "aff-default/a/tcp/http-ep-0af4010a-8080";
      await nft.apply(`add element ip kube-nft-proxy ${set} { 203.0.113.9 timeout 1h }\n`);
      // Changes the kernel has not seen: b goes, c arrives, a shrinks.
      plan.removeService("default/b");
      addToPlan(plan, dual("c", "10.96.0.3", "fd00:96::3"), dualSlices("c", 2));
      addToPlan(plan, aff(), dualSlices("a", 1));
      await nft.apply(plan.fullScript().text);
      const inPlace = await nft.run(["list", "ruleset"]);
      assert.match(inPlace, /203\.0\.113\.9 timeout 1h/, "the affinity entry survived");
      assert.doesNotMatch(inPlace, /10\.96\.0\.2 /, "b is gone");
      plan.markUnknown();
      await nft.apply(plan.fullScript().text);
      const replaced = await nft.run(["list", "ruleset"]);
      assert.doesNotMatch(replaced, /203\.0\.113\.9/, "a replacement starts afresh");
      assert.equal(withoutAffinityEntries(inPlace), withoutAffinityEntries(replaced));
    });
  },
});

Deno.test({
  name: "a partial script that adds selection chains through existing maps loads into this nft",
  ignore: !canUseNetns("the partial script kernel test"),
  async fn() {
    await withNetns(async (_ns, nft) => {
      const plan = newPlan();
      addToPlan(plan, dual("web", "10.96.0.10", "fd00:96::10"), dualSlices("web", 1));
      await nft.apply(plan.fullScript().text);
      plan.applied("full");
      addToPlan(plan, dual("web", "10.96.0.10", "fd00:96::10"), dualSlices("web", 3));
      const partial = plan.partialScript().text;
      assert.match(partial, /^add rule ip6 kube-nft-proxy pick-3 .* map @endpoints-tcp$/m);
      await nft.apply(partial);
      plan.applied("partial");
      // nft prints the protocol match folded into the key.
      const listed = await nft.run(["list", "chain", "ip", "kube-nft-proxy", "pick-3"]);
      assert.match(
        listed,
        /dnat ip to ip daddr \. udp dport \. numgen random mod 3 map @endpoints-udp/,
      );
    });
  },
});

Deno.test({
  name: "a partial sync that adds a selection chain loads into nft 1.0.6 despite its typeof bug",
  fn() {
    const plan = newPlan();
    const nft = new FakeNftRunner({ typeofBug: true });
    addToPlan(plan, service("web"), [
      slice("web", "w", [endpoint("10.244.1.5"), endpoint("10.244.1.6")]),
    ]);
    applyPlan(plan, nft, "full");
    addToPlan(plan, service("web"), [
      slice("web", "w", [endpoint("10.244.1.5"), endpoint("10.244.1.6"), endpoint("10.244.1.7")]),
    ]);
    assert.match(plan.partialScript().text, /^add rule ip kube-nft-proxy pick-3 /m);
    applyPlan(plan, nft, "partial");
  },
});

Deno.test({
  name:
    "an in-place full sync of a table with selection chains loads into nft 1.0.6 despite its typeof bug",
  fn() {
    const plan = newPlan();
    const nft = new FakeNftRunner({ typeofBug: true });
    addToPlan(plan, service("web"), [slice("web", "w", [endpoint("10.244.1.5")])]);
    applyPlan(plan, nft, "full");
    applyPlan(plan, nft, "full");
  },
});
