import assert from "node:assert/strict";
import { type FamilyChanges, ServiceTooLargeError } from "../../../src/plan/family_plan.ts";
import type { RulesetPlan } from "../../../src/plan/ruleset_plan.ts";
import { endpointsMap, SET, SHORTCUT_OFFSET } from "../../../src/plan/names.ts";
import { pickChainRules } from "../../../src/plan/skeleton.ts";
import type { FakeNftRunner } from "../../../src/nft/fake_nft_runner.ts";
import type { EndpointSlice, Service } from "../../../src/model/kube_types.ts";
import {
  addToPlan,
  endpoint,
  model,
  newPlan,
  OTHER,
  problems,
  service,
  slice,
} from "../../fixtures/unit/builders.ts";
import {
  applyPlan,
  desiredDump,
  kernel,
  replacingScript,
} from "../../fixtures/unit/fake_kernel.ts";

/** The endpoints map of TCP entry points (keys `addr . port . index`). */
const EP = endpointsMap("ip", "tcp");

const eps = (n: number, name = "web", base = 10) =>
  slice(name, `${name}-1`, [...Array(n)].map((_, i) => endpoint(`10.244.1.${base + i}`)));

/** A plan with `web` (n endpoints) fully applied to a fake kernel. */
function applied(n = 3, svc: Service = service("web")): { plan: RulesetPlan; nft: FakeNftRunner } {
  const plan = newPlan();
  addToPlan(plan, svc, [eps(n)]);
  const nft = kernel();
  nft.load(replacingScript(plan));
  plan.applied("full");
  return { plan, nft };
}

/** `changes()` of the IPv4 family, in a comparable form. */
function changes(plan: RulesetPlan): Record<string, string[]> {
  const c: FamilyChanges = plan.families[0].changes();
  return {
    setsAdded: [...c.setsAdded.keys()],
    chainsAdded: [...c.chainsAdded.keys()],
    chainsChanged: [...c.chainsChanged.keys()],
    deleted: [...c.elementsDeleted].flatMap(([s, ks]) => ks.map((k) => `${s} ${k}`)).sort(),
    added: [...c.elementsAdded].flatMap(([s, kvs]) =>
      kvs.map(([k, v]) => `${s} ${k}${v ? ` : ${v}` : ""}`)
    )
      .sort(),
  };
}

const NONE = { setsAdded: [], chainsAdded: [], chainsChanged: [], deleted: [], added: [] };

Deno.test("FamilyPlan.setService() returns each port's decision; removeService() of an unknown key is a no-op", () => {
  const plan = newPlan();
  const m = model(
    service("web", {
      ports: [{ name: "http", port: 80 }, { name: "dns", protocol: "UDP", port: 53 }],
    }),
    [eps(2)],
  );
  const v4 = plan.families[0];
  const d = v4.setService(m.key, m.ports, m.endpoints, () => {});
  assert.deepEqual([...d.keys()], ["default/web/tcp/http", "default/web/udp/dns"]);
  assert.equal(d.get("default/web/tcp/http")!.internal.action, "dnat");
  assert.equal(d.get("default/web/udp/dns")!.internal.action, "reject", "no slice port named dns");
  assert.equal(plan.families[1].setService(m.key, m.ports, m.endpoints, () => {}).size, 0);
  assert.deepEqual([...v4.serviceKeys()], ["default/web"]);
  v4.removeService("default/nope");
  assert.equal(v4.serviceCount, 1);
  v4.removeService("default/web");
  assert.equal(v4.serviceCount, 0);
  assert.equal(v4.elements.size(SET.serviceIps), 0);
  assert.equal(v4.objects.size, 0, "the pick chain goes with its last user");
});

