/**
 * Dual stack with real packets: one Service with an IPv4 and an IPv6
 * ClusterIP, each family reaching only the endpoints of its own
 * EndpointSlices (ClusterIP from a pod, NodePort from outside); each family's
 * table holds only its own literals; a single-stack IPv6 Service.
 */

import { strict as assert } from "node:assert";
import { summarize, Topology } from "../support/netns/mod.ts";
import { endpointSlice, node, service, writeManifest } from "../support/cluster_objects.ts";
import { expectAll, reach } from "../support/probe_expect.ts";
import { ProxyProcess, TEST_PROXY_FLAGS } from "../support/proxy_process.ts";
import { isRoot } from "../support/eventually.ts";

const NODE4 = "198.51.100.10", NODE6 = "2001:db8:100::10";
const CBR4 = "10.244.1.1", CBR6 = "2001:db8:244:1::1";
const DS4 = "10.96.0.80", DS6 = "2001:db8:96::80";
const V6ONLY = "2001:db8:96::90";
const IPV4_LITERAL = /\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b/;
const IPV6_LITERAL = /(?:^|[\s{,])[0-9a-f]{0,4}:(?:[0-9a-f]{0,4}:)+[0-9a-f]{0,4}/im;

Deno.test({
  name:
    "dual stack: each family reaches only its own endpoints, and each table holds only its own family",
  ignore: !isRoot("dual-stack e2e"),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    const topo = await Topology.create({
      pods: [{ name: "web-1" }, { name: "web-2" }, { name: "web-3" }, {
        name: "client",
        server: false,
      }],
      externals: ["ext1"],
      dualStack: true,
    });
    // REJECT answers with ICMP errors, rate-limited per client host by default: test verdicts, not budgets.
    await topo.exec("node", [
      "sysctl",
      "-q",
      "-w",
      "net.ipv4.icmp_ratelimit=0",
      "net.ipv6.icmp.ratelimit=0",
    ]);
    const dir = await Deno.makeTempDir({ prefix: "kp-dual-" });
    let proxy: ProxyProcess | undefined;
    const ports = [{ name: "http", port: 80, nodePort: 30080 }, {
      name: "dns",
      protocol: "UDP" as const,
      port: 53,
      nodePort: 30053,
    }];
    const slicePorts = [{ name: "http", port: 80 }, {
      name: "dns",
      protocol: "UDP" as const,
      port: 53,
    }];
    const ip = (pod: string, f: 4 | 6) => ({ ip: topo.podIp(pod, f) });
    try {
      await writeManifest(`${dir}/cluster.json`, [
        node("node", [NODE4, NODE6], ["10.244.1.0/24", "2001:db8:244:1::/64"]),
        service("ds", [DS4, DS6], ports, { type: "NodePort" }),
        endpointSlice("ds-v4", "ds", 4, slicePorts, [ip("web-1", 4), ip("web-2", 4)]),
        endpointSlice("ds-v6", "ds", 6, slicePorts, [ip("web-3", 6)]),
        service("v6only", [V6ONLY], [{ name: "http", port: 80, nodePort: 30090 }, {
          name: "dns",
          protocol: "UDP",
          port: 53,
        }], {
          type: "NodePort",
        }),
        endpointSlice("v6only-1", "v6only", 6, slicePorts, [ip("web-1", 6), ip("web-2", 6)]),
      ]);
      proxy = ProxyProcess.start(topo.nsName("node"), [
        "--manifests",
        dir,
        ...TEST_PROXY_FLAGS,
        "--cluster-cidr",
        "10.244.0.0/16,2001:db8:244::/48",
        "--service-cidrs",
        "10.96.0.0/12,2001:db8:96::/112",
      ]);
      await proxy.waitForSyncs(1);
      const client4 = topo.podIp("client", 4), client6 = topo.podIp("client", 6);

      await t.step(
        "ClusterIP from a pod: IPv4 reaches the IPv4 slice, IPv6 the IPv6 slice (TCP, UDP)",
        async () => {
          await reach(topo, { from: "client", to: DS4, port: 80 }, ["web-1", "web-2"], [client4]);
          await reach(
            topo,
            { from: "client", to: DS4, port: 53, proto: "udp" },
            ["web-1", "web-2"],
            [client4],
          );
          await reach(topo, { from: "client", to: DS6, port: 80 }, ["web-3"], [client6]);
          await reach(topo, { from: "client", to: DS6, port: 53, proto: "udp" }, ["web-3"], [
            client6,
          ]);
        },
      );

      await t.step(
        "NodePort from an external client over each family, masqueraded to a node address",
        async () => {
          await reach(topo, { from: "ext1", to: NODE4, port: 30080 }, ["web-1", "web-2"], [
            NODE4,
            CBR4,
          ]);
          await reach(topo, { from: "ext1", to: NODE4, port: 30053, proto: "udp" }, [
            "web-1",
            "web-2",
          ], [NODE4, CBR4]);
          await reach(topo, { from: "ext1", to: NODE6, port: 30080 }, ["web-3"], [NODE6, CBR6]);
          await reach(topo, { from: "ext1", to: NODE6, port: 30053, proto: "udp" }, ["web-3"], [
            NODE6,
            CBR6,
          ]);
          await reach(topo, { from: "ext1", to: DS6, port: 80 }, ["web-3"], [NODE6, CBR6]);
        },
      );

      await t.step("IPv6: unserved port refused, unallocated address dropped", async () => {
        // This kernel delivers the ICMPv6 port-unreachable answering a TCP SYN only with the SYN's first
        // retransmission (~1 s), with or without the proxy (a bare `ip6 ... reject` rule does the same):
        // hence the long deadline. A drop still ends as a timeout.
        const slow = { count: 2, timeoutMs: 2500 };
        await expectAll(topo, { from: "client", to: DS6, port: 81, ...slow }, "refused");
        await expectAll(topo, { from: "ext1", to: DS6, port: 81, ...slow }, "refused");
        await expectAll(topo, { from: "client", to: DS6, port: 54, proto: "udp" }, "refused");
        await expectAll(
          topo,
          { from: "client", to: "2001:db8:96::99", port: 80, ...slow },
          "timeout",
        );
      });

      await t.step("single-stack IPv6 service: ClusterIP and NodePort over IPv6 only", async () => {
        await reach(topo, { from: "client", to: V6ONLY, port: 80 }, ["web-1", "web-2"], [client6]);
        await reach(topo, { from: "client", to: V6ONLY, port: 53, proto: "udp" }, [
          "web-1",
          "web-2",
        ], [client6]);
        await reach(topo, { from: "ext1", to: NODE6, port: 30090 }, ["web-1", "web-2"], [
          NODE6,
          CBR6,
        ]);
        const v4 = summarize(
          await topo.probe({ from: "ext1", to: NODE4, port: 30090, count: 3, timeoutMs: 500 }),
        );
        assert.equal(v4.ok, 0, "no IPv4 NodePort for an IPv6-only service");
      });

      await t.step(
        "the ip table holds no IPv6 literal, the ip6 table no IPv4 literal",
        async () => {
          const list = async (family: string) =>
            (await topo.exec("node", ["nft", "list", "table", family, "kube-nft-proxy"])).stdout;
          const t4 = await list("ip"), t6 = await list("ip6");
          // Positive controls: each table does hold its own family's service and endpoints.
          for (const s of [DS4, topo.podIp("web-1", 4), "tcp . 30080"]) {
            assert.ok(t4.includes(s), `ip table lacks ${s}`);
          }
          for (const s of [DS6, V6ONLY, topo.podIp("web-3", 6), "tcp . 30090"]) {
            assert.ok(t6.includes(s), `ip6 table lacks ${s}`);
          }
          assert.doesNotMatch(t4, IPV6_LITERAL, "IPv6 literal in the ip table");
          assert.doesNotMatch(t6, IPV4_LITERAL, "IPv4 literal in the ip6 table");
          assert.ok(
            !t4.includes("tcp . 30090"),
            "the IPv6-only service's NodePort is in the ip table",
          );
        },
      );
    } finally {
      await proxy?.stop();
      await topo.destroy();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
