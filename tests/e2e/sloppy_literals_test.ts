/**
 * Sloppy and invalid IP literals with real packets: leading zeros and spaces
 * are normalised (read as decimal, never octal), invalid literals are skipped
 * with a log line naming the Service and field, and everything else of that
 * Service and of other Services keeps working.
 */

import { strict as assert } from "node:assert";
import { type ProbeOptions, Topology } from "../support/netns/mod.ts";
import { endpointSlice, node, service, writeManifest } from "../support/cluster_objects.ts";
import { reach } from "../support/probe_expect.ts";
import { ProxyProcess, TEST_PROXY_FLAGS } from "../support/proxy_process.ts";
import { isRoot } from "../support/eventually.ts";

const NODE_SRCS = ["198.51.100.10", "10.244.1.1"];

/**
 * Probes and asserts that nothing answered: every attempt timed out (dropped or unrouted), or,
 * for an address the node forwards to its unowned default gateway, got "host unreachable"
 * once the node's neighbour lookup of that gateway failed (it depends on timing).
 */
async function silent(topo: Topology, o: ProbeOptions): Promise<void> {
  const res = await topo.probe({ count: 2, timeoutMs: 500, ...o });
  assert.ok(
    res.every((r) => r.kind === "timeout" || (r.kind === "refused" && r.reason === "EHOSTUNREACH")),
    `${o.from} -> ${o.to}:${o.port}: want no answer: ${JSON.stringify(res)}`,
  );
}