Deno.test("FamilyPlan.changes() holds only what changed since the last apply", () => {
  const { plan } = applied(2);
  assert.deepEqual(changes(plan), NONE);
  addToPlan(plan, service("web"), [eps(2)]);
  assert.deepEqual(changes(plan), NONE, "setting the same Service again changes nothing");
  addToPlan(plan, service("other", { clusterIP: "10.96.0.11" }), [eps(2, "other", 50)]);
  assert.deepEqual(changes(plan), {
    ...NONE,
    added: [
      "cluster-ips 10.96.0.11",
      "endpoints-tcp 10.96.0.11 . 80 . 0 : 10.244.1.50 . 8080",
      "endpoints-tcp 10.96.0.11 . 80 . 1 : 10.244.1.51 . 8080",
      "hairpin 10.244.1.50",
      "hairpin 10.244.1.51",
      "service-ips 10.96.0.11 . tcp . 80 : goto pick-2",
    ],
  }, "pick-2 exists already: no chain");
  plan.applied("partial");
  assert.deepEqual(changes(plan), NONE);
});

Deno.test("FamilyPlan.changes() deletes then adds an element whose value changes, and adds a new pick chain", () => {
  const { plan } = applied(2);
  addToPlan(plan, service("web"), [eps(3)]);
  const c = changes(plan);
  assert.deepEqual(c.chainsAdded, ["pick-3"]);
  assert.deepEqual(c.deleted, ["service-ips 10.96.0.10 . tcp . 80"]);
  assert.ok(c.added.includes("service-ips 10.96.0.10 . tcp . 80 : goto pick-3"));
  assert.ok(c.added.includes("endpoints-tcp 10.96.0.10 . 80 . 2 : 10.244.1.12 . 8080"));
  assert.equal(c.added.filter((a) => a.startsWith("endpoints")).length, 1, "indices 0 and 1 stay");
});

Deno.test("FamilyPlan defers unreachable endpoints to the garbage, then forgets what was collected", () => {
  const { plan, nft } = applied(3);
  addToPlan(plan, service("web"), [eps(1)]);
  const c = changes(plan);
  assert.deepEqual(c.deleted, ["service-ips 10.96.0.10 . tcp . 80"], "no endpoint deleted now");
  applyPlan(plan, nft, "partial");
  const v4 = plan.families[0];
  const g = v4.garbage();
  assert.deepEqual(
    [...g.elements].map(([s, k]) => `${s}: ${[...k].sort().join(", ")}`).sort(),
    [
      "endpoints-tcp: 10.96.0.10 . 80 . 1, 10.96.0.10 . 80 . 2",
      "hairpin: 10.244.1.11, 10.244.1.12",
    ],
  );
  assert.deepEqual(g.chains, ["pick-3"]);
  assert.equal(plan.hasGarbage, true);
  applyPlan(plan, nft, "garbage");
  assert.equal(plan.hasGarbage, false);
  assert.deepEqual(v4.garbage(), { elements: new Map(), chains: [], sets: [] });
  assert.equal(nft.dump(), desiredDump(plan));
});

Deno.test("FamilyPlan re-adds garbage by value: the same value writes nothing, another one is replaced", () => {
  const { plan, nft } = applied(3);
  addToPlan(plan, service("web"), [eps(1)]);
  applyPlan(plan, nft, "partial");
  // Back to three: index 1 holds its old endpoint again, index 2 a new one.
  addToPlan(plan, service("web"), [
    slice("web", "web-1", [
      endpoint("10.244.1.10"),
      endpoint("10.244.1.11"),
      endpoint("10.244.1.99"),
    ]),
  ]);
  const c = changes(plan);
  assert.deepEqual(c.chainsAdded, [], "pick-3 is still in the kernel");
  assert.deepEqual(c.deleted, [
    "endpoints-tcp 10.96.0.10 . 80 . 2",
    "service-ips 10.96.0.10 . tcp . 80",
  ]);
  assert.deepEqual(c.added.filter((a) => !a.startsWith("service-ips")), [
    "endpoints-tcp 10.96.0.10 . 80 . 2 : 10.244.1.99 . 8080",
    "hairpin 10.244.1.99",
  ]);
  applyPlan(plan, nft, "partial");
  const g = plan.families[0].garbage();
  assert.deepEqual([...g.elements.keys()], ["hairpin"], "only the gone endpoint's hairpin is left");
  assert.deepEqual(g.chains, ["pick-1"], "the one-endpoint chain is no longer used");
  assert.ok(nft.elements("ip", "kube-nft-proxy", SET.hairpin).has("10.244.1.12 . 10.244.1.12"));
});

