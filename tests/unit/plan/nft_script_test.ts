import assert from "node:assert/strict";
import {
  renderFamilyChanges,
  renderFamilyFull,
  renderFamilyFullInPlace,
  renderFamilyGarbage,
} from "../../../src/plan/nft_script.ts";
import type { PlanObject } from "../../../src/plan/family_plan.ts";
import type { RulesetPlan } from "../../../src/plan/ruleset_plan.ts";
import type { EndpointSlice, Service } from "../../../src/model/kube_types.ts";
import {
  addToPlan,
  endpoint,
  newPlan,
  OTHER,
  service,
  slice,
} from "../../fixtures/unit/builders.ts";
import {
  applyPlan,
  desiredDump,
  kernel,
  replacingScript,
} from "../../fixtures/unit/fake_kernel.ts";

const T = "ip kube-nft-proxy";
const AFF = "aff-default/web/tcp/http";

const webSlice = (...ips: string[]) =>
  slice("web", "w", ips.map((ip, i) => endpoint(ip, i % 2 ? OTHER : "node-a")));
const affinity = (...ips: string[]): [Service, EndpointSlice[]] => [
  service("web", { sessionAffinity: "ClientIP" }),
  [webSlice(...ips)],
];

function full(plan: RulesetPlan): string[] {
  const out: string[] = [];
  renderFamilyFull(plan.families[0], out);
  return out;
}

/** Index of the first line matching `re`; fails when there is none. */
function at(lines: string[], re: RegExp): number {
  const i = lines.findIndex((l) => re.test(l));
  assert.ok(i >= 0, `no line matches ${re}`);
  return i;
}

