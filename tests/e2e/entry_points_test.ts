/**
 * Entry points with real packets: NodePorts (on which addresses, from where),
 * externalIPs, load-balancer ingress IPs (ipMode Proxy skipped),
 * loadBalancerSourceRanges, and masquerading of eTP Cluster entry points.
 * TCP and UDP with packets; SCTP only at the ruleset level (see the last step).
 */

import { strict as assert } from "node:assert";
import { Topology } from "../support/netns/mod.ts";
import {
  endpointSlice,
  node,
  type PortArg,
  service,
  writeManifest,
} from "../support/cluster_objects.ts";
import { expectAll, reach } from "../support/probe_expect.ts";
import { ProxyProcess, TEST_PROXY_FLAGS } from "../support/proxy_process.ts";
import { isRoot } from "../support/eventually.ts";
import type { KubeObject, Service } from "../../src/model/kube_types.ts";

const NODE_IP = "198.51.100.10";
const NODE_IP2 = "198.51.100.11";
const CBR0 = "10.244.1.1";
/** Sources an endpoint may see once a connection is masqueraded to the node. */
const NODE_SRCS = [NODE_IP, CBR0];
const EXT_IP = "203.0.113.10";
const LB_IP = "203.0.113.20";
const LB_PROXY_IP = "203.0.113.21";
const LB_VIP_IP = "203.0.113.22";
const FW_IP = "203.0.113.30";
const FW_NODE_IP = "203.0.113.40";

const ports = (tcpNode?: number, udpNode?: number): PortArg[] => [
  { name: "http", port: 80, nodePort: tcpNode },
  { name: "dns", protocol: "UDP", port: 53, nodePort: udpNode },
];
const slicePorts = [{ name: "http", port: 80 }, {
  name: "dns",
  protocol: "UDP" as const,
  port: 53,
}];

function lb(
  name: string,
  vip: string,
  p: PortArg[],
  ingress: { ip: string; ipMode?: string }[],
  spec: Service["spec"] = {},
) {
  return service(name, [vip], p, { type: "LoadBalancer", ...spec }, {
    status: { loadBalancer: { ingress } },
  });
}

