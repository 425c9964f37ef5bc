/**
 * The acceptance walkthrough, with real packets: the proxy runs in a node
 * namespace, reads manifests, and programs ClusterIP services that pods,
 * the node and external clients reach.
 */

import { strict as assert } from "node:assert";
import { summarize, Topology } from "../support/netns/mod.ts";
import { endpointSlice, node, service, writeManifest } from "../support/cluster_objects.ts";
import { ProxyProcess, TEST_PROXY_FLAGS } from "../support/proxy_process.ts";
import { eventually, isRoot } from "../support/eventually.ts";
import type { KubeObject } from "../../src/model/kube_types.ts";

const VIP = "10.96.0.10";
const MULTI_VIP = "10.96.0.20";

Deno.test({
  name: "walkthrough: ClusterIP services follow the manifests, with real TCP and UDP packets",
  ignore: !isRoot("walkthrough e2e"),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    const topo = await Topology.create({
      pods: [{ name: "web-1" }, { name: "web-2" }, { name: "web-3" }, {
        name: "client",
        server: false,
      }],
      externals: ["ext1"],
      dualStack: false,
    });
    const dir = await Deno.makeTempDir({ prefix: "kp-walk-" });
    const file = `${dir}/cluster.json`;
    let proxy: ProxyProcess | undefined;
    const nodeObj = node("node", [topo.nodeIp(4)], ["10.244.1.0/24"]);
    const objects = (webPods: string[], withService = true): KubeObject[] => [
      nodeObj,
      ...(withService
        ? [
          service("nginx", [VIP], [{ name: "http", port: 80, targetPort: 8080 }]),
          endpointSlice(
            "nginx-1",
            "nginx",
            4,
            [{ name: "http", port: 8080 }],
            webPods.map((p) => ({ ip: topo.podIp(p) })),
          ),
        ]
        : []),
      service("multi", [MULTI_VIP], [{ name: "http", port: 80 }, {
        name: "dns",
        protocol: "UDP",
        port: 53,
        targetPort: 5353,
      }]),
      endpointSlice("multi-1", "multi", 4, [{ name: "http", port: 80 }, {
        name: "dns",
        protocol: "UDP",
        port: 5353,
      }], [{
        ip: topo.podIp("web-1"),
      }]),
    ];
    try {
      await writeManifest(file, objects(["web-1", "web-2", "web-3"]));
      proxy = ProxyProcess.start(topo.nsName("node"), [
        "--manifests",
        dir,
        ...TEST_PROXY_FLAGS,
      ]);
      await proxy.waitForSyncs(1);

      await t.step("all 3 endpoints answer the ClusterIP", async () => {
        const s = summarize(await topo.probe({ from: "client", to: VIP, port: 80, count: 30 }));
        assert.deepEqual([...s.pods].sort(), ["web-1", "web-2", "web-3"]);
        assert.equal(s.refused + s.timeout, 0);
      });

      await t.step("a pod client's source IP is preserved", async () => {
        const s = summarize(await topo.probe({ from: "client", to: VIP, port: 80, count: 5 }));
        assert.deepEqual([...s.srcs], [topo.podIp("client")]);
      });

      await t.step("a client outside the cluster CIDR is masqueraded", async () => {
        const s = summarize(await topo.probe({ from: "ext1", to: VIP, port: 80, count: 10 }));
        assert.equal(s.ok, 10);
        assert.ok(!s.srcs.has(topo.externalIp("ext1")), `external source leaked: ${[...s.srcs]}`);
        const fromNode = summarize(await topo.probe({ from: "node", to: VIP, port: 80, count: 5 }));
        assert.equal(fromNode.ok, 5);
      });

      await t.step("scaled to 4: the new pod answers too", async () => {
        await topo.addPod({ name: "web-4" });
        await writeManifest(file, objects(["web-1", "web-2", "web-3", "web-4"]));
        await eventually(async () => {
          const s = summarize(await topo.probe({ from: "client", to: VIP, port: 80, count: 40 }));
          assert.deepEqual([...s.pods].sort(), ["web-1", "web-2", "web-3", "web-4"]);
        });
      });

      await t.step(
        "multi-port service: TCP port and UDP port with a different target port",
        async () => {
          const tcp = summarize(
            await topo.probe({ from: "client", to: MULTI_VIP, port: 80, count: 5 }),
          );
          assert.deepEqual([...tcp.pods], ["web-1"]);
          const udpRes = await topo.probe({
            from: "client",
            to: MULTI_VIP,
            port: 53,
            proto: "udp",
            count: 5,
          });
          const udp = summarize(udpRes);
          assert.deepEqual([...udp.pods], ["web-1"]);
          assert.ok(
            udpRes.every((r) => r.kind === "ok" && r.port === 5353),
            "UDP DNATed to port 5353",
          );
        },
      );

      await t.step("hairpin: a pod reaches itself through its service, masqueraded", async () => {
        const s = summarize(await topo.probe({ from: "web-1", to: MULTI_VIP, port: 80, count: 5 }));
        assert.deepEqual([...s.pods], ["web-1"]);
        assert.ok(!s.srcs.has(topo.podIp("web-1")), `hairpin not masqueraded: ${[...s.srcs]}`);
      });

      await t.step("scaled to 0: connection refused", async () => {
        await writeManifest(file, objects([]));
        await eventually(async () => {
          const s = summarize(await topo.probe({ from: "client", to: VIP, port: 80, count: 3 }));
          assert.equal(s.refused, 3);
        });
        const extRes = await topo.probe({ from: "ext1", to: VIP, port: 80, count: 2 });
        assert.equal(summarize(extRes).refused, 2, JSON.stringify(extRes));
      });

      await t.step("a wrong port on an allocated ClusterIP is refused", async () => {
        const s = summarize(
          await topo.probe({ from: "client", to: MULTI_VIP, port: 81, count: 2 }),
        );
        assert.equal(s.refused, 2);
      });

      await t.step("service deleted: the VIP no longer answers", async () => {
        await writeManifest(file, objects([], false));
        await eventually(async () => {
          const s = summarize(
            await topo.probe({ from: "client", to: VIP, port: 80, count: 2, timeoutMs: 500 }),
          );
          assert.equal(s.ok, 0);
          assert.equal(s.timeout, 2, "an unallocated address in the service CIDR is dropped");
        });
      });

      await t.step("SIGTERM exits 0 and leaves the rules in place", async () => {
        const status = await proxy!.stop();
        assert.equal(status.code, 0);
        const rules = await topo.listRuleset();
        assert.match(rules, /table ip kube-nft-proxy/);
        const s = summarize(
          await topo.probe({ from: "client", to: MULTI_VIP, port: 80, count: 3 }),
        );
        assert.equal(s.ok, 3);
      });
    } finally {
      await proxy?.stop();
      await topo.destroy();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
