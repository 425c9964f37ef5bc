/**
 * The daemon started with kubeadm's `KubeProxyConfiguration` (the kube-proxy
 * ConfigMap's config.conf, with its zero, empty and null values) and the
 * DaemonSet's `--hostname-override`: upstream's defaults apply (healthz on
 * 0.0.0.0:10256, metrics on 127.0.0.1:10249, conntrack timeouts), packets
 * flow; the same file in iptables mode maps iptables.* onto nftables.
 */

import { strict as assert } from "node:assert";
import { summarize, Topology } from "../support/netns/mod.ts";
import { endpointSlice, node, service, writeManifest } from "../support/cluster_objects.ts";
import { ProxyProcess } from "../support/proxy_process.ts";
import { eventually, isRoot } from "../support/eventually.ts";
import { kubeadmConfigConf } from "../support/config_files.ts";
import { httpGetIn } from "../support/http_in_netns.ts";

const VIP = "10.96.0.10";
const NF = "/proc/sys/net/netfilter";

async function sysctlIn(topo: Topology, name: string): Promise<string> {
  return (await topo.exec("node", ["cat", `${NF}/${name}`])).stdout.trim();
}

Deno.test({
  name:
    "kubeadm config: the kube-proxy ConfigMap's config.conf starts the daemon with upstream's defaults",
  ignore: !isRoot("kubeadm config e2e"),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    const topo = await Topology.create({
      pods: [{ name: "web-1" }, { name: "web-2" }, { name: "client", server: false }],
      dualStack: false,
    });
    const dir = await Deno.makeTempDir({ prefix: "kp-kubeadm-" });
    const rootEstablished = await Deno.readTextFile(`${NF}/nf_conntrack_tcp_timeout_established`);
    let proxy: ProxyProcess | undefined;
    const start = (config: string) =>
      ProxyProcess.start(topo.nsName("node"), [
        "--config",
        config,
        // As kubeadm's DaemonSet passes it: honoured with --config.
        "--hostname-override",
        "node",
        "--manifests",
        `${dir}/manifests`,
        "--service-cidrs",
        "10.96.0.0/12",
      ]);
    try {
      await Deno.mkdir(`${dir}/manifests`);
      await writeManifest(`${dir}/manifests/cluster.json`, [
        node("node", [topo.nodeIp(4)], ["10.244.1.0/24"]),
        service("web", [VIP], [{ name: "http", port: 80 }]),
        endpointSlice("web-1", "web", 4, [{ name: "http", port: 80 }], [
          { ip: topo.podIp("web-1") },
          { ip: topo.podIp("web-2") },
        ]),
      ]);
      const conf = kubeadmConfigConf();
      assert.match(conf, /syncPeriod: 0s/);
      assert.match(conf, /healthzBindAddress: ""/);
      assert.match(conf, /maxPerCore: null/);
      await Deno.writeTextFile(`${dir}/config.conf`, conf);

      await t.step("packets, /healthz on 0.0.0.0:10256, /metrics on 127.0.0.1:10249", async () => {
        proxy = start(`${dir}/config.conf`);
        await proxy.waitForSyncs(1);
        const s = summarize(await topo.probe({ from: "client", to: VIP, port: 80, count: 20 }));
        assert.equal(s.ok, 20);
        assert.deepEqual([...s.pods].sort(), ["web-1", "web-2"]);

        const ns = topo.nsName("node");
        for (const host of ["127.0.0.1", topo.nodeIp(4)]) {
          const h = await eventually(async () => {
            const a = await httpGetIn(ns, `http://${host}:10256/healthz`);
            assert.equal(a.status, 200, JSON.stringify(a));
            return a;
          });
          assert.ok(JSON.parse(h.body).lastUpdated, h.body);
        }
        const m = await httpGetIn(ns, "http://127.0.0.1:10249/metrics");
        assert.equal(m.status, 200);
        assert.match(
          m.body,
          /^kubeproxy_sync_proxy_rules_duration_seconds_count(\{[^}]*\})? [1-9]/m,
        );
        const outside = await httpGetIn(ns, `http://${topo.nodeIp(4)}:10249/metrics`);
        assert.equal(outside.status, 0, "metrics listen on 127.0.0.1 only");
        const log = proxy.lines.join("\n");
        assert.match(log, /Serving health checks address=0\.0\.0\.0:10256/);
        assert.match(log, /Serving metrics address=127\.0\.0\.1:10249/);
        // The one warning: nf_conntrack_max may only be set in the initial network namespace.
        const warnings = proxy.lines.filter((l) => /^[WE]/.test(l));
        assert.deepEqual(
          warnings.filter((l) => !l.includes("parameter=net/netfilter/nf_conntrack_max")),
          [],
          "no warning or error for kubeadm's file",
        );
      });

      await t.step(
        "conntrack: upstream's default timeouts set in the namespace, nf_conntrack_max left (read-only)",
        async () => {
          assert.equal(await sysctlIn(topo, "nf_conntrack_tcp_timeout_established"), "86400");
          assert.equal(await sysctlIn(topo, "nf_conntrack_tcp_timeout_close_wait"), "3600");
          assert.equal(
            await Deno.readTextFile(`${NF}/nf_conntrack_tcp_timeout_established`),
            rootEstablished,
            "the root namespace's value is untouched",
          );
          assert.match(
            proxy!.lines.join("\n"),
            /Cannot set sysctl, it is read-only here; leaving it parameter=net\/netfilter\/nf_conntrack_max/,
          );
          assert.equal((await proxy!.stop()).code, 0);
          proxy = undefined;
        },
      );

      await t.step(
        "mode iptables: iptables.masqueradeBit applies to the nftables rules, with a warning",
        async () => {
          const ipt = conf.replace('mode: ""', "mode: iptables").replace(
            /iptables:\n(\s+)localhostNodePorts: null\n(\s+)masqueradeAll: false\n(\s+)masqueradeBit: null/,
            "iptables:\n$1localhostNodePorts: null\n$2masqueradeAll: false\n$3masqueradeBit: 5",
          );
          assert.match(ipt, /masqueradeBit: 5/);
          await Deno.writeTextFile(`${dir}/iptables.conf`, ipt);
          proxy = start(`${dir}/iptables.conf`);
          await proxy.waitForSyncs(1);
          const table = (await topo.exec("node", ["nft", "list", "table", "ip", "kube-nft-proxy"]))
            .stdout;
          assert.ok(table.includes("meta mark | 0x00000020"), "mark bit 5");
          assert.match(
            proxy.lines.join("\n"),
            /mode "iptables" is not implemented: only nftables is; using nftables with the iptables\.\* settings/,
          );
          const s = summarize(await topo.probe({ from: "client", to: VIP, port: 80, count: 10 }));
          assert.equal(s.ok, 10);
          assert.equal((await proxy.stop()).code, 0);
          proxy = undefined;
        },
      );
    } finally {
      await proxy?.stop();
      await topo.destroy();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
