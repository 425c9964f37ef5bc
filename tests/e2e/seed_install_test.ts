/**
 * The seed-style install: the systemd unit's command line and its
 * KubeProxyConfiguration file (mode "iptables", a kubeconfig with a client
 * certificate for system:kube-proxy), run with the bundled program and its
 * minimal permission set against the test API server. Only the paths change:
 * the binary becomes `deno run <permissions> dist/kube-proxy.js` and
 * /var/lib/kube-proxy becomes a temporary directory.
 */

import { strict as assert } from "node:assert";
import { summarize, Topology } from "../support/netns/mod.ts";
import { endpointSlice, node, service } from "../support/cluster_objects.ts";
import { eventually, isRoot } from "../support/eventually.ts";
import { generateTestCerts, writeKubeconfig } from "../support/certs.ts";
import { FakeApiServerProcess } from "../support/fake_apiserver/serve_process.ts";
import type { FakeObject } from "../support/fake_apiserver/server.ts";
import { PERMISSIONS, V8_FLAGS } from "../../scripts/build.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

/** ExecStart of a systemd unit, with line continuations joined, split into words. */
function execStart(unit: string): string[] {
  const joined = unit.replace(/\\\n\s*/g, " ");
  const line = joined.split("\n").find((l) => l.startsWith("ExecStart="));
  assert.ok(line, "the unit has ExecStart");
  return line!.slice("ExecStart=".length).trim().split(/\s+/);
}

Deno.test({
  name:
    "seed install: the systemd unit and config file run the bundled proxy against the API server",
  ignore: !isRoot("seed install e2e"),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const build = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", `${ROOT}scripts/build.ts`, "bundle"],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.ok(build.success, new TextDecoder().decode(build.stderr));
    const topo = await Topology.create({
      pods: [{ name: "web-1" }, { name: "web-2" }, { name: "client", server: false }],
      dualStack: false,
    });
    const certs = await generateTestCerts();
    const varLib = await Deno.makeTempDir({ prefix: "kp-varlib-" });
    let api: FakeApiServerProcess | undefined;
    let child: Deno.ChildProcess | undefined;
    try {
      api = await FakeApiServerProcess.start(topo.nsName("node"), { certDir: certs.dir });
      await api.upsert("nodes", node("node", [topo.nodeIp(4)], ["10.200.1.0/24"]) as FakeObject);
      await api.upsert(
        "services",
        service("web", ["10.96.0.10"], [{ name: "http", port: 80 }]) as FakeObject,
      );
      await api.upsert(
        "endpointslices",
        endpointSlice("web-x", "web", 4, [{ name: "http", port: 80 }], [
          { ip: topo.podIp("web-1") },
          { ip: topo.podIp("web-2") },
        ]) as FakeObject,
      );
      await writeKubeconfig(`${varLib}/kubeconfig`, {
        server: api.url,
        caFile: certs.caCertFile,
        certFile: certs.clientCertFile,
        keyFile: certs.clientKeyFile,
      });
      const config = (await Deno.readTextFile(`${ROOT}deploy/kube-proxy-config.yaml`)).replaceAll(
        "/var/lib/kube-proxy",
        varLib,
      );
      await Deno.writeTextFile(`${varLib}/kube-proxy-config.yaml`, config);
      const words = execStart(await Deno.readTextFile(`${ROOT}deploy/kube-proxy.service`));
      assert.equal(words[0], "/usr/local/bin/kube-proxy");
      const args = words.slice(1).map((w) => w.replaceAll("/var/lib/kube-proxy", varLib));
      const argv = [
        "ip",
        "netns",
        "exec",
        topo.nsName("node"),
        Deno.execPath(),
        "run",
        ...PERMISSIONS,
        ...V8_FLAGS,
        `${ROOT}dist/kube-proxy.js`,
        ...args,
        "--hostname-override=node",
        "--v=2",
      ];
      child = new Deno.Command(argv[0], { args: argv.slice(1), stdout: "piped", stderr: "piped" })
        .spawn();
      const logs: string[] = [];
      (async () => {
        for await (const c of child!.stderr.pipeThrough(new TextDecoderStream())) logs.push(c);
      })();
      await eventually(async () => {
        const s = summarize(
          await topo.probe({
            from: "client",
            to: "10.96.0.10",
            port: 80,
            count: 20,
            timeoutMs: 500,
          }),
        );
        assert.deepEqual([...s.pods].sort(), ["web-1", "web-2"], logs.join(""));
      }, 20000);
      const log = logs.join("");
      assert.match(log, /mode "iptables" is not implemented: only nftables is; using nftables/);
      assert.ok((await api.clientCNs()).includes("system:kube-proxy"));
      child.kill("SIGTERM");
      assert.equal((await child.status).code, 0);
      child = undefined;
    } finally {
      try {
        child?.kill("SIGKILL");
        await child?.status;
      } catch { /* gone */ }
      await api?.close();
      await topo.destroy();
      await certs.cleanup();
      await Deno.remove(varLib, { recursive: true });
    }
  },
});
