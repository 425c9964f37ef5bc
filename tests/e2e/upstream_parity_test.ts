/**
 * Behaviours where the proxy used to differ from upstream kube-proxy, each
 * checked with real packets or HTTP:
 * - with both traffic policies Local, pods and the node short-circuit to every
 *   endpoint of a NodePort/LB (upstream's `UsesClusterEndpoints`);
 * - loadBalancerSourceRanges count per family: an IPv4 LB whose ranges are all
 *   IPv6 has no IPv4 firewall;
 * - the conntrack mark of service connections is left as others set it;
 * - endpoint details: an unset `serving` reads as true, a headless-labelled
 *   Service is not programmed, a duplicate address across slices keeps the
 *   copy that is not terminating;
 * - NodePort addresses: CIDRs never select loopback, the Node's ExternalIPs
 *   are not NodePort addresses unless a CIDR selects them, and this host's
 *   interface addresses are read again at a full sync;
 * - metrics: `kubernetes_build_info`, the conntrack reconciler histogram and
 *   per-family series.
 */

import { strict as assert } from "node:assert";
import { summarize, Topology } from "../support/netns/mod.ts";
import {
  type EndpointArg,
  endpointSlice,
  node,
  type PortArg,
  service,
  writeManifest,
} from "../support/cluster_objects.ts";
import { ProxyProcess, TEST_PROXY_FLAGS } from "../support/proxy_process.ts";
import { eventually, isRoot } from "../support/eventually.ts";
import type { KubeObject, Node, Service } from "../../src/model/kube_types.ts";

const BOTH_VIP = "10.96.5.1";
const BOTH_LB = "203.0.113.51";
const BOTH_NP = 30501;
const V6RANGES_VIP = "10.96.5.2";
const V6RANGES_LB = "203.0.113.52";
const MARK_VIP = "10.96.5.3";
const DETAIL_VIP = "10.96.5.4";
const HEADLESS_VIP = "10.96.5.5";
const DUP_VIP = "10.96.5.6";
const NP_VIP = "10.96.5.7";
const NP = 30507;
const EXTRA_NODE_IP = "198.51.100.77";

