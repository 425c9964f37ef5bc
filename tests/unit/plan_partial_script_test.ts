import assert from "node:assert/strict";
import {
  addToPlan,
  endpoint,
  model,
  newPlan,
  OTHER,
  service,
  slice,
} from "../fixtures/unit/builders.ts";
import {
  applyOps,
  elementMap,
  type ParsedOp,
  parseScript,
  tableOf,
  tableState,
} from "../fixtures/unit/nft_text.ts";
import type { RulesetPlan } from "../../src/plan/ruleset_plan.ts";
import type { EndpointSpec } from "../../src/model/kube_types.ts";

function ip(i: number, net: string): string {
  return `${net}.${(i >> 8) & 255}.${i & 255}`;
}

function svcN(i: number) {
  return service(`s${i}`, { clusterIP: ip(i, "10.96") });
}

function epsN(i: number, n: number): EndpointSpec[] {
  return Array.from(
    { length: n },
    (_, k) => endpoint(ip(i, `10.${200 + k}`), k % 2 ? OTHER : "node-a"),
  );
}

/** A plan of `n` services with 2 endpoints each, fully applied. */
function bigPlan(n: number): RulesetPlan {
  const plan = newPlan();
  for (let i = 0; i < n; i++) addToPlan(plan, svcN(i), [slice(`s${i}`, `s${i}-a`, epsN(i, 2))]);
  plan.fullScript();
  plan.clearChanges();
  return plan;
}

/** Checks that a partial script, applied to the last full script, yields the next full script. */
function assertPartialConverges(plan: RulesetPlan, before: string): ParsedOp[] {
  const partial = plan.partialScript();
  const ops = parseScript(partial.text).ops;
  const after = parseScript(plan.fullScript().text);
  const prev = parseScript(before);
  for (const fam of ["ip", "ip6"] as const) {
    const simulated = applyOps(tableOf(prev, fam), ops);
    assert.deepEqual(
      tableState(simulated),
      tableState(tableOf(after, fam)),
      `${fam} table differs`,
    );
  }
  return ops;
}

Deno.test("partialScript() for one new endpoint is small and independent of the number of services", () => {
  const counts: number[] = [];
  for (const n of [10, 1000]) {
    const plan = bigPlan(n);
    const before = plan.fullScript().text;
    addToPlan(plan, svcN(7), [slice("s7", "s7-a", epsN(7, 3))]);
    const partial = plan.partialScript();
    assert.ok(partial.operations > 0 && partial.operations <= 16, `ops=${partial.operations}`);
    const ops = assertPartialConverges(plan, before);
    for (const op of ops) {
      const about = op.name + " " + (op.rule ?? "") + " " + (op.elements ?? []).join(",");
      assert.ok(
        /s7|10\.20[0-2]\.0\.7|^slot/.test(about),
        `unrelated op: ${op.verb} ${op.object} ${about}`,
      );
    }
    counts.push(partial.operations);
  }
  assert.equal(counts[0], counts[1], "the partial script does not grow with the service count");
});

Deno.test("partialScript() growing within the slot block changes one chain and adds two elements", () => {
  const plan = newPlan();
  addToPlan(plan, svcN(1), [slice("s1", "a", epsN(1, 3))]);
  const before = plan.fullScript().text;
  plan.clearChanges();
  addToPlan(plan, svcN(1), [slice("s1", "a", epsN(1, 4))]);
  const ops = assertPartialConverges(plan, before);
  assert.deepEqual(ops.map((o) => `${o.verb} ${o.object} ${o.name}`), [
    "flush chain svc-default/s1/tcp/http",
    "add rule svc-default/s1/tcp/http",
    "add rule svc-default/s1/tcp/http",
    "add element slots",
    "add element slot-addrs",
  ]);
  assert.match(ops[2].rule!, /numgen random mod 4 /);
});

Deno.test("partialScript() is empty when nothing changed, also after re-setting the same Service", () => {
  const plan = bigPlan(20);
  assert.deepEqual(plan.partialScript(), { text: "", operations: 0 });
  addToPlan(plan, svcN(3), [slice("s3", "s3-a", epsN(3, 2))]);
  assert.deepEqual(plan.partialScript(), { text: "", operations: 0 });
  plan.removeService("default/nope");
  assert.deepEqual(plan.partialScript(), { text: "", operations: 0 });
});

Deno.test("partialScript() after a Service removal deletes its elements, then its chains", () => {
  const plan = bigPlan(5);
  const before = plan.fullScript().text;
  plan.removeService("default/s2");
  const ops = assertPartialConverges(plan, before);
  // Only deletions, plus the flush of each chain before its deletion.
  assert.ok(
    ops.every((o) => o.verb === "delete" || (o.verb === "flush" && o.object === "chain")),
    "only deletions",
  );
  const chainOps = ops.filter((o) => o.object === "chain" && o.verb === "delete").map((o) =>
    o.name
  );
  assert.deepEqual(chainOps, ["svc-default/s2/tcp/http"]);
  const lastElement = ops.findLastIndex((o) => o.object === "element");
  assert.ok(
    lastElement < ops.findIndex((o) => o.object === "chain" && o.verb === "delete"),
    "elements go before chains",
  );
  const deleted = ops.filter((o) => o.object === "element").map((o) =>
    `${o.name}:${o.elements!.length}`
  );
  assert.deepEqual(deleted.sort(), ["cluster-ips:1", "service-ips:1", "slot-addrs:2", "slots:2"]);
  plan.clearChanges();
  assert.equal(plan.partialScript().text, "");
});

