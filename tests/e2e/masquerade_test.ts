/**
 * Masquerading with real packets, for every local-traffic detection mode:
 * which client sources reach a ClusterIP's endpoints unchanged and which are
 * SNATed to the node, `--masquerade-all`, hairpin traffic, and a custom
 * masquerade mark bit from a `--config` file. The proxy is restarted with
 * other flags for each mode; the topology and manifest stay the same.
 */

import { strict as assert } from "node:assert";
import { podGateway, summarize, Topology } from "../support/netns/mod.ts";
import { endpointSlice, node, service, writeManifest } from "../support/cluster_objects.ts";
import { ProxyProcess } from "../support/proxy_process.ts";
import { isRoot } from "../support/eventually.ts";

const VIP = "10.96.2.1";
const HAIRPIN_VIP = "10.96.2.2";

/** "kept": the endpoint sees the client's own IP; "masq": it sees the node's cbr0 address. */
type Seen = "kept" | "masq";

/** One proxy configuration and what each client's source looks like to the endpoints. */
interface Mode {
  name: string;
  args: string[];
  /**
   * Clients: a pod on node's bridge, a pod on node with a routed veth (no bridge), a pod on
   * node2 (routed via node), an external client, the node itself.
   */
  expect: { client: Seen; routed: Seen; remote: Seen; ext1: Seen; node: Seen };
  /** Masquerade mark the ruleset must use. */
  mark?: string;
}

const MODES: Mode[] = [
  {
    name: "ClusterCIDR (default) with --cluster-cidr: pods kept, node and external masqueraded",
    args: ["--cluster-cidr", "10.244.0.0/16"],
    expect: { client: "kept", routed: "kept", remote: "kept", ext1: "masq", node: "masq" },
    mark: "0x00004000",
  },
  {
    name: "--masquerade-all: pod sources masqueraded too",
    args: ["--cluster-cidr", "10.244.0.0/16", "--masquerade-all"],
    expect: { client: "masq", routed: "masq", remote: "masq", ext1: "masq", node: "masq" },
  },
  {
    name: "no --cluster-cidr (no detection): external ClusterIP traffic not masqueraded",
    args: [],
    expect: { client: "kept", routed: "kept", remote: "kept", ext1: "kept", node: "kept" },
  },
  {
    name: "NodeCIDR: only this node's pod CIDR (from the Node object) is local",
    args: ["--detect-local-mode", "NodeCIDR"],
    expect: { client: "kept", routed: "kept", remote: "masq", ext1: "masq", node: "masq" },
  },
  {
    name: "BridgeInterface cbr0: traffic arriving from the pod bridge is local",
    args: ["--detect-local-mode", "BridgeInterface", "--pod-bridge-interface", "cbr0"],
    expect: { client: "kept", routed: "masq", remote: "masq", ext1: "masq", node: "masq" },
  },
  {
    // The harness names the node-side pod veths vp0, vp1, ... (tests/support/netns/_build.ts).
    // Only the routed pod's packets enter the node's IP layer on a vp* interface: bridged
    // pods' packets enter on cbr0 (as upstream, the mode is for routed pod interfaces).
    name: "InterfaceNamePrefix vp: traffic from the pods' host-side veths is local",
    args: ["--detect-local-mode", "InterfaceNamePrefix", "--pod-interface-name-prefix", "vp"],
    expect: { client: "masq", routed: "kept", remote: "masq", ext1: "masq", node: "masq" },
  },
  {
    // With --config the file's settings win over flags (as kube-proxy): clusterCIDR is in it.
    name: "--config nftables.masqueradeBit 5: mark 0x00000020, masquerading still works",
    args: ["--config", "CONFIG"],
    expect: { client: "kept", routed: "kept", remote: "kept", ext1: "masq", node: "masq" },
    mark: "0x00000020",
  },
];

