/**
 * The seed-style install: deploy/kube-proxy.service runs the bundled program
 * against the test API server with its KubeProxyConfiguration file (mode
 * "iptables") and a kubeconfig with an embedded client certificate for
 * system:kube-proxy, as the "hard way" guides write it.
 *
 * The unit's ExecStart is run as systemd would run it: its `${VAR}`s from
 * Environment= (API_SERVER and NODE_IPS set as an operator's drop-in would
 * set them), its exact Deno permission flags, and its identity: the user of
 * DynamicUser= (nobody) with its capabilities (CAP_NET_ADMIN, ambient and
 * bounding) and no new privileges. Only the paths change: /usr/local/bin/deno
 * becomes this deno, /usr/local/bin/kube-proxy dist/kube-proxy.js, and
 * /var/lib/kube-proxy (StateDirectory=, owned by the service's user) a
 * temporary directory.
 */

import { strict as assert } from "node:assert";
import { summarize, Topology } from "../support/netns/mod.ts";
import { endpointSlice, node, service } from "../support/cluster_objects.ts";
import { eventually, isRoot } from "../support/eventually.ts";
import { generateTestCerts, writeKubeconfig } from "../support/certs.ts";
import { FakeApiServerProcess } from "../support/fake_apiserver/serve_process.ts";
import type { FakeObject } from "../support/fake_apiserver/server.ts";
import { DEPLOY_DIR, parseUnit, unitCommand, unitSetpriv } from "../support/deploy_files.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

/** Prints `{"code": N, "body": TEXT}`, or `{"code": 0, "error": TEXT}`. */
const HTTP_GET = `
import json, sys, urllib.request, urllib.error
try:
    r = urllib.request.urlopen(sys.argv[1], timeout=2)
    print(json.dumps({"code": r.status, "body": r.read().decode()}))
except urllib.error.HTTPError as e:
    print(json.dumps({"code": e.code, "body": e.read().decode()}))
except Exception as e:
    print(json.dumps({"code": 0, "error": str(getattr(e, "reason", e))}))
`;

Deno.test({
  name: "seed install: the systemd unit runs the bundle as its own user with CAP_NET_ADMIN only",
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
    // Like StateDirectory=: a directory the service's user owns, not readable by others.
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
      // `kubectl config set-credentials --embed-certs=true`, as the guides do.
      await writeKubeconfig(`${varLib}/kubeconfig`, {
        server: api.url,
        caData: certs.caCert,
        certData: certs.clientCert,
        keyData: certs.clientKey,
      });
      const config = (await Deno.readTextFile(`${DEPLOY_DIR}kube-proxy-config.yaml`)).replaceAll(
        "/var/lib/kube-proxy",
        varLib,
      );
      await Deno.writeTextFile(`${varLib}/kube-proxy-config.yaml`, config);
      for (const f of ["kubeconfig", "kube-proxy-config.yaml", "."]) {
        await Deno.chown(`${varLib}/${f}`, 65534, 65534);
      }
      await Deno.chmod(varLib, 0o700);

      const unit = parseUnit(await Deno.readTextFile(`${DEPLOY_DIR}kube-proxy.service`));
      const { argv: exec } = unitCommand(unit, "ExecStart", {
        API_SERVER: new URL(api.url).host,
        NODE_IPS: topo.nodeIp(4),
      });
      assert.equal(exec[0], "/usr/local/bin/deno");
      const argv = [
        "ip",
        "netns",
        "exec",
        topo.nsName("node"),
        ...unitSetpriv(unit),
        Deno.execPath(),
        ...exec.slice(1).map((w) =>
          w.replaceAll("/usr/local/bin/kube-proxy", `${ROOT}dist/kube-proxy.js`)
            .replaceAll("/var/lib/kube-proxy", varLib)
        ),
        "--hostname-override=node",
        "--v=2",
      ];
      child = new Deno.Command(argv[0], {
        args: argv.slice(1),
        stdout: "piped",
        stderr: "piped",
        // systemd's environment for a DynamicUser= service: no home to write to.
        env: { HOME: "/", PATH: Deno.env.get("PATH") ?? "/usr/sbin:/usr/bin:/sbin:/bin" },
        clearEnv: true,
      }).spawn();
      const logs: string[] = [];
      (async () => {
        for await (const c of child!.stderr.pipeThrough(new TextDecoderStream())) logs.push(c);
      })();
      child.stdout.cancel();
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
      const status = await topo.exec("node", ["cat", `/proc/${child.pid}/status`]);
      assert.match(status.stdout, /^Uid:\s+65534\s/m, "runs as the dynamic user");
      assert.match(status.stdout, /^CapEff:\s+0000000000001000$/m, "CAP_NET_ADMIN only");
      for (const url of ["http://127.0.0.1:10256/healthz", "http://127.0.0.1:10249/metrics"]) {
        const a = JSON.parse((await topo.exec("node", ["python3", "-c", HTTP_GET, url])).stdout);
        assert.equal(a.code, 200, `${url}: ${JSON.stringify(a)}`);
      }
      assert.doesNotMatch(log, /NotCapable|Requires \w+ access/, "no permission was missing");
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
