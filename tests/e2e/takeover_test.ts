/**
 * Taking over from upstream kube-proxy, with real connections: the node
 * namespace first holds upstream's rules for a Service with 3 pods (its
 * nftables layout, then its iptables layout next to the kubelet's chains).
 * Long-lived TCP connections keep exchanging data and new connections open
 * every 10 ms while our proxy starts. Established connections must survive,
 * no new connection may fail, and upstream's rules (only upstream's) must be
 * gone afterwards.
 */

import { strict as assert } from "node:assert";
import { Topology } from "../support/netns/mod.ts";
import { endpointSlice, node, service, writeManifest } from "../support/cluster_objects.ts";
import { ProxyProcess, TEST_PROXY_FLAGS } from "../support/proxy_process.ts";
import { eventually, isRoot } from "../support/eventually.ts";
import { renderUpstreamStyle } from "../../scripts/bench/layouts.ts";
import { kubeProxyIptables } from "../fixtures/takeover/iptables_kube_proxy.ts";

const VIP = "10.96.7.10";
const PORT = 9090;
const PODS = ["web-1", "web-2", "web-3"];

/** A TCP echo server (one thread per connection). */
const ECHO_SERVER = `
import socket, threading
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", ${PORT})); s.listen(512)
print("ready", flush=True)
def serve(c):
    try:
        while True:
            d = c.recv(4096)
            if not d: break
            c.sendall(d)
    except OSError: pass
    finally: c.close()
while True:
    c, _ = s.accept(); threading.Thread(target=serve, args=(c,), daemon=True).start()
`;

/**
 * Opens N long-lived connections that exchange a line every 20 ms, and a new
 * connection every 10 ms, for D seconds; prints "started", then a JSON summary.
 */
const LOAD_CLIENT = `
import socket, threading, time, json, sys
vip, port, dur, n = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
res = {"long": [], "new_ok": 0, "new_fail": 0, "fail_msgs": []}
conns = [socket.create_connection((vip, port), timeout=2) for _ in range(n)]
def talk(i, c):
    r = {"exchanges": 0, "err": None}
    try:
        end = time.time() + dur
        while time.time() < end:
            c.sendall(b"long %d\\n" % i)
            if not c.recv(100): raise OSError("closed by peer")
            r["exchanges"] += 1
            time.sleep(0.02)
        c.close()
    except OSError as e: r["err"] = repr(e)
    res["long"].append(r)
threads = [threading.Thread(target=talk, args=(i, c)) for i, c in enumerate(conns)]
for t in threads: t.start()
print("started", flush=True)
end = time.time() + dur
while time.time() < end:
    try:
        c = socket.create_connection((vip, port), timeout=1); c.sendall(b"new\\n")
        if not c.recv(100): raise OSError("empty answer")
        c.close(); res["new_ok"] += 1
    except OSError as e:
        res["new_fail"] += 1; res["fail_msgs"].append(repr(e))
    time.sleep(0.01)
for t in threads: t.join()
print(json.dumps(res), flush=True)
`;

interface LoadResult {
  long: { exchanges: number; err: string | null }[];
  new_ok: number;
  new_fail: number;
  fail_msgs: string[];
}

