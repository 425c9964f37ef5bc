/**
 * Property: whatever sequence of Service and endpoint changes arrives, the
 * partial scripts, applied one after another to a kernel that refuses
 * deleting anything still referenced, leave exactly the desired ruleset plus
 * the garbage the plan reports; after a garbage collection, or an in-place
 * full sync, exactly the desired ruleset.
 */

import assert from "node:assert/strict";
import type { FakeNftRunner } from "../../../src/nft/fake_nft_runner.ts";
import type { EndpointSlice, EndpointSpec, Service } from "../../../src/model/kube_types.ts";
import type { RulesetPlan } from "../../../src/plan/ruleset_plan.ts";
import { readService } from "../../../src/model/service_port.ts";
import { mergeEndpointSlices } from "../../../src/model/endpoints.ts";
import {
  endpointsMap,
  type EntryKind,
  parsePickChain,
  PROTOCOLS,
  SET,
  SHORTCUT_OFFSET,
} from "../../../src/plan/names.ts";
import { endpoint, newPlan, OTHER, service, slice } from "../../fixtures/unit/builders.ts";
import {
  applyPlan,
  desiredDump,
  kernel as fakeKernel,
  replacingScript,
} from "../../fixtures/unit/fake_kernel.ts";

/** A small deterministic PRNG (LCG), so that a failure reproduces from its seed. */
function rng(seed: number) {
  let s = seed >>> 0;
  return (n: number) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s >>> 8) % n;
  };
}

type Rnd = ReturnType<typeof rng>;

function randomService(i: number, r: Rnd): Service {
  const type = ["ClusterIP", "NodePort", "LoadBalancer"][r(3)];
  const spec: Service["spec"] = {
    type,
    clusterIPs: r(2) ? [`10.96.1.${i}`, `fd00:96::1:${i}`] : [`10.96.1.${i}`],
    ports: [
      { name: "http", protocol: "TCP", port: 80, nodePort: 30000 + i },
      ...(r(2) ? [{ name: "dns", protocol: "UDP", port: 53, nodePort: 31000 + i }] : []),
    ],
    // Three addresses shared by all: entry points claimed by several Services (the first owner
    // keeps each map element, the next takes over when it leaves) must converge too.
    externalIPs: r(3) === 0 ? [`192.0.2.${1 + r(3)}`] : [],
    internalTrafficPolicy: r(4) === 0 ? "Local" : "Cluster",
    externalTrafficPolicy: r(3) === 0 ? "Local" : "Cluster",
    sessionAffinity: r(4) === 0 ? "ClientIP" : "None",
  };
  if (type === "LoadBalancer" && r(2)) {
    spec.loadBalancerSourceRanges = [
      ["203.0.113.0/24", "203.0.113.128/25", "192.168.0.0/16"],
      ["0.0.0.0/0", "10.0.0.0/8", "2001:db8::/32"],
      ["198.51.100.0/24"],
    ][r(3)];
  }
  return service(`p${i}`, spec, {
    metadata: { resourceVersion: String(r(1000)) },
    status: { loadBalancer: { ingress: [{ ip: `198.51.100.${i}` }, { ip: `2001:db8::${i}` }] } },
  });
}

function randomSlices(i: number, r: Rnd): EndpointSlice[] {
  const eps = (v6: boolean): EndpointSpec[] =>
    Array.from({ length: r(6) }, () => {
      const k = r(8);
      const states = [{}, {}, { ready: false }, { ready: false, serving: true, terminating: true }];
      return endpoint(v6 ? `fd00:244::${i}:${k}` : `10.244.${i}.${k}`, r(2) ? OTHER : "node-a", {
        conditions: states[r(4)],
      });
    });
  const ports = [
    { name: "http", protocol: "TCP", port: 8080 },
    { name: "dns", protocol: "UDP", port: 5353 },
  ];
  return [
    slice(`p${i}`, `p${i}-v4`, eps(false), { ports }),
    slice(`p${i}`, `p${i}-v6`, eps(true), { ports, addressType: "IPv6" }),
  ];
}

/** Sets a Service in the plan; conflicts over shared entry points are expected and ignored. */
function put(plan: RulesetPlan, svc: Service, slices: EndpointSlice[]): void {
  const ignore = () => {};
  const { ports } = readService(svc, ignore);
  plan.setService(`default/${svc.metadata!.name}`, ports, mergeEndpointSlices(slices, ignore));
}

