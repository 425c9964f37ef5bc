import assert from "node:assert/strict";
import {
  DEFAULT_AFFINITY_TIMEOUT_SECONDS,
  firewallRanges,
  readService,
} from "../../../src/model/service_port.ts";
import { HEADLESS_LABEL, SERVICE_PROXY_NAME_LABEL } from "../../../src/model/kube_types.ts";
import { problems, service } from "../../fixtures/unit/builders.ts";
import { loadFixture } from "../../fixtures/model/load.ts";

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
  assert.deepEqual(cip.loadBalancerSourceRanges, []);
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

Deno.test("readService() skips a Service labelled service.kubernetes.io/headless", () => {
  // Upstream's informers select `!service.kubernetes.io/headless` for Services as well.
  const p = problems();
  const svc = service("web", {}, { metadata: { labels: { [HEADLESS_LABEL]: "" } } });
  const r = readService(svc, p.sink);
  assert.equal(r.skipped, "headless");
  assert.deepEqual(r.ports, []);
  assert.deepEqual([...p.list], []);
});

Deno.test("firewallRanges() keeps each family's valid ranges, as operators type them", () => {
  const p = problems();
  const sp = readService(loadFixture("lb_source_ranges_service.yaml"), p.sink).ports[0];
  assert.deepEqual(firewallRanges(sp, 4).map((c) => c.text), [
    "203.0.113.0/24",
    "198.51.100.0/25", // spaces around it are trimmed
    "10.0.0.0/8", // host bits cleared, as Go's ParseCIDR
  ]);
  assert.deepEqual(firewallRanges(sp, 6).map((c) => c.text), ["2001:db8:1::/48"]);
  assert.deepEqual(p.list.map((x) => `${x.object} ${x.field}`), [
    "Service shop/web spec.loadBalancerSourceRanges[2]", // a bare IP is not a range
  ]);
  assert.match(p.list[0].message, /"203\.0\.113\.7".*ignored/);
});

Deno.test("firewallRanges() is empty for a family whose ranges are all of the other family", () => {
  const p = problems();
  const read = (ranges: unknown[]) =>
    readService(
      service("lb", { type: "LoadBalancer", loadBalancerSourceRanges: ranges as string[] }),
      p.sink,
    )
      .ports[0];
  const v6only = read(["2001:db8::/32", "::/0"]);
  assert.deepEqual(firewallRanges(v6only, 4), [], "no IPv4 firewall: every IPv4 client is allowed");
  assert.deepEqual(firewallRanges(v6only, 6).map((c) => c.text), ["2001:db8::/32", "::/0"]);
  const everyone = read(["0.0.0.0/0"]);
  assert.deepEqual(firewallRanges(everyone, 4).map((c) => c.text), ["0.0.0.0/0"]);
  assert.deepEqual(firewallRanges(everyone, 6), []);
  assert.deepEqual(p.list, []);
});

Deno.test("readService() leaves invalid source ranges out entirely: no firewall from them", () => {
  const p = problems();
  const sp = readService(
    service("lb", {
      type: "LoadBalancer",
      loadBalancerSourceRanges: ["203.0.113.7", "10.1.2.3 / 8", "bogus", "10.0.0.0/33"],
    }),
    p.sink,
  ).ports[0];
  assert.deepEqual(sp.loadBalancerSourceRanges, []);
  assert.deepEqual(firewallRanges(sp, 4), []);
  assert.equal(sp.hasSourceRanges, false, "the deprecated flag no longer counts invalid texts");
  assert.deepEqual(
    p.list.map((x) => x.field),
    [0, 1, 2, 3].map((i) => `spec.loadBalancerSourceRanges[${i}]`),
  );
});

Deno.test("readService() programs only VIP-mode ingresses and reports an unknown ipMode", () => {
  const p = problems();
  const sp = readService(
    service("lb", { type: "LoadBalancer" }, {
      status: {
        loadBalancer: {
          ingress: [
            { ip: "198.51.100.1", ipMode: "VIP" },
            { ip: "198.51.100.2", ipMode: "Proxy" },
            { ip: "198.51.100.3", ipMode: "Tunnel" },
            { ip: "198.51.100.4" },
          ],
        },
      },
    }),
    p.sink,
  ).ports[0];
  assert.deepEqual(sp.loadBalancerIPs.map((i) => i.text), ["198.51.100.1", "198.51.100.4"]);
  assert.deepEqual(p.list.map((x) => x.field), ["status.loadBalancer.ingress[2].ipMode"]);
});

Deno.test("readService() keeps a Service whose clusterIPs is a string, reading clusterIP instead", () => {
  const p = problems();
  const svc = service("web", { clusterIP: "10.96.0.20" });
  (svc.spec as Record<string, unknown>).clusterIPs = "10.96.0.20";
  const r = readService(svc, p.sink);
  assert.deepEqual(r.ports[0].clusterIPs.map((i) => i.text), ["10.96.0.20"]);
  assert.deepEqual(p.list.map((x) => `${x.kind} ${x.object} ${x.field}`), [
    "Service Service default/web spec.clusterIPs",
  ]);
});

Deno.test("readService() keeps a LoadBalancer whose ingress is not a list, without LB IPs", () => {
  const p = problems();
  const r = readService(
    service("lb", { type: "LoadBalancer", ports: [{ name: "http", port: 80, nodePort: 30080 }] }, {
      // deno-lint-ignore no-explicit-any
      status: { loadBalancer: { ingress: { ip: "198.51.100.1" } as any } },
    }),
    p.sink,
  );
  assert.equal(r.ports[0].nodePort, 30080);
  assert.deepEqual(r.ports[0].loadBalancerIPs, []);
  assert.deepEqual(p.list.map((x) => x.field), ["status.loadBalancer.ingress"]);
});

Deno.test("readService() returns the claims of the Service: age, ClusterIPs, ports and fields", () => {
  const p = problems();
  const r = readService(loadFixture("dns_thief_service.yaml"), p.sink);
  const c = r.claims!;
  assert.equal(c.createdAt, Date.parse("2024-06-11T17:02:44Z"));
  assert.equal(c.uid, "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d");
  assert.deepEqual(c.clusterIPs.map((i) => i.text), ["10.104.17.3"]);
  assert.deepEqual(c.ports, [{ protocol: "udp", port: 53 }]);
  assert.deepEqual(c.externalIPs.map((a) => `${a.field}=${a.ip.text}`), [
    "spec.externalIPs[0]=10.96.0.10",
    "spec.externalIPs[1]=192.0.2.53",
  ]);
  assert.deepEqual(p.list, []);
});

Deno.test("readService() reports a bad creationTimestamp and ranks the Service youngest", () => {
  const p = problems();
  const r = readService(
    service("web", {}, { metadata: { creationTimestamp: "yesterday", uid: "u-1" } }),
    p.sink,
  );
  assert.equal(r.claims!.createdAt, undefined);
  assert.equal(r.ports.length, 1, "the Service itself is still programmed");
  assert.deepEqual(p.list.map((x) => x.field), ["metadata.creationTimestamp"]);
});