/** Spawns a python program in a namespace; `nextLine()` reads its output line by line. */
function spawnPython(ns: string, code: string, args: string[] = []) {
  const child = new Deno.Command("ip", {
    args: ["netns", "exec", ns, "python3", "-u", "-c", code, ...args],
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let buf = "";
  const nextLine = async (): Promise<string> => {
    for (;;) {
      const i = buf.indexOf("\n");
      if (i >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        return line;
      }
      const { value, done } = await reader.read();
      if (done) throw new Error(`python in ${ns} exited; had: ${buf}`);
      buf += value;
    }
  };
  const stop = async () => {
    try {
      child.kill("SIGKILL");
    } catch { /* exited */ }
    await reader.cancel().catch(() => {});
    await child.stderr.cancel().catch(() => {});
    await child.status;
  };
  return { nextLine, stop, status: child.status };
}

Deno.test({
  name: "takeover: upstream kube-proxy's rules are replaced with no broken or failed connection",
  ignore: !isRoot("takeover e2e"),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    const topo = await Topology.create({
      pods: [...PODS.map((name) => ({ name })), { name: "client", server: false }],
      dualStack: false,
    });
    const dir = await Deno.makeTempDir({ prefix: "kp-takeover-" });
    const children: { stop: () => Promise<void> }[] = [];
    const procs: ProxyProcess[] = [];
    const podIps = PODS.map((p) => topo.podIp(p));
    try {
      for (const pod of PODS) {
        const echo = spawnPython(topo.nsName(pod), ECHO_SERVER);
        children.push(echo);
        assert.equal(await echo.nextLine(), "ready");
      }
      const http = [{ name: "http", port: PORT }];
      await writeManifest(`${dir}/cluster.json`, [
        node("node", [topo.nodeIp(4)], ["10.244.1.0/24"]),
        service("web", [VIP], http),
        endpointSlice("web-1", "web", 4, http, podIps.map((ip) => ({ ip }))),
      ]);

      /** Runs the load while the proxy starts and takes over; returns the load and the proxy. */
      const takeOverUnderLoad = async () => {
        const load = spawnPython(topo.nsName("client"), LOAD_CLIENT, [
          VIP,
          String(PORT),
          "6",
          "6",
        ]);
        children.push(load);
        assert.equal(await load.nextLine(), "started", "connections through upstream's rules");
        await new Promise((r) => setTimeout(r, 1000));
        const proxy = ProxyProcess.start(topo.nsName("node"), [
          "--manifests",
          dir,
          ...TEST_PROXY_FLAGS,
        ]);
        procs.push(proxy);
        await proxy.waitForSyncs(1);
        const result = JSON.parse(await load.nextLine()) as LoadResult;
        assert.equal(result.long.length, 6);
        for (const c of result.long) {
          assert.equal(c.err, null, `an established connection broke: ${JSON.stringify(result)}`);
          assert.ok(c.exchanges > 100, `data kept flowing: ${JSON.stringify(result.long)}`);
        }
        assert.equal(result.new_fail, 0, `failed new connections: ${result.fail_msgs}`);
        assert.ok(result.new_ok > 100, `new connections kept opening: ${result.new_ok}`);
        return proxy;
      };

      await t.step("nftables mode: upstream's tables go in our first transaction", async () => {
        const upstream = renderUpstreamStyle([{
          key: "default/web",
          ip: VIP,
          port: PORT,
          targetPort: PORT,
          endpoints: podIps,
        }]).replaceAll("kube-proxy-upstream", "kube-proxy");
        await topo.loadRuleset(
          upstream +
            "table ip6 kube-proxy {\n\tchain nat-prerouting {\n\t\ttype nat hook prerouting priority -100; policy accept;\n\t}\n}\n",
        );
        assert.match(await topo.listRuleset(), /numgen random mod 3 vmap/);
        const proxy = await takeOverUnderLoad();
        const tables = (await topo.exec("node", ["nft", "list", "tables"])).stdout;
        assert.doesNotMatch(tables, /table ip6? kube-proxy\n/);
        assert.match(tables, /table ip kube-nft-proxy/);
        assert.ok(
          proxy.lines.some((l) =>
            /Removed upstream kube-proxy's nftables tables.*ip kube-proxy, ip6 kube-proxy/.test(l)
          ),
          proxy.lines.join("\n"),
        );
        await proxy.stop();
      });

      const hasIptables =
        (await topo.exec("node", ["sh", "-c", "command -v iptables-nft-restore"], {
          check: false,
        })).code === 0;
      await t.step({
        name: "iptables mode: kube-proxy's chains and jumps go, the kubelet's stay",
        ignore: !hasIptables,
        fn: async () => {
          for (const fam of ["ip", "ip6"]) {
            await topo.exec("node", ["nft", "delete", "table", fam, "kube-nft-proxy"]);
          }
          const v4 = kubeProxyIptables(VIP, PORT, podIps.map((ip) => `${ip}:${PORT}`));
          await topo.exec("node", ["iptables-nft-restore"], { stdin: v4 });
          const v6 = "*nat\n:PREROUTING ACCEPT [0:0]\n:KUBE-SERVICES - [0:0]\n" +
            ":KUBE-KUBELET-CANARY - [0:0]\n" +
            '-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES\nCOMMIT\n';
          await topo.exec("node", ["ip6tables-nft-restore"], { stdin: v6 });
          const legacy = (await topo.exec("node", ["iptables-legacy-restore"], {
            stdin: v6.replace("PREROUTING -m", "OUTPUT -m").replace(":PREROUTING", ":OUTPUT"),
            check: false,
          })).code === 0;
          const proxy = await takeOverUnderLoad();
          const save = async (bin: string) => (await topo.exec("node", [bin])).stdout;
          await eventually(async () => {
            const after = await save("iptables-nft-save");
            assert.doesNotMatch(
              after,
              /KUBE-(SERVICES|NODEPORTS|POSTROUTING|MARK-MASQ|PROXY-CANARY|SVC-|SEP-|FORWARD|EXTERNAL-SERVICES|PROXY-FIREWALL)/,
              after,
            );
            assert.doesNotMatch(await save("ip6tables-nft-save"), /KUBE-SERVICES/);
            if (legacy) assert.doesNotMatch(await save("iptables-legacy-save"), /KUBE-SERVICES/);
          }, 5000);
          const after = await save("iptables-nft-save");
          for (const kept of ["KUBE-FIREWALL", "KUBE-KUBELET-CANARY", "KUBE-IPTABLES-HINT"]) {
            assert.match(after, new RegExp(`:${kept} `), `${kept} stays`);
          }
          assert.match(after, /-A INPUT -j KUBE-FIREWALL/);
          assert.match(after, /-A KUBE-FIREWALL .*block incoming localnet connections/);
          assert.match(await save("ip6tables-nft-save"), /KUBE-KUBELET-CANARY/);
          if (legacy) assert.match(await save("iptables-legacy-save"), /KUBE-KUBELET-CANARY/);
          assert.ok(
            proxy.lines.some((l) => l.includes("Removed upstream kube-proxy's iptables rules")),
          );
          await proxy.stop();
        },
      });
    } finally {
      for (const p of procs) await p.stop();
      for (const c of children) await c.stop();
      await topo.destroy();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
