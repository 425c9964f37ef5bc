import assert from "node:assert/strict";
import { DEFAULT_AFFINITY_TIMEOUT_SECONDS, readService } from "../../src/model/service_port.ts";
import { SERVICE_PROXY_NAME_LABEL } from "../../src/model/kube_types.ts";
import { problems, service } from "../fixtures/unit/builders.ts";

Deno.test("readService() skips headless, ExternalName and other proxies' Services", () => {
  const p = problems();
  assert.equal(readService(service("a", { clusterIP: "None" }), p.sink).skipped, "headless");
  assert.equal(
    readService(service("b", { clusterIP: "None", clusterIPs: ["None"] }), p.sink).skipped,
    "headless",
  );
  assert.equal(
    readService(service("c", { type: "ExternalName", externalName: "x.example" }), p.sink)
      .skipped,
    "external-name",
  );
  const other = service("d", {}, { metadata: { labels: { [SERVICE_PROXY_NAME_LABEL]: "x" } } });
  assert.equal(readService(other, p.sink).skipped, "other-proxy");
  assert.equal(readService(service("e", { clusterIP: "" }), p.sink).skipped, "no-cluster-ip");
  for (const n of ["a", "b", "c", "d", "e"]) {
    assert.deepEqual(readService(service(n, { clusterIP: "None" }), p.sink).ports, []);
  }
  assert.deepEqual([...p.list], [], "deliberate skips are not problems");
});

Deno.test("readService() reads a plain ClusterIP Service port", () => {
  const p = problems();
  const { ports, skipped } = readService(service("web", { clusterIP: "10.96.0.010" }), p.sink);
  assert.equal(skipped, undefined);
  assert.equal(ports.length, 1);
  const sp = ports[0];
  assert.equal(sp.id, "default/web/tcp/http");
  assert.equal(sp.serviceKey, "default/web");
  assert.equal(sp.protocol, "tcp");
  assert.equal(sp.port, 80);
  assert.equal(sp.nodePort, 0);
  assert.deepEqual(sp.clusterIPs.map((i) => i.text), ["10.96.0.10"]);
  assert.equal(sp.affinityTimeoutSeconds, 0);
  assert.equal(sp.externalPolicyLocal, false);
  assert.equal(sp.internalPolicyLocal, false);
  assert.deepEqual([...p.list], []);
});

Deno.test("readService() reports an invalid clusterIP with object and field, and skips the Service", () => {
  const p = problems();
  const r = readService(service("web", { clusterIP: "10.96.0.1; flush ruleset" }), p.sink);
  assert.deepEqual(r.ports, []);
  assert.equal(p.list.length, 1);
  assert.equal(p.list[0].object, "Service default/web");
  assert.equal(p.list[0].field, "spec.clusterIP");
  const p2 = problems();
  readService(service("web", { clusterIPs: ["10.96.0.1", "fd00::1 }"] }), p2.sink);
  assert.equal(p2.list[0].field, "spec.clusterIPs[1]");
});

Deno.test("readService() skips bad ports, reporting each, while good ports survive", () => {
  const p = problems();
  const { ports } = readService(
    service("web", {
      ports: [
        { name: "ok-a", protocol: "TCP", port: 80 },
        { name: "big", protocol: "TCP", port: 70000 },
        { name: "zero", protocol: "TCP", port: 0 },
        { name: "icmp", protocol: "ICMP", port: 81 },
        { name: "Bad_Name", protocol: "TCP", port: 82 },
        { name: "x } ; flush", protocol: "UDP", port: 83 },
        { name: "ok-b", protocol: "UDP", port: 53 },
        { name: "ok-c", protocol: "SCTP", port: 9 },
        { name: "ok-a", protocol: "TCP", port: 84 },
      ],
    }),
    p.sink,
  );
  assert.deepEqual(ports.map((sp) => `${sp.portName}/${sp.protocol}/${sp.port}`), [
    "ok-a/tcp/80",
    "ok-b/udp/53",
    "ok-c/sctp/9",
  ]);
  assert.deepEqual(p.list.map((x) => x.field), [
    "spec.ports[1].port",
    "spec.ports[2].port",
    "spec.ports[3].protocol",
    "spec.ports[4].name",
    "spec.ports[5].name",
    "spec.ports[8]",
  ]);
  assert.ok(p.list.every((x) => x.object === "Service default/web"));
  assert.match(p.list[2].message, /ICMP/);
});

Deno.test("readService() reports invalid names of the Service itself", () => {
  const p = problems();
  const svc = service("Web;drop", {});
  assert.deepEqual(readService(svc, p.sink).ports, []);
  assert.equal(p.list[0].field, "metadata.name");
});

Deno.test("readService() keeps NodePorts only for NodePort and LoadBalancer Services", () => {
  const p = problems();
  const ports = [{ name: "http", port: 80, nodePort: 30080 }];
  assert.equal(readService(service("a", { ports }), p.sink).ports[0].nodePort, 0);
  assert.equal(
    readService(service("b", { type: "NodePort", ports }), p.sink).ports[0].nodePort,
    30080,
  );
  assert.equal(
    readService(service("c", { type: "LoadBalancer", ports }), p.sink).ports[0].nodePort,
    30080,
  );
  assert.deepEqual([...p.list], []);
  const bad = readService(
    service("d", { type: "NodePort", ports: [{ name: "http", port: 80, nodePort: 99999 }] }),
    p.sink,
  );
  assert.equal(bad.ports[0].nodePort, 0, "port survives, bad nodePort dropped");
  assert.equal(p.list[0].field, "spec.ports[0].nodePort");
});

