import assert from "node:assert/strict";
import { addToPlan, endpoint, newPlan, OTHER, service, slice } from "../fixtures/unit/builders.ts";
import { applyOps, parseScript, tableOf, tableState } from "../fixtures/unit/nft_text.ts";
import type { EndpointSlice, EndpointSpec, Service } from "../../src/model/kube_types.ts";

/** A small deterministic PRNG (LCG), so failures reproduce. */
function rng(seed: number) {
  let s = seed >>> 0;
  return (n: number) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s % n;
  };
}

type Rnd = ReturnType<typeof rng>;

function randomService(i: number, r: Rnd): Service {
  const kinds = ["ClusterIP", "NodePort", "LoadBalancer"];
  const type = kinds[r(3)];
  const dual = r(2) === 0;
  const spec: Service["spec"] = {
    type,
    clusterIPs: dual ? [`10.96.1.${i}`, `fd00:96::1:${i}`] : [`10.96.1.${i}`],
    ports: [
      { name: "http", protocol: "TCP", port: 80, nodePort: 30000 + i },
      ...(r(2) ? [{ name: "dns", protocol: "UDP", port: 53, nodePort: 31000 + i }] : []),
    ],
    externalIPs: r(3) === 0 ? [`192.0.2.${i}`] : [],
    internalTrafficPolicy: r(4) === 0 ? "Local" : "Cluster",
    externalTrafficPolicy: r(3) === 0 ? "Local" : "Cluster",
    sessionAffinity: r(4) === 0 ? "ClientIP" : "None",
  };
  if (type === "LoadBalancer" && r(2)) {
    spec.loadBalancerSourceRanges = ["203.0.113.0/24", "192.168.0.0/16"];
  }
  return service(`p${i}`, spec, {
    status: { loadBalancer: { ingress: [{ ip: `198.51.100.${i}` }, { ip: `2001:db8::${i}` }] } },
  });
}

function randomSlices(i: number, r: Rnd): EndpointSlice[] {
  const eps = (v6: boolean): EndpointSpec[] =>
    Array.from({ length: r(6) }, (_, k) => {
      const states = [{}, { ready: false }, { ready: false, serving: true, terminating: true }];
      return endpoint(v6 ? `fd00:244::${i}:${k}` : `10.244.${i}.${k}`, r(2) ? OTHER : "node-a", {
        conditions: states[r(3)],
      });
    });
  const ports = [{ name: "http", protocol: "TCP", port: 8080 }, {
    name: "dns",
    protocol: "UDP",
    port: 5353,
  }];
  return [
    slice(`p${i}`, `p${i}-v4`, eps(false), { ports }),
    slice(`p${i}`, `p${i}-v6`, eps(true), { ports, addressType: "IPv6" }),
  ];
}

Deno.test("partial scripts applied one after another always equal the next full script", () => {
  for (const seed of [1, 2, 3]) {
    const r = rng(seed);
    const plan = newPlan();
    let last = plan.fullScript().text;
    plan.clearChanges();
    for (let step = 0; step < 60; step++) {
      for (let k = 0; k <= r(3); k++) {
        const i = 1 + r(12);
        if (r(6) === 0) plan.removeService(`default/p${i}`);
        else addToPlan(plan, randomService(i, r), randomSlices(i, r));
      }
      const partial = parseScript(plan.partialScript().text);
      const full = plan.fullScript().text;
      const prev = parseScript(last), next = parseScript(full);
      for (const fam of ["ip", "ip6"] as const) {
        // strictDeleteOrder is off until the chain deletion order is fixed: that bug is
        // pinned by "partialScript() deletes a chain only after the chains that jump to it"
        // in plan_partial_script_test.ts. Turn it back on with the fix.
        const got = applyOps(tableOf(prev, fam), partial.ops, { strictDeleteOrder: false });
        assert.deepEqual(
          tableState(got),
          tableState(tableOf(next, fam)),
          `seed ${seed} step ${step}: ${fam} table differs`,
        );
      }
      plan.clearChanges();
      last = full;
    }
  }
});