Deno.test({
  name:
    "upstream parity: short-circuit, per-family ranges, ct mark, endpoint details, NodePort addresses, metrics",
  ignore: !isRoot("upstream parity e2e"),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    const topo = await Topology.create({
      pods: [
        { name: "web-1" },
        { name: "web-2" },
        { name: "client", server: false },
        { name: "remote-1", node: "node2" },
        { name: "remote-2", node: "node2" },
      ],
      externals: ["ext1"],
      dualStack: false,
    });
    await topo.exec("node", ["sysctl", "-q", "-w", "net.ipv4.icmp_ratelimit=0"]);
    const dir = await Deno.makeTempDir({ prefix: "kp-parity-" });
    const file = `${dir}/cluster.json`;
    const nodeIp = topo.nodeIp(4);
    const secondIp = topo.nodeIp(4, "node", true);
    const ext = topo.externalIp("ext1");
    const http: PortArg[] = [{ name: "http", port: 80 }];
    const ep = (pod: string, extra: Partial<EndpointArg> = {}): EndpointArg => ({
      ip: topo.podIp(pod),
      node: topo.podNode(pod),
      ...extra,
    });
    const slice = (svc: string, eps: EndpointArg[], name = `${svc}-1`) =>
      endpointSlice(name, svc, 4, [{ name: "http", port: 80 }], eps);
    // The Node lists its second lan address as an ExternalIP, as NAT-ed clouds report them.
    const nodeObject = (): KubeObject => {
      const n = node("node", [nodeIp], ["10.244.1.0/24"]) as Node;
      n.status!.addresses!.push({ type: "ExternalIP", address: secondIp });
      return n;
    };
    const objs = new Map<string, KubeObject[]>();
    let proxy: ProxyProcess | undefined;
    const apply = () => proxy!.applyAndSync(file, [nodeObject(), ...[...objs.values()].flat()]);
    const probe = async (from: string, to: string, port: number, count: number) =>
      summarize(await topo.probe({ from, to, port, count, timeoutMs: 600 }));
    const start = async (extra: string[]) => {
      await proxy?.stop();
      proxy = ProxyProcess.start(topo.nsName("node"), [
        ...["--manifests", dir],
        ...TEST_PROXY_FLAGS,
        ...extra,
      ]);
      await proxy.waitForSyncs(1);
    };
    try {
      await writeManifest(file, [nodeObject()]);
      await start(["--metrics-bind-address", "127.0.0.1:10249"]);

      await t.step(
        "both policies Local: pods and the node still short-circuit to every endpoint",
        async () => {
          const lb = (eps: EndpointArg[]) =>
            objs.set("both", [
              service("both", [BOTH_VIP], [{ name: "http", port: 80, nodePort: BOTH_NP }], {
                type: "LoadBalancer",
                externalTrafficPolicy: "Local",
                internalTrafficPolicy: "Local",
              }, { status: { loadBalancer: { ingress: [{ ip: BOTH_LB }] } } }),
              slice("both", eps),
            ]);
          lb([ep("remote-1"), ep("remote-2")]);
          await apply();
          const remote = ["remote-1", "remote-2"];
          for (
            const [from, to, port] of [
              ["client", BOTH_LB, 80],
              ["client", nodeIp, BOTH_NP],
              ["node", BOTH_LB, 80],
              ["node", nodeIp, BOTH_NP],
            ] as const
          ) {
            const s = await probe(from, to, port, 20);
            assert.equal(s.ok, 20, `${from} -> ${to}:${port}: ${JSON.stringify(s)}`);
            assert.deepEqual([...s.pods].sort(), remote, `${from} -> ${to}:${port}`);
          }
          // External clients still see Local: no local endpoint, dropped.
          assert.equal((await probe("ext1", BOTH_LB, 80, 2)).timeout, 2);
          lb([ep("web-1"), ep("remote-1")]);
          await apply();
          // With a local endpoint, the node's connections still go cluster-wide.
          const s = await probe("node", BOTH_LB, 80, 40);
          assert.equal(s.ok, 40);
          assert.deepEqual([...s.pods].sort(), ["remote-1", "web-1"]);
          // ... and are masqueraded: to reach the pod bridge the kernel picks the bridge's address;
          // unmasqueraded, the pod would see the node's lan address it was sent from.
          lb([ep("web-1")]);
          await apply();
          const local = await probe("node", BOTH_LB, 80, 5);
          assert.equal(local.ok, 5);
          assert.ok(!local.srcs.has(nodeIp), `masqueraded: ${[...local.srcs]}`);
          objs.delete("both");
        },
      );

      await t.step(
        "an IPv4 load balancer whose source ranges are all IPv6 admits IPv4 clients",
        async () => {
          objs.set("v6ranges", [
            service("v6ranges", [V6RANGES_VIP], http, {
              type: "LoadBalancer",
              loadBalancerSourceRanges: ["2001:db8:ffff::/48"],
            }, { status: { loadBalancer: { ingress: [{ ip: V6RANGES_LB }] } } }),
            slice("v6ranges", [ep("web-1")]),
          ]);
          await apply();
          const s = await probe("ext1", V6RANGES_LB, 80, 5);
          assert.equal(s.ok, 5, `no IPv4 firewall without an IPv4 range: ${JSON.stringify(s)}`);
          objs.delete("v6ranges");
        },
      );

      await t.step("the conntrack mark another program sets stays as it set it", async () => {
        // A CNI-like table marks new connections (after conntrack, before DNAT); the proxy must
        // leave the mark alone.
        await topo.exec("node", [
          "nft",
          "-f",
          "-",
        ], {
          stdin: `table ip cni {
  chain pre {
    type filter hook prerouting priority -150; policy accept;
    ct state new ct mark set 0x00c0ffee
  }
}
`,
        });
        try {
          objs.set("mark", [service("mark", [MARK_VIP], http), slice("mark", [ep("web-1")])]);
          await apply();
          const s = await probe("client", MARK_VIP, 80, 3);
          assert.equal(s.ok, 3);
          const ct = await topo.exec("node", ["conntrack", "-L", "-p", "tcp", "-d", MARK_VIP]);
          const lines = ct.stdout.split("\n").filter((l) => l.includes(MARK_VIP));
          assert.ok(lines.length > 0, `conntrack entries to the ClusterIP: ${ct.stdout}`);
          for (const l of lines) {
            assert.match(l, new RegExp(`mark=${0xc0ffee}\\b`), `mark kept: ${l}`);
          }
        } finally {
          await topo.exec("node", ["nft", "delete", "table", "ip", "cni"]);
          objs.delete("mark");
        }
      });

      await t.step(
        "endpoint details: unset serving, headless label, duplicate addresses",
        async () => {
          // web-1: terminating with `serving` unset (reads true): the fallback uses it.
          const details = slice("details", [{ ...ep("web-1"), ready: false, terminating: true }]);
          (details.endpoints![0].conditions as Record<string, unknown>).serving = undefined;
          objs.set("details", [service("details", [DETAIL_VIP], http), details]);
          // A Service labelled headless is not programmed, even with a ClusterIP.
          const headless = service("headless", [HEADLESS_VIP], http) as Service;
          headless.metadata!.labels = { "service.kubernetes.io/headless": "" };
          objs.set("headless", [headless, slice("headless", [ep("web-1")])]);
          // web-2 listed twice: terminating (not serving) in one slice, ready in the other.
          objs.set("dup", [
            service("dup", [DUP_VIP], http),
            slice(
              "dup",
              [ep("web-2", { ready: false, serving: false, terminating: true })],
              "dup-a",
            ),
            slice("dup", [ep("web-2")], "dup-b"),
          ]);
          await apply();
          const d = await probe("client", DETAIL_VIP, 80, 5);
          assert.deepEqual([...d.pods], ["web-1"], `serving unset = true: ${JSON.stringify(d)}`);
          const h = await probe("client", HEADLESS_VIP, 80, 2);
          assert.equal(
            h.ok,
            0,
            `the headless-labelled Service is not programmed: ${JSON.stringify(h)}`,
          );
          const dup = await probe("client", DUP_VIP, 80, 5);
          assert.deepEqual([...dup.pods], ["web-2"], `the ready copy wins: ${JSON.stringify(dup)}`);
          for (const k of ["details", "headless", "dup"]) objs.delete(k);
        },
      );

      const np = () =>
        objs.set("np", [
          service("np", [NP_VIP], [{ name: "http", port: 80, nodePort: NP }], { type: "NodePort" }),
          slice("np", [ep("web-1")]),
        ]);

      await t.step(
        "NodePorts: on the primary IP, not on the Node's ExternalIP, never on loopback",
        async () => {
          np();
          await apply();
          assert.equal((await probe("ext1", nodeIp, NP, 3)).ok, 3, "primary IP serves");
          assert.equal(
            (await probe("ext1", secondIp, NP, 2)).ok,
            0,
            "the Node's ExternalIP is not a NodePort address",
          );
          // CIDRs covering loopback and the lan: the lan addresses serve, loopback never.
          await start(["--nodeport-addresses", "127.0.0.0/8,198.51.100.0/24"]);
          assert.equal((await probe("ext1", secondIp, NP, 3)).ok, 3, "a CIDR selects it");
          assert.equal((await probe("node", "127.0.0.1", NP, 2)).ok, 0, "never on loopback");
        },
      );

      await t.step(
        "NodePorts: an interface address added later serves after a full sync",
        async () => {
          await start([
            "--nodeport-addresses",
            "198.51.100.0/24",
            "--full-sync-period",
            "2s",
            "--sync-period",
            "1s",
          ]);
          assert.equal((await probe("ext1", EXTRA_NODE_IP, NP, 1)).ok, 0, "not there yet");
          await topo.exec("node", ["ip", "addr", "add", `${EXTRA_NODE_IP}/24`, "dev", "eth0"]);
          try {
            await eventually(async () => {
              const s = await probe("ext1", EXTRA_NODE_IP, NP, 1);
              assert.equal(s.ok, 1, `the new address serves the NodePort: ${JSON.stringify(s)}`);
            }, 10_000);
          } finally {
            await topo.exec("node", ["ip", "addr", "del", `${EXTRA_NODE_IP}/24`, "dev", "eth0"]);
          }
          objs.delete("np");
        },
      );

      await t.step("metrics: build info, the conntrack reconciler, per-family series", async () => {
        await start(["--metrics-bind-address", "127.0.0.1:10249"]);
        // A UDP Service makes the reconciler run.
        objs.set("dns", [
          service("dns", ["10.96.5.8"], [{ name: "dns", port: 53, protocol: "UDP" }]),
          endpointSlice("dns-1", "dns", 4, [{ name: "dns", port: 53, protocol: "UDP" }], [
            ep("web-1"),
          ]),
        ]);
        await apply();
        const body = await eventually(async () => {
          const out = await topo.exec("node", [
            "python3",
            "-c",
            "import urllib.request,sys;print(urllib.request.urlopen(sys.argv[1]).read().decode())",
            "http://127.0.0.1:10249/metrics",
          ]);
          assert.match(
            out.stdout,
            /kubeproxy_conntrack_reconciler_sync_duration_seconds_count\{ip_family="IPv4"\} [1-9]/,
          );
          return out.stdout;
        }, 10_000);
        assert.match(body, /^kubernetes_build_info\{.*git_version="[^"]+".*\} 1$/m);
        // A value that differs per family is not copied to the other one.
        const noLocal = body.split("\n").filter((l) =>
          l.startsWith("kubeproxy_sync_proxy_rules_no_local_endpoints_total{")
        );
        assert.equal(noLocal.length, 4, noLocal.join("\n"));
        assert.ok(noLocal.some((l) => l.includes('ip_family="IPv6"')));
        objs.delete("dns");
      });
      void ext;
    } finally {
      await proxy?.stop();
      await topo.destroy();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
