/**
 * `explain` against real packets: for each scenario, the proxy's explain
 * answer (verdict, candidate endpoints, masquerade) must match what packets
 * sent through the programmed ruleset actually do.
 */

import { strict as assert } from "node:assert";
import { summarize, Topology } from "../support/netns/mod.ts";
import { endpointSlice, node, service, writeManifest } from "../support/cluster_objects.ts";
import { ProxyProcess } from "../support/proxy_process.ts";
import { isRoot } from "../support/eventually.ts";
import type { Explanation } from "../../src/explain/explain_packet.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const FLAGS = [
  "--hostname-override",
  "node",
  "--cluster-cidr",
  "10.244.0.0/16",
  "--service-cidrs",
  "10.96.0.0/12",
];

Deno.test({
  name: "explain: its answers match real packets for several scenarios",
  ignore: !isRoot("explain e2e"),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    const topo = await Topology.create({
      pods: [{ name: "web-1" }, { name: "web-2" }, { name: "far-1", node: "node2" }, {
        name: "client",
        server: false,
      }],
      externals: ["ext1"],
      dualStack: false,
    });
    const dir = await Deno.makeTempDir({ prefix: "kp-explain-" });
    let proxy: ProxyProcess | undefined;
    const ipToPod = new Map(["web-1", "web-2", "far-1"].map((p) => [topo.podIp(p), p]));
    try {
      await writeManifest(`${dir}/cluster.json`, [
        node("node", [topo.nodeIp(4)], ["10.244.1.0/24"]),
        service("web", ["10.96.0.10"], [{ name: "http", port: 80 }]),
        endpointSlice("web-a", "web", 4, [{ name: "http", port: 80 }], [
          { ip: topo.podIp("web-1") },
          { ip: topo.podIp("web-2") },
        ]),
        service("empty", ["10.96.0.11"], [{ name: "http", port: 80 }]),
        service("local", ["10.96.0.12"], [{ name: "http", port: 80, nodePort: 30080 }], {
          type: "NodePort",
          externalTrafficPolicy: "Local",
        }),
        endpointSlice("local-a", "local", 4, [{ name: "http", port: 80 }], [{
          ip: topo.podIp("far-1"),
          node: "node2",
        }]),
        service("fw", ["10.96.0.13"], [{ name: "http", port: 80, nodePort: 30081 }], {
          type: "LoadBalancer",
          loadBalancerSourceRanges: ["192.0.2.0/24"],
        }, { status: { loadBalancer: { ingress: [{ ip: "203.0.113.7" }] } } }),
        endpointSlice("fw-a", "fw", 4, [{ name: "http", port: 80 }], [{ ip: topo.podIp("web-1") }]),
      ]);
      proxy = ProxyProcess.start(topo.nsName("node"), [
        "--manifests",
        dir,
        ...FLAGS,
        "--min-sync-period",
        "0",
        "--healthz-bind-address",
        "",
        "--metrics-bind-address",
        "",
      ]);
      await proxy.waitForSyncs(1);

      const explain = async (src: string, dst: string): Promise<Explanation> => {
        const out = await new Deno.Command(Deno.execPath(), {
          args: [
            "run",
            "-A",
            `${ROOT}main.ts`,
            "explain",
            "--output",
            "json",
            "--manifests",
            dir,
            ...FLAGS,
            "--src",
            src,
            "--dst",
            dst,
          ],
          stdout: "piped",
          stderr: "piped",
        }).output();
        assert.ok(out.success, new TextDecoder().decode(out.stderr));
        return JSON.parse(new TextDecoder().decode(out.stdout));
      };
      const scenarios: {
        name: string;
        from: string;
        srcIp: string;
        to: string;
        port: number;
        verdict: Explanation["verdict"];
      }[] = [
        {
          name: "ClusterIP from a pod",
          from: "client",
          srcIp: topo.podIp("client"),
          to: "10.96.0.10",
          port: 80,
          verdict: "DNAT",
        },
        {
          name: "ClusterIP from outside the cluster",
          from: "ext1",
          srcIp: topo.externalIp("ext1"),
          to: "10.96.0.10",
          port: 80,
          verdict: "DNAT",
        },
        {
          name: "a Service without endpoints",
          from: "client",
          srcIp: topo.podIp("client"),
          to: "10.96.0.11",
          port: 80,
          verdict: "REJECT",
        },
        {
          name: "a ClusterIP's unserved port",
          from: "client",
          srcIp: topo.podIp("client"),
          to: "10.96.0.10",
          port: 81,
          verdict: "REJECT",
        },
        {
          name: "an unallocated service address",
          from: "client",
          srcIp: topo.podIp("client"),
          to: "10.96.0.99",
          port: 80,
          verdict: "DROP",
        },
        {
          name: "eTP Local NodePort, external client, endpoints elsewhere",
          from: "ext1",
          srcIp: topo.externalIp("ext1"),
          to: topo.nodeIp(4),
          port: 30080,
          verdict: "DROP",
        },
        {
          name: "eTP Local NodePort from a pod (short-circuit)",
          from: "client",
          srcIp: topo.podIp("client"),
          to: topo.nodeIp(4),
          port: 30080,
          verdict: "DNAT",
        },
        {
          name: "LB IP from outside the source ranges",
          from: "ext1",
          srcIp: topo.externalIp("ext1"),
          to: "203.0.113.7",
          port: 80,
          verdict: "DROP",
        },
        {
          name: "NodePort of the firewalled LB (ranges do not apply)",
          from: "ext1",
          srcIp: topo.externalIp("ext1"),
          to: topo.nodeIp(4),
          port: 30081,
          verdict: "DNAT",
        },
      ];
      for (const s of scenarios) {
        await t.step(s.name, async () => {
          const e = await explain(s.srcIp, `${s.to}:${s.port}/tcp`);
          assert.equal(e.verdict, s.verdict, JSON.stringify(e));
          const res = summarize(
            await topo.probe({
              from: s.from,
              to: s.to,
              port: s.port,
              count: e.verdict === "DNAT" ? 30 : 2,
              timeoutMs: 600,
            }),
          );
          if (e.verdict === "DNAT") {
            const expected = e.candidates.map((c) => ipToPod.get(c.address)).sort();
            assert.deepEqual(
              [...res.pods].sort(),
              expected,
              "the answering pods are the candidates",
            );
            const sawOriginal = res.srcs.has(s.srcIp);
            assert.equal(
              !sawOriginal,
              e.masquerade!.yes,
              `masquerade: explain says ${e.masquerade!.yes}, endpoints saw ${[...res.srcs]}`,
            );
          } else if (e.verdict === "REJECT") {
            assert.equal(res.refused, 2);
          } else {
            assert.equal(res.timeout, 2);
          }
        });
      }
    } finally {
      await proxy?.stop();
      await topo.destroy();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
