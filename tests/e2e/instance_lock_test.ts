/**
 * The instance lock between real processes: two holders in one network
 * namespace, another namespace, and a SIGKILLed holder. Each process runs with
 * only the FFI permission of the C library, as the deployed proxy does.
 */

import { strict as assert } from "node:assert";
import { isRoot } from "../support/eventually.ts";
import { summarize, Topology } from "../support/netns/mod.ts";
import { endpointSlice, node, service, writeManifest } from "../support/cluster_objects.ts";
import { ProxyProcess, TEST_PROXY_FLAGS } from "../support/proxy_process.ts";
import { defaultLibcPaths } from "../../src/host/instance_lock.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

/** Takes the default lock, prints `{"locked": pid}` and waits; or prints the error and exits 3. */
const HOLDER = `
import { acquireInstanceLock } from "${ROOT}src/host/instance_lock.ts";
try {
  acquireInstanceLock();
  console.log(JSON.stringify({ locked: Deno.pid }));
  setInterval(() => {}, 60_000);
} catch (e) {
  console.log(JSON.stringify({ error: e.name, message: e.message, holderPid: e.holderPid }));
  Deno.exit(3);
}
`;

interface Holder {
  child: Deno.ChildProcess;
  /** The first line the process printed. */
  first: Promise<Record<string, unknown>>;
}

async function addNamespace(): Promise<string> {
  const name = `kp-lock-${crypto.randomUUID().slice(0, 8)}`;
  const r = await new Deno.Command("ip", { args: ["netns", "add", name] }).output();
  assert.ok(r.success, `ip netns add ${name}`);
  return name;
}

function startHolder(ns: string, script: string, libc: string): Holder {
  const child = new Deno.Command("ip", {
    args: [
      "netns",
      "exec",
      ns,
      Deno.execPath(),
      "run",
      "--no-prompt",
      `--allow-read=${ROOT}`,
      `--allow-ffi=${libc}`,
      script,
    ],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const first = (async () => {
    const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let text = "";
    while (!text.includes("\n")) {
      const { value, done } = await reader.read();
      if (done) break;
      text += value;
    }
    reader.releaseLock();
    return JSON.parse(text.split("\n")[0]) as Record<string, unknown>;
  })();
  return { child, first };
}

async function stop(h: Holder | undefined): Promise<void> {
  if (!h) return;
  try {
    h.child.kill("SIGKILL");
  } catch { /* gone */ }
  await h.child.status;
  await h.child.stdout.cancel().catch(() => {});
}

Deno.test({
  name:
    "instance lock: a second holder in the namespace refuses, naming the first; SIGKILL frees it",
  ignore: !isRoot("instance lock e2e"),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const libc = defaultLibcPaths().find((p) => {
      try {
        return Deno.statSync(p).isFile;
      } catch {
        return false;
      }
    });
    assert.ok(libc, "a libc.so.6 at one of the default paths");
    const dir = await Deno.makeTempDir({ prefix: "kp-lock-" });
    const script = `${dir}/holder.ts`;
    await Deno.writeTextFile(script, HOLDER);
    const nsA = await addNamespace();
    const nsB = await addNamespace();
    const holders: Holder[] = [];
    const start = (ns: string) => {
      const h = startHolder(ns, script, libc!);
      holders.push(h);
      return h;
    };
    try {
      const first = start(nsA);
      const firstPid = (await first.first).locked;
      assert.equal(typeof firstPid, "number", "the first holder takes the lock");

      const second = start(nsA);
      const refused = await second.first;
      assert.equal((await second.child.status).code, 3);
      assert.equal(refused.error, "InstanceLockHeldError");
      assert.equal(refused.holderPid, firstPid);
      assert.match(String(refused.message), new RegExp(`pid ${firstPid}\\b`));

      const elsewhere = start(nsB);
      assert.equal(typeof (await elsewhere.first).locked, "number", "another namespace is free");

      first.child.kill("SIGKILL");
      await first.child.status;
      const after = start(nsA);
      assert.equal(typeof (await after.first).locked, "number", "free again after SIGKILL");
    } finally {
      for (const h of holders) await stop(h);
      for (const ns of [nsA, nsB]) {
        await new Deno.Command("ip", { args: ["netns", "del", ns] }).output();
      }
      await Deno.remove(dir, { recursive: true });
    }
  },
});

/**
 * The daemon takes the lock before any server or rule (main.ts), so a second
 * proxy in the same network namespace refuses to start.
 */
Deno.test({
  name: "two proxies in one namespace: the second refuses naming the first and leaves its rules",
  ignore: !isRoot("instance lock daemon e2e"),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const topo = await Topology.create({
      pods: [{ name: "web-1" }, { name: "client", server: false }],
      dualStack: false,
    });
    const dir = await Deno.makeTempDir({ prefix: "kp-lock-daemon-" });
    const objects = [
      node("node", [topo.nodeIp(4)], ["10.244.1.0/24"]),
      service("web", ["10.96.0.10"], [{ name: "http", port: 80 }]),
      endpointSlice("web-x", "web", 4, [{ name: "http", port: 80 }], [{ ip: topo.podIp("web-1") }]),
    ];
    const procs: ProxyProcess[] = [];
    const start = () => {
      const p = ProxyProcess.start(topo.nsName("node"), ["--manifests", dir, ...TEST_PROXY_FLAGS]);
      procs.push(p);
      return p;
    };
    try {
      await writeManifest(`${dir}/cluster.json`, objects);
      const first = start();
      await first.waitForSyncs(1);
      const rules = await topo.listRuleset();

      const second = start();
      let timer: ReturnType<typeof setTimeout> | undefined;
      const status = await Promise.race([
        second.exited(),
        new Promise<undefined>((r) => timer = setTimeout(() => r(undefined), 10_000)),
      ]);
      clearTimeout(timer);
      assert.ok(status, `the second proxy did not exit:\n${second.lines.join("\n")}`);
      assert.notEqual(status.code, 0);
      const log = second.lines.join("\n");
      assert.match(
        log,
        new RegExp(`another kube-nft-proxy is running .*pid ${first.child.pid}\\b`),
      );
      assert.equal(await topo.listRuleset(), rules, "the first proxy's rules are left alone");
      assert.equal(second.syncs, 0);

      first.child.kill("SIGKILL");
      await first.exited();
      const third = start();
      await third.waitForSyncs(1);
      const s = summarize(
        await topo.probe({ from: "client", to: "10.96.0.10", port: 80, count: 5 }),
      );
      assert.deepEqual([...s.pods], ["web-1"]);
    } finally {
      for (const p of procs) await p.stop();
      await topo.destroy();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
