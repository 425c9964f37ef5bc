import assert from "node:assert/strict";
import {
  decideServicePort,
  dnatTargets,
  type EntryAction,
  type PolicyContext,
} from "../../../src/plan/service_policy.ts";
import type { EndpointSpec, Service } from "../../../src/model/kube_types.ts";
import { endpoint, model, NODE, OTHER, service, slice } from "../../fixtures/unit/builders.ts";

const V4: PolicyContext = {
  family: 4,
  node: { name: NODE, zone: "zone-a" },
  servesNodePorts: true,
};

function decide(spec: Service["spec"], eps: EndpointSpec[], ctx = V4, extra = {}) {
  const m = model(service("web", spec, extra), [slice("web", "web-1", eps)]);
  const sp = m.ports[0];
  return decideServicePort(sp, m.endpoints.get("tcp/http") ?? [], ctx);
}

/** An action in a comparable form: `dnat local never 10.244.1.5`, `drop`, `reject`. */
function show(a: EntryAction | undefined): string | undefined {
  if (!a) return undefined;
  if (a.action !== "dnat") return a.action;
  return `dnat ${a.set} ${a.masquerade} ${a.endpoints.map((e) => e.ip.text).join(",")}`;
}

const ENDPOINTS: Record<string, EndpointSpec[]> = {
  none: [],
  remote: [endpoint("10.244.2.5", OTHER)],
  local: [endpoint("10.244.1.5")],
  both: [endpoint("10.244.1.5"), endpoint("10.244.2.5", OTHER)],
};

/**
 * What the behaviour reference (service-semantics.md) asks for, written independently of the
 * implementation: iTP Local sends ClusterIP traffic to local endpoints (DROP with endpoints
 * elsewhere only); eTP Local sends external clients to local endpoints without masquerading
 * (DROP likewise) while pods and the node short-circuit to all endpoints; no endpoint at all
 * is a REJECT everywhere.
 */
function expected(iLocal: boolean, eLocal: boolean, exposed: boolean, eps: string) {
  const all = {
    none: "",
    remote: "10.244.2.5",
    local: "10.244.1.5",
    both: "10.244.1.5,10.244.2.5",
  }[
    eps
  ]!;
  const local = eps === "local" || eps === "both" ? "10.244.1.5" : "";
  const localOr = (
    masq: string,
  ) => (local ? `dnat local ${masq} ${local}` : all ? "drop" : "reject");
  const internal = iLocal
    ? localOr("non-pod-sources")
    : all
    ? `dnat cluster non-pod-sources ${all}`
    : "reject";
  if (!exposed) return { internal, external: undefined, shortcut: undefined };
  if (!eLocal) {
    return {
      internal,
      external: all ? `dnat cluster always ${all}` : "reject",
      shortcut: undefined,
    };
  }
  return {
    internal,
    external: localOr("never"),
    shortcut: all ? `dnat cluster node-sources ${all}` : undefined,
  };
}

Deno.test("decideServicePort() follows the decision table of traffic policies, exposure and endpoint placement", () => {
  let cases = 0;
  for (const iLocal of [false, true]) {
    for (const eLocal of [false, true]) {
      for (const exposed of [false, true]) {
        for (const eps of Object.keys(ENDPOINTS)) {
          const spec: Service["spec"] = {
            type: exposed ? "NodePort" : "ClusterIP",
            internalTrafficPolicy: iLocal ? "Local" : "Cluster",
            externalTrafficPolicy: eLocal ? "Local" : "Cluster",
            ports: [{ name: "http", port: 80, nodePort: 30080 }],
          };
          const p = decide(spec, ENDPOINTS[eps])!;
          const want = expected(iLocal, eLocal, exposed, eps);
          const what = `iTP ${iLocal ? "Local" : "Cluster"}, eTP ${eLocal ? "Local" : "Cluster"}, ${
            exposed ? "NodePort" : "ClusterIP"
          }, endpoints ${eps}`;
          assert.equal(show(p.internal), want.internal, `${what}: internal`);
          assert.equal(show(p.external), want.external, `${what}: external`);
          assert.equal(show(p.shortcut), want.shortcut, `${what}: short-circuit`);
          assert.equal(p.nodePort, exposed ? 30080 : 0, what);
          cases++;
        }
      }
    }
  }
  assert.equal(cases, 32);
});

