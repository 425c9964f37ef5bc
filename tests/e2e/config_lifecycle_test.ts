/**
 * The daemon's configuration lifecycle, each in an empty network namespace:
 * a change of the `--config` file (a ConfigMap volume: kubelet swaps
 * `..data`) ends the proxy with exit 1 so that its supervisor restarts it,
 * and a change to an invalid file with exit 2 and the error; a healthz
 * address that cannot be bound is retried (or fatal with
 * `--bind-address-hard-fail`); `--init-only` sets the conntrack sysctls of
 * its namespace and exits.
 */

import { strict as assert } from "node:assert";
import { inNamespace, run } from "../support/netns/mod.ts";
import { node, service, writeManifest } from "../support/cluster_objects.ts";
import { ProxyProcess } from "../support/proxy_process.ts";
import { eventually, isRoot } from "../support/eventually.ts";
import { httpGetIn } from "../support/http_in_netns.ts";

const NF = "/proc/sys/net/netfilter";
const HEAD = "apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\n";
const CONFIG = HEAD + `mode: nftables
clusterCIDR: 10.244.0.0/16
healthzBindAddress: 127.0.0.1:0
metricsBindAddress: 127.0.0.1:0
nftables:
  minSyncPeriod: 1ms
`;

/** An empty network namespace with loopback up, and a temp directory; removed by `close()`. */
async function sandbox() {
  const ns = `kpcfg${crypto.randomUUID().slice(0, 6)}`;
  await run(["ip", "netns", "add", ns]);
  await run(["ip", "-n", ns, "link", "set", "lo", "up"]);
  const dir = await Deno.makeTempDir({ prefix: "kp-cfglife-" });
  await writeManifest(`${dir}/cluster.json`, [
    node("node", ["192.0.2.10"], ["10.244.1.0/24"]),
    service("web", ["10.96.0.10"], [{ name: "http", port: 80 }]),
  ]);
  const procs: ProxyProcess[] = [];
  return {
    ns,
    dir,
    start(args: string[]) {
      const p = ProxyProcess.start(ns, [
        "--hostname-override",
        "node",
        "--manifests",
        `${dir}/cluster.json`,
        ...args,
      ]);
      procs.push(p);
      return p;
    },
    async close() {
      for (const p of procs) await p.stop();
      await run(["ip", "netns", "del", ns], { check: false });
      await Deno.remove(dir, { recursive: true });
    },
  };
}

/** A ConfigMap volume as kubelet lays it out; `swap` replaces the content atomically. */
async function configMapVolume(root: string, text: string) {
  await Deno.mkdir(root);
  let n = 0;
  const swap = async (t: string) => {
    const ts = `..2025_06_02_09_14_${String(n++).padStart(2, "0")}.000000000`;
    await Deno.mkdir(`${root}/${ts}`);
    await Deno.writeTextFile(`${root}/${ts}/config.conf`, t);
    await Deno.symlink(ts, `${root}/..data_tmp`);
    await Deno.rename(`${root}/..data_tmp`, `${root}/..data`);
  };
  await swap(text);
  await Deno.symlink("..data/config.conf", `${root}/config.conf`);
  return { file: `${root}/config.conf`, swap };
}

async function exitedWithin(p: ProxyProcess, ms: number): Promise<Deno.CommandStatus | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), ms)));
  const s = await Promise.race([p.exited(), timeout]);
  clearTimeout(timer);
  return s;
}

Deno.test({
  name:
    "config lifecycle: a changed --config file ends the proxy (1, or 2 when invalid); rules stay",
  ignore: !isRoot("config lifecycle e2e"),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const box = await sandbox();
    try {
      const vol = await configMapVolume(`${box.dir}/kube-proxy`, CONFIG);
      const p = box.start(["--config", vol.file]);
      await p.waitForSyncs(1);
      await vol.swap(CONFIG); // same content: nothing happens
      assert.equal(await exitedWithin(p, 1500), undefined, p.lines.join("\n"));

      await vol.swap(CONFIG.replace("10.244.0.0/16", "10.245.0.0/16"));
      const s = await exitedWithin(p, 5000);
      assert.equal(s?.code, 1, p.lines.join("\n"));
      assert.match(
        p.lines.join("\n"),
        /The configuration file changed; exiting so that the proxy restarts with it file=.*config\.conf/,
      );
      const rules = await run(
        inNamespace(box.ns, ["nft", "list", "table", "ip", "kube-nft-proxy"]),
      );
      assert.match(rules.stdout, /10\.96\.0\.10/, "the rules stay in place");

      // The supervisor restarts it with the new file; then the file turns invalid.
      const q = box.start(["--config", vol.file]);
      await q.waitForSyncs(1);
      await vol.swap(CONFIG.replace("10.244.0.0/16", "10.244.0.0/33"));
      const t = await exitedWithin(q, 5000);
      assert.equal(t?.code, 2, q.lines.join("\n"));
      assert.match(
        q.lines.join("\n"),
        /The configuration file changed and is invalid; exiting .*clusterCIDR in .*config\.conf/,
      );
      // And the restart refuses the invalid file at once, naming it (no loop inside the proxy).
      const r = box.start(["--config", vol.file]);
      assert.equal((await r.exited()).code, 2);
      assert.match(
        r.lines.join("\n"),
        /error: invalid value "10\.244\.0\.0\/33" for clusterCIDR in/,
      );
    } finally {
      await box.close();
    }
  },
});