Deno.test("FamilyPlan counts the users of a pick chain across Services", () => {
  const { plan, nft } = applied(2);
  addToPlan(plan, service("b", { clusterIP: "10.96.0.11" }), [eps(2, "b", 50)]);
  applyPlan(plan, nft, "partial");
  plan.removeService("default/web");
  assert.ok(plan.families[0].objects.has("pick-2"), "still used by b");
  applyPlan(plan, nft, "partial");
  assert.deepEqual(plan.families[0].garbage().chains, []);
  plan.removeService("default/b");
  applyPlan(plan, nft, "partial");
  assert.deepEqual(plan.families[0].garbage().chains, ["pick-2"]);
  // Used again before the collection: nothing to create, nothing to collect.
  addToPlan(plan, service("c", { clusterIP: "10.96.0.12" }), [eps(2, "c", 60)]);
  assert.deepEqual(changes(plan).chainsAdded, []);
  applyPlan(plan, nft, "partial");
  assert.deepEqual(plan.families[0].garbage().chains, []);
  assert.deepEqual(
    nft.rules("ip", "kube-nft-proxy", "pick-2"),
    pickChainRules(plan.families[0].ctx, "ip", "plain", 2),
    "one copy of each rule",
  );
});

Deno.test("FamilyPlan turns a removed Service's affinity objects into garbage, deleted after the verdicts", () => {
  const aff = service("web", { sessionAffinity: "ClientIP" });
  const { plan, nft } = applied(2, aff);
  plan.removeService("default/web");
  const c = changes(plan);
  assert.ok(c.deleted.includes("service-ips 10.96.0.10 . tcp . 80"));
  applyPlan(plan, nft, "partial");
  const g = plan.families[0].garbage();
  assert.equal(g.chains.length, 3, g.chains.join());
  assert.equal(g.sets.length, 2, g.sets.join());
  applyPlan(plan, nft, "garbage");
  assert.equal(nft.dump(), desiredDump(plan));
});

Deno.test("FamilyPlan.setService() leaves out a Service above the limit and names it", () => {
  const plan = newPlan();
  addToPlan(plan, service("small", { clusterIP: "10.96.0.11" }), [eps(1, "small")]);
  const m = model(service("web"), [eps(20)]);
  assert.throws(
    () => plan.families[0].setService(m.key, m.ports, m.endpoints, () => {}, 10),
    (e: unknown) =>
      e instanceof ServiceTooLargeError && e.size > 10 &&
      /Service default\/web needs \d+ .*limit of 10/.test(e.message),
  );
  assert.deepEqual([...plan.families[0].serviceKeys()], ["default/small"]);
  assert.equal(plan.families[0].elements.get(SET.serviceIps, "10.96.0.10 . tcp . 80"), undefined);
});

Deno.test("FamilyPlan reports an entry point claimed by two Services and keeps the first owner's verdict", () => {
  const plan = newPlan();
  const p = problems();
  const a = model(service("a", { clusterIP: "10.96.0.1", externalIPs: ["192.0.2.1"] }), [
    eps(1, "a"),
  ]);
  const b = model(service("b", { clusterIP: "10.96.0.2", externalIPs: ["192.0.2.1"] }), [
    eps(2, "b", 50),
  ]);
  plan.setService(a.key, a.ports, a.endpoints, p.sink);
  plan.setService(b.key, b.ports, b.endpoints, p.sink);
  // The verdict and the endpoint list of the entry point each report the conflict.
  assert.deepEqual(p.list.map((x) => `${x.object} ${x.field}: ${x.message}`), [
    "Service default/b spec: service-ips element 192.0.2.1 . tcp . 80 is already used by another Service; keeping the first",
    "Service default/b spec: endpoints-tcp element 192.0.2.1 . 80 is already used by another Service; keeping the first",
  ]);
  const v4 = plan.families[0];
  assert.equal(v4.element(SET.serviceIps, "192.0.2.1 . tcp . 80"), "goto pick-masq-1");
  assert.equal(v4.element(EP, "192.0.2.1 . 80 . 0"), "10.244.1.10 . 8080");
  assert.equal(v4.element(EP, "192.0.2.1 . 80 . 1"), undefined, "pick-masq-1 reads index 0 only");
  plan.removeService("default/a");
  assert.equal(
    v4.element(SET.serviceIps, "192.0.2.1 . tcp . 80"),
    "goto pick-masq-2",
    "b takes over",
  );
  assert.deepEqual(
    [0, 1].map((i) => v4.element(EP, `192.0.2.1 . 80 . ${i}`)),
    ["10.244.1.50 . 8080", "10.244.1.51 . 8080"],
    "with its endpoints",
  );
});

