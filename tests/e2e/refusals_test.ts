/**
 * Refusals and drops with real packets: services without endpoints are
 * rejected on every entry point, an allocated ClusterIP rejects the ports it
 * does not serve, unallocated service addresses are dropped, and the service
 * ranges come from ServiceCIDR objects when any exist, else from
 * `--service-cidrs`.
 */

import { strict as assert } from "node:assert";
import { type ProbeOptions, summarize, Topology } from "../support/netns/mod.ts";
import {
  endpointSlice,
  node,
  service,
  serviceCIDR,
  writeManifest,
} from "../support/cluster_objects.ts";
import { expectAll } from "../support/probe_expect.ts";
import { ProxyProcess, TEST_PROXY_FLAGS } from "../support/proxy_process.ts";
import { eventually, isRoot } from "../support/eventually.ts";
import type { KubeObject } from "../../src/model/kube_types.ts";

const NODE_IP = "198.51.100.10";
const EMPTY_VIP = "10.96.0.60";
const EMPTY_EXT = "203.0.113.60";
const EMPTY_LB = "203.0.113.61";
const UNREADY_VIP = "10.96.0.62";
const WEB_VIP = "10.96.0.70";
const UNALLOCATED = "10.96.0.99";
/** Inside a ServiceCIDR object's range, outside --service-cidrs; routed to web-1. */
const IN_OBJECT = "10.100.0.5";
/** Inside --service-cidrs, outside the ServiceCIDR object; routed to web-2. */
const IN_FLAG = "10.96.200.5";

/**
 * UDP from the node itself: a REJECT in the output hook makes send() fail with EPERM, like a drop,
 * and only then delivers the ICMP error to the socket. So send, then read: refused or timeout.
 */
async function nodeUdp(topo: Topology, to: string, port: number): Promise<string[]> {
  const py = `import json, socket, sys
out = []
for _ in range(2):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(0.5)
    s.connect((sys.argv[1], int(sys.argv[2])))
    try:
        s.send(b"probe")
    except PermissionError:
        pass
    try:
        s.recv(4096)
        out.append("ok")
    except ConnectionRefusedError:
        out.append("refused")
    except socket.timeout:
        out.append("timeout")
    s.close()
print(json.dumps(out))`;
  return JSON.parse((await topo.exec("node", ["python3", "-c", py, to, String(port)])).stdout);
}

/** Probes and asserts every attempt was answered by exactly `pods`. */
async function expectPods(topo: Topology, o: ProbeOptions, pods: string[]): Promise<void> {
  const s = summarize(await topo.probe({ count: 20, ...o }));
  const what = `${o.from} -> ${o.to}:${o.port}/${o.proto ?? "tcp"}`;
  assert.equal(
    s.ok,
    o.count ?? 20,
    `${what}: refused ${s.refused}, timeout ${s.timeout}, errors ${[...s.errorMessages]}`,
  );
  assert.deepEqual([...s.pods].sort(), pods, `${what}: answering pods`);
}