Deno.test({
  name:
    "config lifecycle: a healthz address in use is retried until free, or fatal with --bind-address-hard-fail",
  ignore: !isRoot("config lifecycle e2e"),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const box = await sandbox();
    // Another program holds 127.0.0.1:10256 in the namespace.
    const holder = new Deno.Command("ip", {
      args: inNamespace(box.ns, [
        "python3",
        "-c",
        "import socket,sys,time\ns=socket.socket();s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)\ns.bind(('127.0.0.1',10256));s.listen();print('ready',flush=True);sys.stdin.read()",
      ]).slice(1),
      stdin: "piped",
      stdout: "piped",
    }).spawn();
    const stdin = holder.stdin.getWriter();
    try {
      const reader = holder.stdout.pipeThrough(new TextDecoderStream()).getReader();
      assert.match((await reader.read()).value ?? "", /ready/);
      reader.releaseLock();
      const flags = [
        "--healthz-bind-address",
        "127.0.0.1:10256",
        "--metrics-bind-address",
        "",
        "--min-sync-period",
        "0",
      ];

      const hard = box.start([...flags, "--bind-address-hard-fail"]);
      assert.equal((await hard.exited()).code, 1);
      assert.match(hard.lines.join("\n"), /Cannot start .*on 127\.0\.0\.1:10256.*in use/);

      const p = box.start(flags);
      await p.waitForSyncs(1);
      assert.match(
        p.lines.join("\n"),
        /Cannot start the health check server; retrying address=127\.0\.0\.1:10256/,
      );
      await stdin.close(); // the holder exits and frees the port
      await holder.status;
      await p.waitForLine(
        /Started the health check server after \d+ failed attempts/,
        12_000,
        false,
      );
      await eventually(async () => {
        const a = await httpGetIn(box.ns, "http://127.0.0.1:10256/healthz");
        assert.equal(a.status, 200, JSON.stringify(a));
      });
    } finally {
      await stdin.close().catch(() => {});
      try {
        holder.kill();
      } catch { /* gone */ }
      await holder.status;
      await box.close();
    }
  },
});

Deno.test({
  name:
    "config lifecycle: --init-only sets the namespace's conntrack sysctls and exits; nf_conntrack_max is left",
  ignore: !isRoot("config lifecycle e2e"),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const box = await sandbox();
    const read = async (name: string, ns?: string) =>
      ns
        ? (await run(inNamespace(ns, ["cat", `${NF}/${name}`]))).stdout.trim()
        : (await Deno.readTextFile(`${NF}/${name}`)).trim();
    const names = [
      "nf_conntrack_max",
      "nf_conntrack_tcp_timeout_established",
      "nf_conntrack_tcp_timeout_close_wait",
      "nf_conntrack_tcp_be_liberal",
      "nf_conntrack_udp_timeout",
      "nf_conntrack_udp_timeout_stream",
    ];
    const rootBefore = await Promise.all(names.map((n) => read(n)));
    try {
      const p = box.start([
        "--init-only",
        "--conntrack-tcp-timeout-established=2h",
        "--conntrack-tcp-be-liberal",
        "--conntrack-udp-timeout=45s",
        "--conntrack-udp-timeout-stream=3m",
      ]);
      assert.equal((await p.exited()).code, 0, p.lines.join("\n"));
      assert.equal(await read("nf_conntrack_tcp_timeout_established", box.ns), "7200");
      assert.equal(await read("nf_conntrack_tcp_timeout_close_wait", box.ns), "3600");
      assert.equal(await read("nf_conntrack_tcp_be_liberal", box.ns), "1");
      assert.equal(await read("nf_conntrack_udp_timeout", box.ns), "45");
      assert.equal(await read("nf_conntrack_udp_timeout_stream", box.ns), "180");
      const log = p.lines.join("\n");
      assert.match(
        log,
        /Cannot set sysctl, it is read-only here; leaving it parameter=net\/netfilter\/nf_conntrack_max/,
      );
      assert.match(log, /System initialized and --init-only specified/);
      const tables = await run(inNamespace(box.ns, ["nft", "list", "tables"]));
      assert.equal(tables.stdout.trim(), "", "--init-only programs no rules");
      assert.deepEqual(
        await Promise.all(names.map((n) => read(n))),
        rootBefore,
        "the root namespace is untouched",
      );
    } finally {
      await box.close();
    }
  },
});