Deno.test("renderFamilyFull() replaces the table atomically: add, delete, then the whole table and its elements", () => {
  const plan = newPlan();
  addToPlan(plan, ...affinity("10.244.1.5", "10.244.2.5"));
  const lines = full(plan);
  assert.deepEqual(lines.slice(0, 4), [
    `add table ${T}`,
    `delete table ${T}`,
    `table ${T} {`,
    '\tcomment "service proxy rules, managed by kube-nft-proxy; do not edit"',
  ]);
  assert.match(
    lines[at(lines, /^\tchain nat-prerouting \{$/) + 1],
    /^\t\ttype nat hook prerouting priority -100; policy accept;$/,
  );
  // Everything after the block is an element.
  const end = lines.indexOf("}");
  assert.ok(lines.slice(end + 1).every((l) => l.startsWith(`add element ${T} `)));
  const nft = kernel();
  nft.load(lines.join("\n"));
  nft.load(lines.join("\n")); // replacing twice is fine
});

Deno.test("renderFamilyFull() writes at most 2000 elements per statement", () => {
  const plan = newPlan();
  const ips = [...Array(2500)].map((_, i) => `10.244.${10 + (i >> 8)}.${i & 255}`);
  addToPlan(plan, service("web"), [webSlice(...ips)]);
  const lines = full(plan).filter((l) => l.startsWith(`add element ${T} endpoints-tcp `));
  assert.equal(lines.length, 2);
  assert.equal(lines[0].split(", ").length, 2000);
  assert.equal(lines[1].split(", ").length, 500);
  const nft = kernel();
  nft.load(full(plan).join("\n"));
  assert.equal(nft.elements("ip", "kube-nft-proxy", "endpoints-tcp").size, 2500);
});

Deno.test("renderFamilyFullInPlace() rewrites every chain and shared set, deletes what is gone, keeps affinity sets", () => {
  const plan = newPlan();
  addToPlan(plan, ...affinity("10.244.1.5", "10.244.2.5"));
  const nft = kernel();
  applyPlan(plan, nft, "full");
  // A client stuck to the first endpoint, as the kernel's `update` would have added it.
  const kept = `${AFF}-ep-0af40105-8080`, gone = `${AFF}-ep-0af40205-8080`;
  nft.load(`add element ${T} ${kept} { 198.51.100.7 }\nadd element ${T} ${gone} { 198.51.100.8 }`);
  addToPlan(plan, ...affinity("10.244.1.5"));
  const out: string[] = [];
  renderFamilyFullInPlace(plan.families[0], plan.families[0].kernelObjects!, out);
  assert.ok(!out.some((l) => /^(add|delete) table/.test(l)), "the table stays");
  assert.ok(out.includes(`flush map ${T} service-ips`));
  assert.ok(
    !out.some((l) => l.startsWith(`flush set ${T} ${AFF}`)),
    "affinity sets are not flushed",
  );
  const flushGone = out.indexOf(`flush chain ${T} ${AFF}-to-0af40205-8080`);
  const deleteGone = out.indexOf(`delete chain ${T} ${AFF}-to-0af40205-8080`);
  const deleteSet = out.indexOf(`delete set ${T} ${gone}`);
  assert.ok(flushGone >= 0 && flushGone < deleteGone && deleteGone < deleteSet, out.join("\n"));
  nft.load(out.join("\n") + "\n" + renderIpv6InPlace(plan));
  assert.deepEqual([...nft.elements("ip", "kube-nft-proxy", kept).keys()], ["198.51.100.7"]);
  assert.equal(nft.table("ip", "kube-nft-proxy")!.sets.has(gone), false);
  plan.applied("full");
  // Apart from the client entry, the same ruleset as a fresh load.
  const fresh = kernel();
  fresh.load(replacingScript(plan));
  fresh.load(`add element ${T} ${kept} { 198.51.100.7 }`);
  assert.equal(nft.dump(), fresh.dump());
});

function renderIpv6InPlace(plan: RulesetPlan): string {
  const out: string[] = [];
  renderFamilyFullInPlace(plan.families[1], plan.families[1].kernelObjects!, out);
  return out.join("\n");
}

Deno.test("renderFamilyFullInPlace() deletes adopted maps as maps and sets as sets", () => {
  const plan = newPlan();
  const kernel = new Map<string, PlanObject>([
    ["old-set", { kind: "set", decl: "set old-set" }],
    ["old-map", { kind: "set", decl: "map old-map" }],
    ["old-chain", { kind: "chain", rules: [] }],
  ]);
  const out: string[] = [];
  renderFamilyFullInPlace(plan.families[0], kernel, out);
  assert.ok(out.includes(`delete set ${T} old-set`));
  assert.ok(out.includes(`delete map ${T} old-map`));
  assert.ok(out.indexOf(`flush chain ${T} old-chain`) < out.indexOf(`delete chain ${T} old-chain`));
});

Deno.test("renderFamilyChanges() adds sets, then empty chains, then rules, deletions and additions of elements", () => {
  const plan = newPlan();
  addToPlan(plan, service("web"), [webSlice("10.244.1.5")]);
  const nft = kernel();
  applyPlan(plan, nft, "full");
  addToPlan(plan, ...affinity("10.244.1.5", "10.244.2.5"));
  addToPlan(plan, service("b", { clusterIP: "10.96.0.11" }), [
    slice("b", "b", [endpoint("10.244.1.7"), endpoint("10.244.1.8"), endpoint("10.244.1.9")]),
  ]);
  const out: string[] = [];
  const ops = renderFamilyChanges(plan.families[0], plan.families[0].changes(), out);
  const kinds = out.map((l) => /^(\w+ \w+)/.exec(l)![1]);
  const order = [
    "add set",
    "add chain",
    "flush chain",
    "add rule",
    "delete element",
    "add element",
  ];
  const ranks = kinds.map((k) => order.indexOf(k));
  assert.ok(ranks.every((r) => r >= 0), kinds.join());
  assert.deepEqual(ranks, [...ranks].sort((a, b) => a - b), out.join("\n"));
  assert.equal(out.filter((l) => l.startsWith("add set")).length, 2);
  assert.ok(out.includes(`add chain ${T} pick-3`));
  assert.ok(out.includes(`delete element ${T} service-ips { 10.96.0.10 . tcp . 80 }`));
  const elements = out.filter((l) => l.includes(" element ")).reduce(
    (n, l) => n + l.split(", ").length,
    0,
  );
  assert.equal(ops, out.length - out.filter((l) => l.includes(" element ")).length + elements);
  nft.load(out.join("\n"));
});

Deno.test("renderFamilyGarbage() deletes elements, then flushes every gone chain before deleting any, then sets", () => {
  const plan = newPlan();
  addToPlan(plan, ...affinity("10.244.1.5", "10.244.2.5"));
  addToPlan(plan, service("b", { clusterIP: "10.96.0.11" }), [
    slice("b", "b", [endpoint("10.244.1.7"), endpoint("10.244.1.8")]),
  ]);
  const nft = kernel();
  applyPlan(plan, nft, "full");
  plan.removeService("default/web");
  addToPlan(plan, service("b", { clusterIP: "10.96.0.11" }), [
    slice("b", "b", [endpoint("10.244.1.7")]),
  ]);
  applyPlan(plan, nft, "partial");
  const g = plan.families[0].garbage();
  const out: string[] = [];
  const ops = renderFamilyGarbage(plan.families[0], g, out);
  const kinds = out.map((l) => /^(\w+ \w+)/.exec(l)![1]);
  const order = ["delete element", "flush chain", "delete chain", "delete set"];
  const ranks = kinds.map((k) => order.indexOf(k));
  assert.deepEqual(ranks, [...ranks].sort((a, b) => a - b), out.join("\n"));
  assert.equal(out.filter((l) => l.startsWith("flush chain")).length, g.chains.length);
  assert.ok(g.chains.includes(`${AFF}-cluster`) && g.chains.includes("pick-2"));
  assert.equal(ops, [...g.elements.values()].flat().length + g.chains.length + g.sets.length);
  nft.load(out.join("\n"));
  plan.families[0].garbageCollected(g);
  nft.load(renderIpv6Garbage(plan));
  assert.equal(nft.dump(), desiredDump(plan));
});

function renderIpv6Garbage(plan: RulesetPlan): string {
  const out: string[] = [];
  renderFamilyGarbage(plan.families[1], plan.families[1].garbage(), out);
  return out.join("\n");
}
