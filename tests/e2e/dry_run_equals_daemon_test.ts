/**
 * `--dry-run` prints exactly what the daemon applies on its first full sync,
 * with CIDR `--nodeport-addresses` (which select this host's interface
 * addresses, here the node's secondary ones that the Node object does not
 * list). The daemon programs one namespace; the dry-run script, printed in
 * that same namespace, is loaded into an empty one; the two kernels' tables
 * must list the same.
 */

import { strict as assert } from "node:assert";
import { LAN_CIDRS, run, Topology } from "../support/netns/mod.ts";
import { endpointSlice, node, service, writeManifest } from "../support/cluster_objects.ts";
import { ProxyProcess, TEST_PROXY_FLAGS } from "../support/proxy_process.ts";
import { isRoot } from "../support/eventually.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

/** nft's listing with the order of set and map elements (kernel hash order) made canonical. */
function normalize(listing: string): string {
  return listing
    .replace(/counter packets \d+ bytes \d+/g, "counter")
    .replace(
      /elements = \{([^}]*)\}/g,
      (_, body: string) =>
        `elements = { ${body.split(",").map((e) => e.trim()).filter((e) => e).sort().join(", ")} }`,
    );
}

async function tables(ns: string): Promise<string> {
  const out = [];
  for (const family of ["ip", "ip6"]) {
    out.push(
      normalize(
        (await run(["ip", "netns", "exec", ns, "nft", "list", "table", family, "kube-nft-proxy"]))
          .stdout,
      ),
    );
  }
  return out.join("\n");
}

Deno.test({
  name: "--dry-run equals the daemon's first full sync, with CIDR --nodeport-addresses",
  ignore: !isRoot("dry-run e2e"),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const topo = await Topology.create({ pods: [{ name: "web-1" }, { name: "web-2" }] });
    const empty = `kpdr${crypto.randomUUID().slice(0, 6)}`;
    const dir = await Deno.makeTempDir({ prefix: "kp-dryrun-" });
    let proxy: ProxyProcess | undefined;
    try {
      await run(["ip", "netns", "add", empty]);
      await writeManifest(`${dir}/cluster.json`, [
        // The Node lists the primary addresses only; the secondary ones are on the interface.
        node("node", [topo.nodeIp(4), topo.nodeIp(6)], ["10.244.1.0/24"]),
        service("web", ["10.96.0.10", "2001:db8:96::10"], [{
          name: "http",
          port: 80,
          nodePort: 30080,
        }], { type: "NodePort" }),
        endpointSlice("web-4", "web", 4, [{ name: "http", port: 80 }], [
          { ip: topo.podIp("web-1") },
          {
            ip: topo.podIp("web-2"),
          },
        ]),
        endpointSlice("web-6", "web", 6, [{ name: "http", port: 80 }], [{
          ip: topo.podIp("web-1", 6),
        }]),
      ]);
      const flags = [
        "--manifests",
        dir,
        ...TEST_PROXY_FLAGS,
        "--service-cidrs",
        "10.96.0.0/12,2001:db8:96::/112",
        "--nodeport-addresses",
        `${LAN_CIDRS[4]},${LAN_CIDRS[6]}`,
      ];
      proxy = ProxyProcess.start(topo.nsName("node"), flags);
      await proxy.waitForSyncs(1);
      const daemon = await tables(topo.nsName("node"));
      assert.ok(
        daemon.includes(topo.nodeIp(4, "node", true)),
        "the secondary address serves NodePorts",
      );
      assert.ok(daemon.includes(topo.nodeIp(6, "node", true)));

      const dry = await run([
        "ip",
        "netns",
        "exec",
        topo.nsName("node"),
        Deno.execPath(),
        "run",
        "-A",
        `${ROOT}main.ts`,
        "--dry-run",
        ...flags,
      ]);
      await run(["ip", "netns", "exec", empty, "nft", "-f", "-"], { stdin: dry.stdout });
      assert.equal(await tables(empty), daemon);
    } finally {
      await proxy?.stop();
      await run(["ip", "netns", "del", empty], { check: false });
      await topo.destroy();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