Deno.test({
  name:
    "refusals: no endpoints and unserved ports are rejected, unallocated service addresses dropped",
  ignore: !isRoot("refusals e2e"),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    const topo = await Topology.create({
      pods: [{ name: "web-1" }, { name: "web-2" }, { name: "client", server: false }],
      externals: ["ext1"],
      dualStack: false,
    });
    // REJECT answers with ICMP errors, which the kernel rate-limits per client host (a burst of 6, then
    // 1/s): this test wants the proxy's verdicts, not the node's ICMP budget.
    await topo.exec("node", ["sysctl", "-q", "-w", "net.ipv4.icmp_ratelimit=0"]);
    const dir = await Deno.makeTempDir({ prefix: "kp-refuse-" });
    const file = `${dir}/cluster.json`;
    let proxy: ProxyProcess | undefined;
    const ports = [{ name: "http", port: 80, nodePort: 30060 }, {
      name: "dns",
      protocol: "UDP" as const,
      port: 53,
      nodePort: 30061,
    }];
    const objects = (extra: KubeObject[] = []): KubeObject[] => [
      node("node", [NODE_IP], ["10.244.1.0/24"]),
      // No EndpointSlice at all.
      service("empty", [EMPTY_VIP], ports, { type: "LoadBalancer", externalIPs: [EMPTY_EXT] }, {
        status: { loadBalancer: { ingress: [{ ip: EMPTY_LB }] } },
      }),
      // Only an endpoint that is neither ready nor serving: nothing usable.
      service("unready", [UNREADY_VIP], [{ name: "http", port: 80, nodePort: 30062 }], {
        type: "NodePort",
      }),
      endpointSlice("unready-1", "unready", 4, [{ name: "http", port: 80 }], [{
        ip: topo.podIp("web-1"),
        ready: false,
        serving: false,
      }]),
      service("web", [WEB_VIP], [{ name: "http", port: 80 }]),
      endpointSlice("web-1", "web", 4, [{ name: "http", port: 80 }], [{ ip: topo.podIp("web-1") }, {
        ip: topo.podIp("web-2"),
      }]),
      ...extra,
    ];
    try {
      // Addresses inside the service ranges that something real answers on, to tell "dropped" from "unrouted".
      await topo.exec("web-1", ["ip", "addr", "add", `${IN_OBJECT}/32`, "dev", "eth0"]);
      await topo.exec("web-2", ["ip", "addr", "add", `${IN_FLAG}/32`, "dev", "eth0"]);
      await topo.exec("node", [
        "ip",
        "route",
        "add",
        `${IN_OBJECT}/32`,
        "via",
        topo.podIp("web-1"),
      ]);
      await topo.exec("node", ["ip", "route", "add", `${IN_FLAG}/32`, "via", topo.podIp("web-2")]);
      await writeManifest(file, objects());
      proxy = ProxyProcess.start(topo.nsName("node"), [
        "--manifests",
        dir,
        ...TEST_PROXY_FLAGS,
        // A narrower service CIDR than the default, so that some addresses fall outside it.
        "--service-cidrs",
        "10.96.0.0/16",
      ]);
      await proxy.waitForSyncs(1);

      await t.step(
        "no endpoints: the ClusterIP is refused from a pod, the node and outside (TCP, UDP)",
        async () => {
          for (const from of ["client", "node", "ext1"]) {
            await expectAll(topo, { from, to: EMPTY_VIP, port: 80 }, "refused");
            if (from !== "node") {
              await expectAll(topo, { from, to: EMPTY_VIP, port: 53, proto: "udp" }, "refused");
            }
          }
          assert.deepEqual(await nodeUdp(topo, EMPTY_VIP, 53), ["refused", "refused"]);
        },
      );

      await t.step(
        "no endpoints: NodePort, externalIP and LB IP are refused (TCP, UDP)",
        async () => {
          for (const from of ["ext1", "client", "node"]) {
            await expectAll(topo, { from, to: NODE_IP, port: 30060 }, "refused");
            if (from !== "node") {
              await expectAll(topo, { from, to: NODE_IP, port: 30061, proto: "udp" }, "refused");
            }
          }
          assert.deepEqual(await nodeUdp(topo, NODE_IP, 30061), ["refused", "refused"]);
          for (const to of [EMPTY_EXT, EMPTY_LB]) {
            for (const from of ["ext1", "client"]) {
              await expectAll(topo, { from, to, port: 80 }, "refused");
              await expectAll(topo, { from, to, port: 53, proto: "udp" }, "refused");
            }
          }
        },
      );

      await t.step("only not-serving endpoints count as none: refused", async () => {
        await expectAll(topo, { from: "client", to: UNREADY_VIP, port: 80 }, "refused");
        await expectAll(topo, { from: "ext1", to: NODE_IP, port: 30062 }, "refused");
      });

      await t.step(
        "an allocated ClusterIP refuses the ports and protocols it does not serve",
        async () => {
          await expectPods(topo, { from: "client", to: WEB_VIP, port: 80 }, ["web-1", "web-2"]);
          for (const from of ["client", "node", "ext1"]) {
            await expectAll(topo, { from, to: WEB_VIP, port: 81 }, "refused");
            if (from !== "node") {
              await expectAll(topo, { from, to: WEB_VIP, port: 80, proto: "udp" }, "refused");
            }
          }
          assert.deepEqual(await nodeUdp(topo, WEB_VIP, 80), ["refused", "refused"]);
        },
      );

      await t.step("an unallocated address inside the service CIDR is dropped", async () => {
        for (const from of ["client", "node", "ext1"]) {
          await expectAll(topo, { from, to: UNALLOCATED, port: 80 }, "timeout");
          await expectAll(topo, { from, to: UNALLOCATED, port: 53, proto: "udp" }, "timeout");
        }
        // The node's own UDP gets no ICMP error either (contrast with nodeUdp's "refused" above).
        assert.deepEqual(await nodeUdp(topo, UNALLOCATED, 53), ["timeout", "timeout"]);
      });

      await t.step(
        "without ServiceCIDR objects, --service-cidrs decides what is dropped",
        async () => {
          for (const from of ["client", "ext1", "node"]) {
            await expectPods(topo, { from, to: IN_OBJECT, port: 80, count: 3 }, ["web-1"]);
            await expectAll(topo, { from, to: IN_FLAG, port: 80 }, "timeout");
          }
        },
      );

      await t.step(
        "once a ServiceCIDR object exists, its ranges replace --service-cidrs",
        async () => {
          await writeManifest(file, objects([serviceCIDR("kubernetes", ["10.100.0.0/16"])]));
          await eventually(() =>
            expectAll(topo, { from: "client", to: IN_OBJECT, port: 80 }, "timeout")
          );
          for (const from of ["ext1", "node"]) {
            await expectAll(topo, { from, to: IN_OBJECT, port: 80 }, "timeout");
          }
          for (const from of ["client", "ext1", "node"]) {
            await expectPods(topo, { from, to: IN_FLAG, port: 80, count: 3 }, ["web-2"]);
          }
          // Allocated ClusterIPs outside the object's range keep their refusals.
          await expectAll(topo, { from: "client", to: WEB_VIP, port: 81 }, "refused");
        },
      );

      await t.step("with the ServiceCIDR objects gone, --service-cidrs applies again", async () => {
        await writeManifest(file, objects());
        await eventually(() =>
          expectPods(topo, { from: "client", to: IN_OBJECT, port: 80, count: 3 }, ["web-1"])
        );
        await expectAll(topo, { from: "client", to: IN_FLAG, port: 80 }, "timeout");
      });
    } finally {
      await proxy?.stop();
      await topo.destroy();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
