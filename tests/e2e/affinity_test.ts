/**
 * sessionAffinity ClientIP over time, with real packets: a client keeps its
 * endpoint while the Service scales up past a power of two and down, across
 * a full resync and across a restart of the proxy (which rewrites its tables
 * in place instead of replacing them); and the affinity state of one Service
 * is bounded per endpoint (`--affinity-max-clients`), so that a flood of
 * clients against one Service cannot break another's affinity.
 */

import { strict as assert } from "node:assert";
import { type ProbeSummary, summarize, Topology } from "../support/netns/mod.ts";
import { endpointSlice, node, service, writeManifest } from "../support/cluster_objects.ts";
import { ProxyProcess, TEST_PROXY_FLAGS } from "../support/proxy_process.ts";
import { isRoot } from "../support/eventually.ts";
import type { KubeObject } from "../../src/model/kube_types.ts";

const VIP = "10.96.3.1";
const OTHER_VIP = "10.96.3.2";
const CLIENT_IPS = Array.from({ length: 8 }, (_, i) => `10.244.1.${200 + i}`);
const PODS = ["web-1", "web-2", "web-3", "web-4", "web-5", "web-6"];

Deno.test({
  name: "affinity: clients keep their endpoint across scaling, a full resync and a restart",
  ignore: !isRoot("affinity e2e"),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    const topo = await Topology.create({
      pods: [...PODS.map((name) => ({ name })), { name: "client", server: false }],
      dualStack: false,
    });
    const dir = await Deno.makeTempDir({ prefix: "kp-aff-" });
    const file = `${dir}/cluster.json`;
    const nodeIp = topo.nodeIp(4);
    let proxy: ProxyProcess | undefined;
    const objects = (svcs: [string, string, string[]][]): KubeObject[] => [
      node("node", [nodeIp], ["10.244.1.0/24"]),
      ...svcs.flatMap(([name, vip, pods]) => [
        service(name, [vip], [{ name: "http", port: 80 }], { sessionAffinity: "ClientIP" }),
        endpointSlice(
          `${name}-1`,
          name,
          4,
          [{ name: "http", port: 80 }],
          pods.map((p) => ({ ip: topo.podIp(p), node: "node" })),
        ),
      ]),
    ];
    const start = (extra: string[] = []) =>
      ProxyProcess.start(topo.nsName("node"), [
        ...["--manifests", dir],
        ...TEST_PROXY_FLAGS,
        ...extra,
      ]);
    // The endpoint each client IP reaches with `n` connections, asserting it is one endpoint.
    const pins = async (vip: string, n = 4): Promise<Map<string, string>> => {
      const out = new Map<string, string>();
      const all = await Promise.all(
        CLIENT_IPS.map(async (srcIp) =>
          [
            srcIp,
            summarize(await topo.probe({ from: "client", to: vip, port: 80, count: n, srcIp })),
          ] as [
            string,
            ProbeSummary,
          ]
        ),
      );
      for (const [ip, s] of all) {
        assert.equal(s.ok, n, `${ip}: every connection answered: ${JSON.stringify(s)}`);
        assert.equal(s.pods.size, 1, `${ip} stuck to one endpoint: ${[...s.pods]}`);
        out.set(ip, [...s.pods][0]);
      }
      return out;
    };
    const kept = (before: Map<string, string>, after: Map<string, string>, live: string[]) => {
      for (const [ip, pod] of before) {
        if (live.includes(pod)) assert.equal(after.get(ip), pod, `${ip} kept ${pod}`);
      }
    };

    try {
      for (const ip of CLIENT_IPS) {
        await topo.exec("client", ["ip", "addr", "add", `${ip}/24`, "dev", "eth0"]);
      }
      await writeManifest(file, objects([["web", VIP, PODS.slice(0, 4)]]));
      proxy = start(["--full-sync-period", "3s", "--sync-period", "1s"]);
      await proxy.waitForSyncs(1);
      const first = await pins(VIP);
      assert.ok(new Set(first.values()).size > 1, `8 clients all on one endpoint: ${[...first]}`);

      await t.step("scaling 4 -> 5 -> 6 (past a power of two) keeps every client", async () => {
        await proxy!.applyAndSync(file, objects([["web", VIP, PODS.slice(0, 5)]]));
        kept(first, await pins(VIP), PODS);
        await proxy!.applyAndSync(file, objects([["web", VIP, PODS]]));
        kept(first, await pins(VIP), PODS);
      });

      await t.step("scaling down keeps the clients whose endpoint stays", async () => {
        const victim = first.values().next().value!;
        const live = PODS.filter((p) => p !== victim);
        await proxy!.applyAndSync(file, objects([["web", VIP, live]]));
        const after = await pins(VIP);
        kept(first, after, live);
        for (const pod of after.values()) {
          assert.notEqual(pod, victim, "no client on the removed pod");
        }
      });

      await t.step("a periodic full resync keeps every client", async () => {
        const before = await pins(VIP);
        await proxy!.waitForLine(/Synced nftables rules kind=full/, 10_000);
        kept(before, await pins(VIP), PODS);
      });

      await t.step("a restart of the proxy keeps every client", async () => {
        const before = await pins(VIP);
        await proxy!.stop();
        proxy = start();
        await proxy.waitForSyncs(1);
        kept(before, await pins(VIP), PODS);
      });

      await t.step(
        "--affinity-max-clients bounds one Service's clients; another keeps its affinity",
        async () => {
          await proxy!.stop();
          // One remembered client per endpoint of each Service.
          await writeManifest(
            file,
            objects([["web", VIP, ["web-1"]], ["other", OTHER_VIP, ["web-2", "web-3", "web-4"]]]),
          );
          await topo.exec("node", ["nft", "delete", "table", "ip", "kube-nft-proxy"]);
          proxy = start(["--affinity-max-clients", "1"]);
          await proxy.waitForSyncs(1);
          // Flood "web" from every client IP: its one endpoint's set is full after the first.
          for (const srcIp of CLIENT_IPS) {
            await topo.probe({ from: "client", to: VIP, port: 80, count: 1, srcIp });
          }
          const set = await topo.exec("node", [
            "nft",
            "list",
            "ruleset",
          ]);
          const webSets = set.stdout.split("\n").filter((l) => /set aff-default\/web\//.test(l));
          assert.ok(webSets.length >= 1, "the web endpoint has its affinity set");
          assert.match(set.stdout, /size 1\b/, "the per-endpoint sets are bounded");
          // The other Service's affinity still works for a client.
          const s = summarize(
            await topo.probe({ from: "client", to: OTHER_VIP, port: 80, count: 10 }),
          );
          assert.equal(s.ok, 10, JSON.stringify(s));
          assert.equal(
            s.pods.size,
            1,
            `other Service: one endpoint for one client: ${[...s.pods]}`,
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