Deno.test({
  name:
    "masquerade: detect-local modes, masquerade-all, hairpin and the mark bit with real packets",
  ignore: !isRoot("masquerade e2e"),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    const topo = await Topology.create({
      pods: [
        { name: "web-1" },
        { name: "web-2" },
        { name: "client", server: false },
        { name: "routed", server: false },
        { name: "remote", node: "node2", server: false },
      ],
      externals: ["ext1"],
      dualStack: false,
    });
    const dir = await Deno.makeTempDir({ prefix: "kp-masq-" });
    const manifests = `${dir}/manifests`;
    const config = `${dir}/config.yaml`;
    const nodeIp = topo.nodeIp(4);
    const gateway = podGateway("node", 4); // the node's address on cbr0: what masquerading shows
    const own: Record<string, string> = {
      client: topo.podIp("client"),
      routed: topo.podIp("routed"),
      remote: topo.podIp("remote"),
      ext1: topo.externalIp("ext1"),
      node: nodeIp,
    };
    let proxy: ProxyProcess | undefined;
    try {
      // "routed": its host-side veth leaves the bridge and gets a /32 route (calico-like);
      // cbr0 answers ARP for it so that bridged endpoints' replies reach the node.
      const routedIp = topo.podIp("routed");
      const routedVeth = `vp${Number(routedIp.split(".")[3]) - 10}`; // pod k: vp<k>, .(10+k)
      await topo.exec("node", ["ip", "link", "set", routedVeth, "nomaster"]);
      await topo.exec("node", ["ip", "route", "add", `${routedIp}/32`, "dev", routedVeth]);
      // Proxy ARP answers are delayed up to 0.8 s by default (neigh proxy_delay), longer than a
      // probe's deadline: answer at once.
      await topo.exec("node", [
        "sysctl",
        "-q",
        "-w",
        "net.ipv4.conf.cbr0.proxy_arp=1",
        "net.ipv4.neigh.cbr0.proxy_delay=0",
      ]);
      // node2's pods reach services through node (as a cluster's routing would).
      await topo.exec("node2", ["ip", "route", "add", "10.96.0.0/12", "via", nodeIp]);
      await Deno.mkdir(manifests);
      await Deno.writeTextFile(
        config,
        "apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\n" +
          "mode: nftables\nclusterCIDR: 10.244.0.0/16\nnftables:\n  masqueradeBit: 5\n",
      );
      const webs = ["web-1", "web-2"].map((p) => ({ ip: topo.podIp(p) }));
      await writeManifest(`${manifests}/cluster.json`, [
        node("node", [nodeIp], ["10.244.1.0/24"]),
        service("web", [VIP], [{ name: "http", port: 80 }]),
        endpointSlice("web-1", "web", 4, [{ name: "http", port: 80 }], webs),
        service("hairpin", [HAIRPIN_VIP], [{ name: "http", port: 80 }]),
        endpointSlice("hairpin-1", "hairpin", 4, [{ name: "http", port: 80 }], [webs[0]]),
      ]);

      for (const mode of MODES) {
        await t.step(mode.name, async () => {
          proxy = ProxyProcess.start(topo.nsName("node"), [
            "--manifests",
            manifests,
            "--hostname-override",
            "node",
            "--min-sync-period",
            "0",
            "--healthz-bind-address",
            "",
            "--metrics-bind-address",
            "",
            "--service-cidrs",
            "10.96.0.0/12",
            ...mode.args.map((a) => (a === "CONFIG" ? config : a)),
          ]);
          try {
            await proxy.waitForSyncs(1);
            if (mode.mark) {
              const table =
                (await topo.exec("node", ["nft", "list", "table", "ip", "kube-nft-proxy"]))
                  .stdout;
              assert.ok(table.includes(`meta mark | ${mode.mark}`), `mark ${mode.mark} used`);
              const others = [...table.matchAll(/meta mark [|&^] (0x[0-9a-f]+)/g)].map((m) => m[1]);
              assert.deepEqual([...new Set(others)], [mode.mark], "one masquerade mark only");
            }
            for (const [from, want] of Object.entries(mode.expect)) {
              const s = summarize(await topo.probe({ from, to: VIP, port: 80, count: 20 }));
              const detail = `${from}: ${
                JSON.stringify({ ok: s.ok, pods: [...s.byPod], srcs: [...s.srcs] })
              }`;
              assert.equal(s.ok, 20, detail);
              assert.deepEqual([...s.pods].sort(), ["web-1", "web-2"], detail);
              assert.deepEqual([...s.srcs], [want === "kept" ? own[from] : gateway], detail);
            }
            // Hairpin: web-1 reaches itself through the service, always masqueraded.
            const hp = summarize(
              await topo.probe({ from: "web-1", to: HAIRPIN_VIP, port: 80, count: 5 }),
            );
            assert.equal(hp.ok, 5, JSON.stringify(hp));
            assert.deepEqual([...hp.pods], ["web-1"]);
            assert.deepEqual([...hp.srcs], [gateway], "hairpin masqueraded");
          } finally {
            const status = await proxy.stop();
            assert.equal(status.code, 0);
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