/** The endpoints maps, each with its entry kind and protocol. */
const ENDPOINT_MAPS = new Map<string, { kind: EntryKind; protocol: string }>(
  PROTOCOLS.flatMap((protocol) =>
    (["ip", "nodeport"] as const).map((kind) => [endpointsMap(kind, protocol), { kind, protocol }])
  ),
);

/** Sets that may hold garbage: data, never verdicts (see the module doc). */
const GARBAGE_SETS = new Set<string>([...ENDPOINT_MAPS.keys(), SET.hairpin, SET.clusterIps]);

/**
 * Checks that the plan's garbage is unreachable in `kernel`: only data elements, no endpoint
 * that a verdict still selects, and objects that only other garbage refers to.
 */
function assertUnreachable(plan: RulesetPlan, kernel: FakeNftRunner, at: string): void {
  plan.families.forEach((f) => {
    const g = f.garbage();
    const t = f.ctx.nftFamily;
    for (const [set, keys] of g.elements) {
      assert.ok(GARBAGE_SETS.has(set), `${at}: garbage in ${set}: ${keys}`);
      const em = ENDPOINT_MAPS.get(set);
      if (!em) continue;
      const [plain, shortcut] = em.kind === "ip"
        ? [SET.serviceIps, SET.shortcutIps]
        : [SET.serviceNodeports, SET.shortcutNodeports];
      for (const key of keys) {
        // `addr . port . index` or `port . index`; the verdict maps' keys name the protocol.
        const parts = key.split(" . ");
        const index = Number(parts.pop());
        const port = parts.pop()!;
        const entry = [...parts, em.protocol, port].join(" . ");
        const [map, i] = index >= SHORTCUT_OFFSET
          ? [shortcut, index - SHORTCUT_OFFSET]
          : [plain, index];
        const verdict = kernel.elements(t, f.ctx.table, map).get(entry);
        const pick = verdict ? parsePickChain(verdict.replace(/^goto /, "")) : undefined;
        assert.ok(!pick || i >= pick.n, `${at}: garbage ${set} ${key} is selected by ${verdict}`);
      }
    }
    // Objects: removable while every garbage element is still there.
    const probe = kernel.clone();
    const table = `${t} ${f.ctx.table}`;
    const lines = [
      ...g.chains.map((c) => `flush chain ${table} ${c}`),
      ...g.chains.map((c) => `delete chain ${table} ${c}`),
      ...g.sets.map((s) => `delete set ${table} ${s}`),
    ];
    probe.load(lines.join("\n"));
  });
}

function run(seed: number, steps: number): { partials: number; collections: number } {
  const r = rng(seed);
  const plan = newPlan();
  const kernel = fakeKernel();
  kernel.load(replacingScript(plan));
  plan.applied("full");
  let partials = 0, collections = 0;
  for (let step = 0; step < steps; step++) {
    const at = `seed ${seed} step ${step}`;
    for (let k = 0; k <= r(3); k++) {
      const i = 1 + r(12);
      if (r(6) === 0) plan.removeService(`default/p${i}`);
      else put(plan, randomService(i, r), randomSlices(i, r));
    }
    if (applyPlan(plan, kernel, "partial") !== "") partials++;
    const desired = desiredDump(plan);
    assertUnreachable(plan, kernel, at);
    // The garbage the plan reports is exactly the difference: removing it (in an order the
    // kernel accepts) leaves the desired ruleset.
    const collected = kernel.clone();
    collected.load(plan.garbageScript().text);
    assert.equal(collected.dump(), desired, `${at}: partial sync + garbage != desired`);
    const choice = r(8);
    if (choice < 3) {
      if (plan.hasGarbage) collections++;
      applyPlan(plan, kernel, "garbage");
      assert.equal(plan.hasGarbage, false, `${at}: garbage left after a collection`);
      assert.equal(kernel.dump(), desired, `${at}: garbage collection`);
    } else if (choice === 3) {
      applyPlan(plan, kernel, "full");
      assert.equal(kernel.dump(), desired, `${at}: in-place full sync`);
      assert.equal(plan.hasGarbage, false, `${at}: garbage left after a full sync`);
    }
    assert.equal(plan.partialScript().text, "", `${at}: changes left after an apply`);
  }
  return { partials, collections };
}

Deno.test("partial scripts, garbage collections and in-place full syncs always converge to the desired ruleset", () => {
  let partials = 0, collections = 0;
  for (let seed = 1; seed <= 8; seed++) {
    const n = run(seed, 80);
    partials += n.partials;
    collections += n.collections;
  }
  // The property holds for work that was actually done.
  assert.ok(partials > 500, `partial syncs: ${partials}`);
  assert.ok(collections > 100, `garbage collections: ${collections}`);
});