Deno.test("partialScript() adds a new Service's chains before the elements that jump to them", () => {
  const plan = bigPlan(3);
  const before = plan.fullScript().text;
  addToPlan(plan, service("aff", { clusterIP: "10.96.9.9", sessionAffinity: "ClientIP" }), [
    slice("aff", "aff-a", epsN(99, 3)),
  ]);
  const ops = assertPartialConverges(plan, before);
  const firstElement = ops.findIndex((o) => o.object === "element");
  const lastChain = ops.findLastIndex((o) => o.object === "chain" || o.object === "rule");
  assert.ok(lastChain < firstElement);
  assert.deepEqual(
    ops.filter((o) => o.object === "chain").map((o) => `${o.verb} ${o.name}`).sort(),
    [
      "add eps-cluster-default/aff/tcp/http",
      "add svc-default/aff/tcp/http",
    ],
  );
});

Deno.test("an element shared by two ports survives the removal of one port", () => {
  const plan = newPlan();
  const two = service("web", {
    ports: [{ name: "http", port: 80 }, { name: "https", port: 443 }],
  });
  const slices = [slice("web", "w", epsN(1, 1), {
    ports: [{ name: "http", protocol: "TCP", port: 8080 }, {
      name: "https",
      protocol: "TCP",
      port: 8443,
    }],
  })];
  addToPlan(plan, two, slices);
  const before = plan.fullScript().text;
  plan.clearChanges();
  addToPlan(plan, service("web", { ports: [{ name: "http", port: 80 }] }), slices);
  const ops = assertPartialConverges(plan, before);
  const deleted = ops.filter((o) => o.verb === "delete" && o.object === "element").flatMap((o) =>
    o.elements!.map((e) => `${o.name} ${e}`)
  );
  assert.ok(deleted.includes("service-ips 10.96.0.10 . tcp . 443"));
  assert.ok(!deleted.some((d) => d.startsWith("cluster-ips")), "the shared ClusterIP stays");
  assert.ok(
    ops.some((o) =>
      o.verb === "delete" && o.object === "chain" && o.name === "svc-default/web/tcp/https"
    ),
  );
});

Deno.test("an entry point claimed by two Services passes to the second when the first goes", () => {
  const plan = newPlan();
  const a = service("a", { clusterIP: "10.96.0.1", externalIPs: ["192.0.2.1"] });
  const b = service("b", { clusterIP: "10.96.0.2", externalIPs: ["192.0.2.1"] });
  addToPlan(plan, a, [slice("a", "a-1", epsN(1, 1))]);
  // b conflicts on 192.0.2.1:80/tcp: the first owner keeps it, the conflict is reported.
  const reported: string[] = [];
  const m = model(b, [slice("b", "b-1", epsN(2, 1))]);
  plan.setService(m.key, m.ports, m.endpoints, (p) => reported.push(`${p.object}: ${p.message}`));
  assert.ok(reported.some((r) => r.includes("192.0.2.1 . tcp . 80")), JSON.stringify(reported));
  const v4 = tableOf(parseScript(plan.fullScript().text), "ip");
  assert.deepEqual(
    elementMap(v4, "service-ips").get("192.0.2.1 . tcp . 80"),
    "goto ext-default/a/tcp/http",
  );
  const before = plan.fullScript().text;
  plan.clearChanges();
  plan.removeService("default/a");
  const ops = assertPartialConverges(plan, before);
  const added = ops.filter((o) =>
    o.verb === "add" && o.object === "element" && o.name === "service-ips"
  );
  assert.deepEqual(added.flatMap((o) => o.elements), [
    "192.0.2.1 . tcp . 80 : goto ext-default/b/tcp/http",
  ]);
});

Deno.test({
  name: "partialScript() deletes a chain only after the chains that jump to it",
  fn() {
    const plan = newPlan();
    const eps = [slice("web", "w", [endpoint("10.244.1.5"), endpoint("10.244.2.5", OTHER)])];
    addToPlan(
      plan,
      service("web", {
        type: "NodePort",
        externalTrafficPolicy: "Local",
        sessionAffinity: "ClientIP",
        ports: [{ name: "http", port: 80, nodePort: 30080 }],
      }),
      eps,
    );
    const before = plan.fullScript().text;
    plan.clearChanges();
    addToPlan(plan, service("web", { sessionAffinity: "ClientIP" }), eps);
    const ops = assertPartialConverges(plan, before); // strict delete order
    assert.ok(ops.some((o) => o.verb === "delete" && o.name === "eps-local-default/web/tcp/http"));
  },
});