// Upstream's UsesClusterEndpoints(): `!internalPolicyLocal || externallyAccessible`.
Deno.test("decideServicePort() with both policies Local short-circuits pods and the node to every endpoint", () => {
  const spec: Service["spec"] = {
    type: "NodePort",
    internalTrafficPolicy: "Local",
    externalTrafficPolicy: "Local",
    ports: [{ name: "http", port: 80, nodePort: 30080 }],
  };
  const p = decide(spec, ENDPOINTS.both)!;
  assert.equal(show(p.shortcut), "dnat cluster node-sources 10.244.1.5,10.244.2.5");
  assert.equal(show(p.internal), "dnat local non-pod-sources 10.244.1.5", "ClusterIP stays local");
  const remote = decide(spec, ENDPOINTS.remote)!;
  assert.equal(show(remote.shortcut), "dnat cluster node-sources 10.244.2.5");
  assert.equal(show(remote.internal), "drop");
});

Deno.test("decideServicePort() falls back to serving terminating endpoints, never to unserving ones", () => {
  const terminating = endpoint("10.244.2.6", OTHER, {
    conditions: { ready: false, serving: true, terminating: true },
  });
  const unserving = endpoint("10.244.2.7", OTHER, { conditions: { ready: false, serving: false } });
  assert.equal(
    show(decide({}, [terminating, unserving])!.internal),
    "dnat cluster non-pod-sources 10.244.2.6",
  );
  assert.equal(show(decide({}, [unserving])!.internal), "reject");
  const ready = endpoint("10.244.2.5", OTHER);
  assert.equal(
    show(decide({}, [ready, terminating])!.internal),
    "dnat cluster non-pod-sources 10.244.2.5",
    "ready endpoints win over terminating ones",
  );
});

Deno.test("decideServicePort() exposes external IPs and LB IPs of the family, and NodePorts only where served", () => {
  const spec: Service["spec"] = {
    type: "LoadBalancer",
    clusterIPs: ["10.96.0.10", "fd00:96::10"],
    externalIPs: ["192.0.2.10", "2001:db8::10"],
    ports: [{ name: "http", port: 80, nodePort: 30080 }],
  };
  const lb = {
    status: { loadBalancer: { ingress: [{ ip: "198.51.100.10" }, { ip: "2001:db8::99" }] } },
  };
  const v4 = decide(spec, ENDPOINTS.both, V4, lb)!;
  assert.equal(v4.clusterIP.text, "10.96.0.10");
  assert.deepEqual(v4.externalIPs.map((a) => a.text), ["192.0.2.10", "198.51.100.10"]);
  assert.deepEqual(v4.loadBalancerIPs.map((a) => a.text), ["198.51.100.10"]);
  const v6 = decide(spec, ENDPOINTS.both, { ...V4, family: 6 }, lb)!;
  assert.equal(v6.clusterIP.text, "fd00:96::10");
  assert.deepEqual(v6.externalIPs.map((a) => a.text), ["2001:db8::10", "2001:db8::99"]);
  assert.equal(show(v6.internal), "reject", "IPv4 endpoints do not serve the IPv6 ClusterIP");
  const noNodePorts = decide(
    { type: "NodePort", ports: [{ name: "http", port: 80, nodePort: 30080 }] },
    ENDPOINTS.both,
    { ...V4, servesNodePorts: false },
  )!;
  assert.equal(noNodePorts.nodePort, 0);
  assert.equal(noNodePorts.external, undefined, "nothing external left to serve");
});

Deno.test("decideServicePort() is undefined for a family the Service has no ClusterIP in", () => {
  assert.equal(decide({}, ENDPOINTS.both, { ...V4, family: 6 }), undefined);
});

Deno.test("decideServicePort() reports topology-filtered cluster endpoints", () => {
  const hinted = (ip: string, node: string, zone: string) =>
    endpoint(ip, node, { zone, hints: { forZones: [{ name: zone }] } });
  const p = decide({}, [
    hinted("10.244.1.5", NODE, "zone-a"),
    hinted("10.244.2.5", OTHER, "zone-b"),
  ])!;
  assert.equal(p.categorized.topology, "PreferSameZone");
  assert.equal(show(p.internal), "dnat cluster non-pod-sources 10.244.1.5");
});

Deno.test("dnatTargets() lists each endpoint any action may DNAT to once", () => {
  const p = decide({
    type: "NodePort",
    externalTrafficPolicy: "Local",
    ports: [{ name: "http", port: 80, nodePort: 30080 }],
  }, ENDPOINTS.both)!;
  assert.deepEqual(dnatTargets(p).map((e) => e.ip.text).sort(), ["10.244.1.5", "10.244.2.5"]);
  const none = decide({}, [])!;
  assert.deepEqual(dnatTargets(none), []);
});