Deno.test("readService() reads LB ingress IPs, skipping ipMode Proxy and hostnames", () => {
  const p = problems();
  const svc = service("lb", {
    type: "LoadBalancer",
    loadBalancerSourceRanges: [" 203.0.113.0/25", "bogus"],
  }, {
    status: {
      loadBalancer: {
        ingress: [
          { ip: "198.51.100.10" },
          { ip: "198.51.100.11", ipMode: "Proxy" },
          { ip: "198.51.100.12", ipMode: "VIP" },
          { hostname: "lb.example" },
          { ip: "198.51.100.10" },
          { ip: "not-an-ip" },
        ],
      },
    },
  });
  const sp = readService(svc, p.sink).ports[0];
  assert.deepEqual(sp.loadBalancerIPs.map((i) => i.text), ["198.51.100.10", "198.51.100.12"]);
  assert.deepEqual(sp.loadBalancerSourceRanges.map((c) => c.text), ["203.0.113.0/25"]);
  assert.equal(sp.hasSourceRanges, true);
  assert.deepEqual(p.list.map((x) => x.field).sort(), [
    "spec.loadBalancerSourceRanges[1]",
    "status.loadBalancer.ingress[5].ip",
  ]);
  // A ClusterIP Service ignores LB status and source ranges.
  const cip = readService(
    service("c", { loadBalancerSourceRanges: ["10.0.0.0/8"] }, {
      status: { loadBalancer: { ingress: [{ ip: "198.51.100.10" }] } },
    }),
    p.sink,
  ).ports[0];
  assert.deepEqual(cip.loadBalancerIPs, []);
  assert.equal(cip.hasSourceRanges, false);
});

Deno.test("readService() reads external IPs, deduplicated, reporting bad ones", () => {
  const p = problems();
  const sp = readService(
    service("e", { externalIPs: ["192.0.2.5", "192.0.2.005", "192.0.2.6 }", "2001:db8::5"] }),
    p.sink,
  ).ports[0];
  assert.deepEqual(sp.externalIPs.map((i) => i.text), ["192.0.2.5", "2001:db8::5"]);
  assert.deepEqual(p.list.map((x) => x.field), ["spec.externalIPs[2]"]);
});

Deno.test("readService() gives ClientIP affinity the 10800 s default timeout", () => {
  const p = problems();
  const read = (spec: Parameters<typeof service>[1]) =>
    readService(service("a", spec), p.sink).ports[0].affinityTimeoutSeconds;
  assert.equal(DEFAULT_AFFINITY_TIMEOUT_SECONDS, 10800);
  assert.equal(read({ sessionAffinity: "ClientIP" }), 10800);
  assert.equal(
    read({
      sessionAffinity: "ClientIP",
      sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } },
    }),
    60,
  );
  assert.equal(read({ sessionAffinity: "None" }), 0);
  assert.deepEqual([...p.list], []);
  assert.equal(
    read({
      sessionAffinity: "ClientIP",
      sessionAffinityConfig: { clientIP: { timeoutSeconds: 0 } },
    }),
    10800,
  );
  assert.equal(p.list[0].field, "spec.sessionAffinityConfig.clientIP.timeoutSeconds");
});

Deno.test("readService() applies externalTrafficPolicy Local only to NodePort and LoadBalancer", () => {
  const p = problems();
  const read = (spec: Parameters<typeof service>[1]) =>
    readService(service("a", spec), p.sink).ports[0];
  const cip = read({ externalTrafficPolicy: "Local", healthCheckNodePort: 32000 });
  assert.equal(cip.externalPolicyLocal, false);
  assert.equal(cip.healthCheckNodePort, 0);
  const np = read({ type: "NodePort", externalTrafficPolicy: "Local", healthCheckNodePort: 32000 });
  assert.equal(np.externalPolicyLocal, true);
  assert.equal(np.healthCheckNodePort, 32000);
  const lb = read({ type: "LoadBalancer", externalTrafficPolicy: "Local" });
  assert.equal(lb.externalPolicyLocal, true);
  assert.equal(
    read({ type: "LoadBalancer", externalTrafficPolicy: "Cluster" }).externalPolicyLocal,
    false,
  );
  assert.equal(read({ internalTrafficPolicy: "Local" }).internalPolicyLocal, true);
  assert.deepEqual([...p.list], []);
});

Deno.test({
  name:
    "readService() applies externalTrafficPolicy Local to a ClusterIP Service with external IPs",
  fn() {
    const p = problems();
    const sp = readService(
      service("a", { externalIPs: ["192.0.2.5"], externalTrafficPolicy: "Local" }),
      p.sink,
    ).ports[0];
    assert.equal(sp.externalPolicyLocal, true);
  },
});

Deno.test("readService() reads dual-stack clusterIPs, one per family", () => {
  const p = problems();
  const sp = readService(
    service("ds", { clusterIP: "10.96.0.20", clusterIPs: ["10.96.0.20", "fd00:96::0014"] }),
    p.sink,
  ).ports[0];
  assert.deepEqual(sp.clusterIPs.map((i) => [i.family, i.text]), [[4, "10.96.0.20"], [
    6,
    "fd00:96::14",
  ]]);
  const v6only = readService(service("v6", { clusterIP: "fd00:96::1" }), p.sink).ports[0];
  assert.deepEqual(v6only.clusterIPs.map((i) => i.family), [6]);
  assert.deepEqual([...p.list], []);
});

Deno.test("readService() reads an unnamed port with the default protocol", () => {
  const p = problems();
  const sp = readService(service("u", { ports: [{ port: 53 }] }), p.sink).ports[0];
  assert.equal(sp.portName, "");
  assert.equal(sp.protocol, "tcp");
  assert.equal(sp.id, "default/u/tcp/53");
});