Deno.test("an entry point claimed by two Services DNATs only to its owner's endpoints, also after the loser leaves", () => {
  const plan = newPlan();
  const put = (name: string, ip: string, slices: EndpointSlice[]) => {
    const m = model(service(name, { clusterIP: ip, externalIPs: ["192.0.2.1"] }), slices);
    plan.setService(m.key, m.ports, m.endpoints, () => {});
  };
  put("a", "10.96.0.1", [eps(1, "a", 10)]);
  put("b", "10.96.0.2", [eps(1, "b", 50)]);
  const v4 = plan.families[0];
  assert.equal(v4.element(EP, "192.0.2.1 . 80 . 0"), "10.244.1.10 . 8080");
  plan.removeService("default/b");
  assert.equal(v4.element(EP, "192.0.2.1 . 80 . 0"), "10.244.1.10 . 8080");
  assert.equal(v4.element(EP, "10.96.0.2 . 80 . 0"), undefined, "the loser's own ClusterIP goes");
});

Deno.test({
  // KNOWN BUG (src/plan/family_plan.ts, latent): ownership is settled per map, and the loser of
  // `service-ips` is the only claimant of `shortcut-ips`, so pods and the node reach its
  // endpoints while outside clients reach the owner's. The proxier's AddressClaims refuses the
  // second claim before the plan sees it, so no ruleset the proxier writes shows it today.
  name:
    "an entry point claimed by two Services sends pods and the node to its owner's endpoints too (KNOWN BUG: ownership settled per map)",
  ignore: true,
  fn() {
    const plan = newPlan();
    const a = model(service("a", { clusterIP: "10.96.0.1", externalIPs: ["192.0.2.1"] }), [
      eps(1, "a", 10),
    ]);
    const b = model(
      service("b", {
        clusterIP: "10.96.0.2",
        externalIPs: ["192.0.2.1"],
        externalTrafficPolicy: "Local",
      }),
      [eps(2, "b", 50)],
    );
    plan.setService(a.key, a.ports, a.endpoints, () => {});
    plan.setService(b.key, b.ports, b.endpoints, () => {});
    const v4 = plan.families[0];
    assert.equal(v4.element(SET.serviceIps, "192.0.2.1 . tcp . 80"), "goto pick-masq-1");
    // a (eTP Cluster) has no short-circuit: pods and the node take service-ips like anyone.
    assert.equal(v4.element(SET.shortcutIps, "192.0.2.1 . tcp . 80"), undefined);
    assert.equal(v4.element(EP, `192.0.2.1 . 80 . ${SHORTCUT_OFFSET}`), undefined);
  },
});

Deno.test("FamilyPlan.adopt() and markUnknown() set what the kernel is known to hold", () => {
  const plan = newPlan();
  const v4 = plan.families[0];
  assert.equal(v4.kernelObjects, undefined, "nothing known before the first apply");
  addToPlan(plan, service("web", { sessionAffinity: "ClientIP" }), [
    slice("web", "w", [endpoint("10.244.1.5"), endpoint("10.244.2.5", OTHER)]),
  ]);
  plan.applied("full");
  assert.deepEqual([...v4.kernelObjects!.keys()].sort(), [...v4.objects.keys()].sort());
  v4.markUnknown();
  assert.equal(v4.kernelObjects, undefined);
  const adopted = new Map([["old-chain", { kind: "chain" as const, rules: [] }]]);
  v4.adopt(adopted);
  assert.equal(v4.kernelObjects, adopted);
  assert.deepEqual(v4.garbage().chains, ["old-chain"]);
});