Deno.test({
  name:
    "sloppy literals: leading zeros and spaces are normalised, invalid literals skipped and logged",
  ignore: !isRoot("sloppy literals e2e"),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    const topo = await Topology.create({
      pods: [{ name: "web-1" }, { name: "web-2" }, { name: "client", server: false }],
      externals: ["ext1", "ext2"],
      dualStack: false,
    });
    const dir = await Deno.makeTempDir({ prefix: "kp-sloppy-" });
    let proxy: ProxyProcess | undefined;
    const web = (pod: string) => ({ ip: topo.podIp(pod) });
    const slicePorts = [{ name: "http", port: 80 }, {
      name: "dns",
      protocol: "UDP" as const,
      port: 53,
    }];
    const ext1 = topo.externalIp("ext1"), clientIp = topo.podIp("client");
    const lbStatus = (ip: string) => ({ status: { loadBalancer: { ingress: [{ ip }] } } });
    try {
      await writeManifest(`${dir}/cluster.json`, [
        node("node", ["198.51.100.10"], ["10.244.1.0/24"]),
        // 010 read as octal would be 8: the probes to .8 below tell the two readings apart.
        service("sloppy", ["10.96.0.010"], [{ name: "http", port: 80, nodePort: 30080 }, {
          name: "dns",
          protocol: "UDP",
          port: 53,
          nodePort: 30053,
        }], {
          type: "LoadBalancer",
          externalIPs: ["203.0.113.010"],
          loadBalancerSourceRanges: [` ${ext1}/32 `, "010.244.001.000/24"],
        }, lbStatus("203.0.113.020")),
        endpointSlice("sloppy-1", "sloppy", 4, slicePorts, [web("web-1"), web("web-2")]),
        service("mixed", ["10.96.0.40"], [{ name: "http", port: 80 }], {
          externalIPs: ["10.0.0.1; flush ruleset", "203.0.113.12"],
        }),
        endpointSlice("mixed-1", "mixed", 4, slicePorts, [web("web-1")]),
        service("badrange", ["10.96.0.41"], [{ name: "http", port: 80, nodePort: 30081 }], {
          type: "LoadBalancer",
          loadBalancerSourceRanges: [`${ext1}/32`, "0.0.0.0/0 } ; flush ruleset"],
        }, lbStatus("203.0.113.30")),
        endpointSlice("badrange-1", "badrange", 4, slicePorts, [web("web-2")]),
        service("badvip", ["10.96.0.999"], [{ name: "http", port: 80 }]),
        endpointSlice("badvip-1", "badvip", 4, slicePorts, [web("web-1")]),
        service("other", ["10.96.0.50"], [{ name: "http", port: 80 }]),
        endpointSlice("other-1", "other", 4, slicePorts, [web("web-2")]),
      ]);
      proxy = ProxyProcess.start(topo.nsName("node"), [
        "--manifests",
        dir,
        ...TEST_PROXY_FLAGS,
      ]);
      await proxy.waitForSyncs(1);

      await t.step("a ClusterIP with leading zeros is served at its decimal reading", async () => {
        await reach(topo, { from: "client", to: "10.96.0.10", port: 80 }, ["web-1", "web-2"], [
          clientIp,
        ]);
        await reach(topo, { from: "client", to: "10.96.0.10", port: 53, proto: "udp" }, [
          "web-1",
          "web-2",
        ], [clientIp]);
        await silent(topo, { from: "client", to: "10.96.0.8", port: 80 });
      });

      await t.step(
        "externalIPs and LB ingress IPs with leading zeros are served, TCP and UDP",
        async () => {
          await reach(
            topo,
            { from: "ext1", to: "203.0.113.10", port: 80 },
            ["web-1", "web-2"],
            NODE_SRCS,
          );
          await reach(topo, { from: "ext1", to: "203.0.113.10", port: 53, proto: "udp" }, [
            "web-1",
            "web-2",
          ], NODE_SRCS);
          await reach(
            topo,
            { from: "ext1", to: "203.0.113.20", port: 80 },
            ["web-1", "web-2"],
            NODE_SRCS,
          );
          await silent(topo, { from: "ext1", to: "203.0.113.8", port: 80 });
          await silent(topo, { from: "ext1", to: "203.0.113.16", port: 80 });
        },
      );

      await t.step(
        "source ranges with spaces and leading zeros are applied as written",
        async () => {
          // " ext1/32 " admits ext1; "010.244.001.000/24" admits the pods of this node; ext2 is outside.
          await reach(
            topo,
            { from: "client", to: "203.0.113.20", port: 80 },
            ["web-1", "web-2"],
            NODE_SRCS,
          );
          await silent(topo, { from: "ext2", to: "203.0.113.20", port: 80 });
          await silent(topo, { from: "ext2", to: "203.0.113.20", port: 53, proto: "udp" });
          await reach(
            topo,
            { from: "ext2", to: "198.51.100.10", port: 30080 },
            ["web-1", "web-2"],
            NODE_SRCS,
          );
        },
      );

      await t.step(
        "an invalid externalIP is skipped and logged; the rest of the Service works",
        async () => {
          const logged = proxy!.lines.filter((l) =>
            l.includes("Service default/mixed") && l.includes("spec.externalIPs[0]")
          );
          assert.equal(
            logged.length,
            1,
            `want one log line naming the Service and field; log:\n${proxy!.lines.join("\n")}`,
          );
          assert.match(logged[0], /flush ruleset/, "the line shows the bad value");
          await reach(topo, { from: "client", to: "10.96.0.40", port: 80 }, ["web-1"], [clientIp]);
          await reach(topo, { from: "ext1", to: "203.0.113.12", port: 80 }, ["web-1"], NODE_SRCS);
        },
      );

      await t.step(
        "an invalid source range is skipped and logged; the valid ones still filter",
        async () => {
          assert.ok(
            proxy!.lines.some((l) =>
              l.includes("Service default/badrange") &&
              l.includes("spec.loadBalancerSourceRanges[1]")
            ),
            "log line naming Service default/badrange and spec.loadBalancerSourceRanges[1]",
          );
          await reach(topo, { from: "ext1", to: "203.0.113.30", port: 80 }, ["web-2"], NODE_SRCS);
          await silent(topo, { from: "ext2", to: "203.0.113.30", port: 80 });
        },
      );

      await t.step(
        "an invalid ClusterIP skips that Service only; other Services keep working",
        async () => {
          assert.ok(
            proxy!.lines.some((l) =>
              l.includes("Service default/badvip") && /spec\.clusterIPs?\b/.test(l)
            ),
            "log line naming Service default/badvip and its clusterIP field",
          );
          await reach(topo, { from: "client", to: "10.96.0.50", port: 80 }, ["web-2"], [clientIp]);
          const ruleset = await topo.listRuleset();
          for (const bad of ["flush", "10.96.0.999", "0.0.0.0/0"]) {
            assert.ok(!ruleset.includes(bad), `'${bad}' leaked into the ruleset`);
          }
          assert.doesNotMatch(
            ruleset,
            /\d\.0\d/,
            "an address with a leading-zero octet in the ruleset",
          );
          assert.ok(
            !proxy!.lines.some((l) => /^E/.test(l)),
            `errors in the proxy log:\n${proxy!.lines.join("\n")}`,
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
