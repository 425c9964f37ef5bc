/**
 * Stale UDP conntrack entries, with real datagrams: a UDP client that keeps
 * one source port talks to a ClusterIP; its endpoint dies and is replaced in
 * the EndpointSlice. The proxy must delete the conntrack entry that pins the
 * client to the dead endpoint. The control run with `--conntrack-cleanup=false`
 * shows the client staying pinned, so the test can fail.
 */

import { strict as assert } from "node:assert";
import { type ProbeResult, summarize, Topology } from "../support/netns/mod.ts";
import { endpointSlice, node, service, writeManifest } from "../support/cluster_objects.ts";
import { ProxyProcess, TEST_PROXY_FLAGS } from "../support/proxy_process.ts";
import { isRoot } from "../support/eventually.ts";
import type { KubeObject } from "../../src/model/kube_types.ts";

const VIP = "10.96.4.1";

Deno.test({
  name: "conntrack: a same-port UDP client moves off a removed endpoint; pinned without cleanup",
  ignore: !isRoot("conntrack UDP e2e"),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    const topo = await Topology.create({
      pods: [
        { name: "old-1" },
        { name: "new-1" },
        { name: "old-2" },
        { name: "new-2" },
        { name: "client", server: false },
      ],
      dualStack: false,
    });
    const dir = await Deno.makeTempDir({ prefix: "kp-ct-" });
    const file = `${dir}/cluster.json`;
    const objects = (pod: string): KubeObject[] => [
      node("node", [topo.nodeIp(4)], ["10.244.1.0/24"]),
      service("dns", [VIP], [{ name: "dns", protocol: "UDP", port: 53 }]),
      endpointSlice("dns-1", "dns", 4, [{ name: "dns", protocol: "UDP", port: 53 }], [{
        ip: topo.podIp(pod),
      }]),
    ];
    let proxy: ProxyProcess | undefined;

    /**
     * Starts the proxy with `extraArgs`, pins a one-port UDP client to `oldPod`, kills
     * `oldPod` and replaces it with `newPod` in the slice; returns what the client then got
     * during `windowMs`, plus the conntrack entries of the VIP at the end.
     */
    const scenario = async (oldPod: string, newPod: string, extraArgs: string[]) => {
      await writeManifest(file, objects(oldPod));
      proxy = ProxyProcess.start(topo.nsName("node"), [
        "--manifests",
        dir,
        ...TEST_PROXY_FLAGS,
        ...extraArgs,
      ]);
      try {
        await proxy.waitForSyncs(1);
        const session = await topo.startSession({
          from: "client",
          to: VIP,
          port: 53,
          proto: "udp",
          timeoutMs: 500,
        });
        try {
          const before: ProbeResult[] = [];
          for (let i = 0; i < 3; i++) before.push(await session.send());
          const s = summarize(before);
          assert.equal(s.ok, 3, `pinned to ${oldPod} first: ${JSON.stringify(before)}`);
          assert.deepEqual([...s.pods], [oldPod]);
          const sport = before[0].kind === "ok" ? before[0].sport : null;

          await topo.removePod(oldPod); // the endpoint dies...
          await proxy.applyAndSync(file, objects(newPod)); // ...and is replaced
          const after: { at: number; r: ProbeResult }[] = [];
          const t0 = Date.now();
          while (Date.now() - t0 < 5000) {
            after.push({ at: Date.now() - t0, r: await session.send() });
          }
          for (const { r } of after) {
            if (r.kind === "ok" || r.kind === "timeout") {
              assert.equal(r.sport, sport, "one source port");
            }
          }
          const ct = await topo.exec("node", ["conntrack", "-L", "-p", "udp", "--orig-dst", VIP], {
            check: false,
          });
          return { after, conntrack: ct.stdout };
        } finally {
          await session.close();
        }
      } finally {
        await proxy.stop();
      }
    };

    try {
      await t.step(
        "with conntrack cleanup: the next datagrams reach the new endpoint",
        async () => {
          const { after } = await scenario("old-1", "new-1", []);
          const firstOk = after.findIndex(({ r }) => r.kind === "ok");
          assert.ok(firstOk >= 0, `never reached new-1: ${JSON.stringify(after)}`);
          assert.ok(after[firstOk].at < 3000, `reached new-1 only after ${after[firstOk].at} ms`);
          const rest = summarize(after.slice(firstOk).map(({ r }) => r));
          assert.deepEqual([...rest.pods], ["new-1"], JSON.stringify(after));
          assert.equal(
            rest.ok,
            after.length - firstOk,
            `all answered from then on: ${JSON.stringify(after)}`,
          );
        },
      );

      await t.step(
        "control, --conntrack-cleanup=false: the client stays pinned to the dead endpoint",
        async () => {
          const deadIp = topo.podIp("old-2");
          const { after, conntrack } = await scenario("old-2", "new-2", [
            "--conntrack-cleanup=false",
          ]);
          const s = summarize(after.map(({ r }) => r));
          assert.equal(s.ok, 0, `no answer for 5 s: ${JSON.stringify(after)}`);
          assert.ok(after.length >= 4, `kept trying: ${after.length} attempts`);
          assert.match(conntrack, new RegExp(`src=${deadIp.replaceAll(".", "\\.")} `), conntrack);
          // The rules did move on: a client on a fresh source port reaches new-2.
          const fresh = summarize(
            await topo.probe({ from: "client", to: VIP, port: 53, proto: "udp", count: 3 }),
          );
          assert.deepEqual([...fresh.pods], ["new-2"], JSON.stringify(fresh));
          assert.equal(fresh.ok, 3);
        },
      );
    } finally {
      await proxy?.stop();
      await topo.destroy();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