Deno.test({
  name:
    "entry points: NodePorts, externalIPs, LB IPs and source ranges are served where and to whom they should",
  ignore: !isRoot("entry points e2e"),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    const topo = await Topology.create({
      pods: [{ name: "web-1" }, { name: "web-2" }, { name: "web-3", node: "node2" }, {
        name: "client",
        server: false,
      }],
      externals: ["ext1", "ext2"],
      dualStack: false,
    });
    // REJECT answers with ICMP errors, which the kernel rate-limits per client host (a burst of 6, then
    // 1/s; ICMP redirects for node2's pods use it up too): this test wants the proxy's verdicts.
    await topo.exec("node", ["sysctl", "-q", "-w", "net.ipv4.icmp_ratelimit=0"]);
    const dir = await Deno.makeTempDir({ prefix: "kp-entry-" });
    let proxy: ProxyProcess | undefined;
    const ep = (pod: string) => ({ ip: topo.podIp(pod), node: topo.podNode(pod) });
    const ext1 = topo.externalIp("ext1"), clientIp = topo.podIp("client");
    const objects: KubeObject[] = [
      // Only the primary address is in the Node object, as a kubelet reports it.
      node("node", [NODE_IP], ["10.244.1.0/24"]),
      service("np", ["10.96.0.30"], ports(30080, 30053), { type: "NodePort" }),
      endpointSlice("np-1", "np", 4, slicePorts, [ep("web-1"), ep("web-2"), ep("web-3")]),
      service("eip", ["10.96.0.31"], ports(), { externalIPs: [EXT_IP] }),
      endpointSlice("eip-1", "eip", 4, slicePorts, [ep("web-1"), ep("web-3")]),
      lb("lb", "10.96.0.32", ports(30081, 30054), [{ ip: LB_IP }, {
        ip: LB_PROXY_IP,
        ipMode: "Proxy",
      }, {
        ip: LB_VIP_IP,
        ipMode: "VIP",
      }]),
      endpointSlice("lb-1", "lb", 4, slicePorts, [ep("web-1"), ep("web-2")]),
      lb("fw", "10.96.0.33", ports(30082, 30055), [{ ip: FW_IP }], {
        loadBalancerSourceRanges: [`${ext1}/32`],
      }),
      endpointSlice("fw-1", "fw", 4, slicePorts, [ep("web-2")]),
      lb("fwnode", "10.96.0.34", ports(30083), [{ ip: FW_NODE_IP }], {
        loadBalancerSourceRanges: [`${NODE_IP}/32`],
      }),
      endpointSlice("fwnode-1", "fwnode", 4, slicePorts, [ep("web-1")]),
      // SCTP: the kernel has no SCTP sockets, so this service is checked in the ruleset only.
      service("sc", ["10.96.0.35"], [{ name: "s", protocol: "SCTP", port: 80, nodePort: 30090 }], {
        type: "NodePort",
        externalIPs: ["203.0.113.50"],
      }),
      endpointSlice("sc-1", "sc", 4, [{ name: "s", protocol: "SCTP", port: 80 }], [ep("web-1")]),
    ];
    const start = async (extra: string[]) => {
      await proxy?.stop();
      proxy = ProxyProcess.start(topo.nsName("node"), [
        "--manifests",
        dir,
        ...TEST_PROXY_FLAGS,
        ...extra,
      ]);
      await proxy.waitForSyncs(1);
    };
    try {
      await writeManifest(`${dir}/cluster.json`, objects);
      await start([]);
      const all3 = ["web-1", "web-2", "web-3"];

      await t.step(
        "NodePort on the primary address, from an external client, TCP and UDP, masqueraded",
        async () => {
          await reach(topo, { from: "ext1", to: NODE_IP, port: 30080, count: 30 }, all3, NODE_SRCS);
          await reach(
            topo,
            { from: "ext1", to: NODE_IP, port: 30053, proto: "udp", count: 30 },
            all3,
            NODE_SRCS,
          );
        },
      );

      await t.step("by default no NodePort on the secondary address", async () => {
        await expectAll(topo, { from: "ext1", to: NODE_IP2, port: 30080 }, "refused");
        await expectAll(topo, { from: "ext1", to: NODE_IP2, port: 30053, proto: "udp" }, "refused");
        await expectAll(topo, { from: "node", to: NODE_IP2, port: 30080 }, "refused");
      });

      await t.step("NodePort from a pod (masqueraded) and from the node itself", async () => {
        await reach(topo, { from: "client", to: NODE_IP, port: 30080, count: 30 }, all3, NODE_SRCS);
        await reach(
          topo,
          { from: "client", to: NODE_IP, port: 30053, proto: "udp", count: 30 },
          all3,
          NODE_SRCS,
        );
        await reach(topo, { from: "node", to: NODE_IP, port: 30080, count: 30 }, all3, NODE_SRCS);
        await reach(
          topo,
          { from: "node", to: NODE_IP, port: 30053, proto: "udp", count: 30 },
          all3,
          NODE_SRCS,
        );
      });

      await t.step("externalIPs from an external client and from a pod, masqueraded", async () => {
        for (const from of ["ext1", "client"]) {
          await reach(topo, { from, to: EXT_IP, port: 80 }, ["web-1", "web-3"], NODE_SRCS);
          await reach(
            topo,
            { from, to: EXT_IP, port: 53, proto: "udp" },
            ["web-1", "web-3"],
            NODE_SRCS,
          );
        }
        // The ClusterIP of the same service keeps the pod's source (contrast).
        await reach(topo, { from: "client", to: "10.96.0.31", port: 80 }, ["web-1", "web-3"], [
          clientIp,
        ]);
      });

      await t.step(
        "LoadBalancer ingress IPs (and the ipMode VIP one) answer, TCP and UDP, masqueraded",
        async () => {
          for (const ip of [LB_IP, LB_VIP_IP]) {
            await reach(topo, { from: "ext1", to: ip, port: 80 }, ["web-1", "web-2"], NODE_SRCS);
            await reach(
              topo,
              { from: "ext1", to: ip, port: 53, proto: "udp" },
              ["web-1", "web-2"],
              NODE_SRCS,
            );
            await reach(topo, { from: "client", to: ip, port: 80 }, ["web-1", "web-2"], NODE_SRCS);
          }
          await reach(
            topo,
            { from: "ext2", to: NODE_IP, port: 30081 },
            ["web-1", "web-2"],
            NODE_SRCS,
          );
          await reach(topo, { from: "ext2", to: NODE_IP, port: 30054, proto: "udp" }, [
            "web-1",
            "web-2",
          ], NODE_SRCS);
        },
      );

      await t.step("an ingress with ipMode Proxy is not programmed", async () => {
        // Unprogrammed, the address is routed to the node's (unowned) default gateway: no pod
        // answers; the client sees a timeout, or "host unreachable" once the node's neighbour
        // lookup of that gateway has failed, depending on timing.
        for (
          const o of [{ from: "ext1", port: 80 }, {
            from: "client",
            port: 53,
            proto: "udp" as const,
          }]
        ) {
          const res = await topo.probe({ to: LB_PROXY_IP, count: 2, timeoutMs: 500, ...o });
          assert.ok(
            res.every((r) =>
              r.kind === "timeout" || (r.kind === "refused" && r.reason === "EHOSTUNREACH")
            ),
            `${o.from} -> ${LB_PROXY_IP}:${o.port}: want no answer: ${JSON.stringify(res)}`,
          );
        }
        const rules =
          (await topo.exec("node", ["nft", "list", "table", "ip", "kube-nft-proxy"])).stdout;
        assert.ok(
          rules.includes(LB_IP) && !rules.includes(LB_PROXY_IP),
          "only the non-Proxy ingress IPs are in the table",
        );
      });

      await t.step(
        "loadBalancerSourceRanges: inside reaches the LB IP, outside (externals, pods, node) is dropped",
        async () => {
          await reach(topo, { from: "ext1", to: FW_IP, port: 80 }, ["web-2"], NODE_SRCS);
          await reach(
            topo,
            { from: "ext1", to: FW_IP, port: 53, proto: "udp" },
            ["web-2"],
            NODE_SRCS,
          );
          await expectAll(topo, { from: "ext2", to: FW_IP, port: 80 }, "timeout");
          await expectAll(topo, { from: "ext2", to: FW_IP, port: 53, proto: "udp" }, "timeout");
          await expectAll(topo, { from: "client", to: FW_IP, port: 80 }, "timeout");
          await expectAll(topo, { from: "node", to: FW_IP, port: 80 }, "timeout");
        },
      );

      await t.step(
        "loadBalancerSourceRanges do not apply to the NodePort or the ClusterIP",
        async () => {
          await reach(topo, { from: "ext2", to: NODE_IP, port: 30082 }, ["web-2"], NODE_SRCS);
          await reach(
            topo,
            { from: "ext2", to: NODE_IP, port: 30055, proto: "udp" },
            ["web-2"],
            NODE_SRCS,
          );
          await reach(topo, { from: "client", to: "10.96.0.33", port: 80 }, ["web-2"], [clientIp]);
        },
      );

      await t.step(
        "a range covering a node IP lets the node (and the LB IPs as sources) reach the LB IP",
        async () => {
          await reach(topo, { from: "node", to: FW_NODE_IP, port: 80 }, ["web-1"], NODE_SRCS);
          await expectAll(topo, { from: "ext1", to: FW_NODE_IP, port: 80 }, "timeout");
          // With the LB IPs on the node's lo (as some LB implementations do), they become the source.
          await topo.exec("node", ["ip", "addr", "add", `${FW_NODE_IP}/32`, "dev", "lo"]);
          await topo.exec("node", ["ip", "addr", "add", `${FW_IP}/32`, "dev", "lo"]);
          try {
            await reach(topo, { from: "node", to: FW_NODE_IP, srcIp: FW_NODE_IP, port: 80 }, [
              "web-1",
            ], NODE_SRCS);
            // Contrast: a service whose ranges do not cover a node IP does not allow its LB IP as source.
            await expectAll(topo, { from: "node", to: FW_IP, srcIp: FW_IP, port: 80 }, "timeout");
          } finally {
            await topo.exec("node", ["ip", "addr", "del", `${FW_NODE_IP}/32`, "dev", "lo"]);
            await topo.exec("node", ["ip", "addr", "del", `${FW_IP}/32`, "dev", "lo"]);
          }
        },
      );

      await t.step(
        "SCTP entry points are in the loaded ruleset (no SCTP in this kernel: ruleset level only)",
        async () => {
          const rules =
            (await topo.exec("node", ["nft", "list", "table", "ip", "kube-nft-proxy"])).stdout;
          for (const el of ["10.96.0.35 . sctp . 80", "203.0.113.50 . sctp . 80", "sctp . 30090"]) {
            assert.ok(rules.includes(el), `element '${el}' missing from the table`);
          }
        },
      );

      await t.step(
        "--nodeport-addresses 198.51.100.0/24 serves NodePorts on both node addresses",
        async () => {
          await start(["--nodeport-addresses", "198.51.100.0/24"]);
          for (const ip of [NODE_IP, NODE_IP2]) {
            await reach(topo, { from: "ext1", to: ip, port: 30080, count: 30 }, all3, NODE_SRCS);
            await reach(
              topo,
              { from: "ext1", to: ip, port: 30053, proto: "udp", count: 30 },
              all3,
              NODE_SRCS,
            );
            await reach(topo, { from: "node", to: ip, port: 30080 }, all3, NODE_SRCS);
          }
          // Not on addresses outside the CIDRs: the pod gateway address.
          await expectAll(topo, { from: "client", to: CBR0, port: 30080 }, "refused");
        },
      );
    } finally {
      await proxy?.stop();
      await topo.destroy();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
