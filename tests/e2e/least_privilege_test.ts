/**
 * The DaemonSet's proxy container, run as the container runtime would run
 * it: its exact `sh -c` command and Deno permission flags, its environment
 * (API_SERVER, HOST_IPS, NODE_NAME), root with no capability but NET_ADMIN
 * and no new privileges, and the ConfigMap's config.conf and kubeconfig.conf
 * (a service-account token and CA). Only the paths change: the image's files
 * become this checkout's, /var/lib/kube-proxy and the service-account
 * directory temporary directories.
 *
 * Then the same command with one permission missing: it fails clearly and
 * leaves the rules alone.
 */

import { strict as assert } from "node:assert";
import { summarize, Topology } from "../support/netns/mod.ts";
import { endpointSlice, node, service } from "../support/cluster_objects.ts";
import { eventually, isRoot } from "../support/eventually.ts";
import { generateTestCerts } from "../support/certs.ts";
import { FakeApiServerProcess } from "../support/fake_apiserver/serve_process.ts";
import type { FakeObject } from "../support/fake_apiserver/server.ts";
import { deployObjects, proxyContainer } from "../support/deploy_files.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const SA_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";
const TOKEN = "least-privilege-test-token";
const VIP = "10.96.0.10";

/** What the container runtime gives the container: root, NET_ADMIN only, no new privileges. */
const CONTAINER_IDENTITY = [
  "setpriv",
  "--inh-caps=-all",
  "--ambient-caps=-all",
  "--bounding-set=-all,+net_admin",
  "--no-new-privs",
];

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

/** A started container command and its log. */
interface Run {
  child: Deno.ChildProcess;
  log: () => string;
}

/** `list` or `watch` on `group/resource` of an API URL, as RBAC sees it. */
function rbacRequest(request: string): string {
  const u = new URL(request.slice(request.indexOf(" ") + 1), "https://api");
  const m = u.pathname.match(/^\/(?:api\/v1|apis\/([^/]+)\/v1)\/([a-z]+)$/);
  assert.ok(m, `unexpected API path ${u.pathname}`);
  return `${u.searchParams.get("watch") === "1" ? "watch" : "list"} ${m[1] ?? ""}/${m[2]}`;
}

Deno.test({
  name: "least privilege: the DaemonSet's command runs as root with NET_ADMIN only",
  ignore: !isRoot("least privilege e2e"),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    const build = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", `${ROOT}scripts/build.ts`, "bundle"],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.ok(build.success, new TextDecoder().decode(build.stderr));
    const topo = await Topology.create({
      pods: [{ name: "web-1" }, { name: "client", server: false }],
      dualStack: false,
    });
    const certs = await generateTestCerts();
    const varLib = await Deno.makeTempDir({ prefix: "kp-varlib-" });
    const saDir = await Deno.makeTempDir({ prefix: "kp-sa-" });
    const auditFile = `${varLib}/audit.jsonl`;
    let api: FakeApiServerProcess | undefined;
    const runs: Run[] = [];
    const { container } = proxyContainer();
    const script = (container.command[2] as string)
      .replaceAll("/usr/local/bin/deno", Deno.execPath())
      .replaceAll("/usr/local/bin/kube-proxy", `${ROOT}dist/kube-proxy.js`)
      .replaceAll("/var/lib/kube-proxy", varLib)
      .replaceAll(SA_DIR, saDir);
    /** Stops a run (SIGTERM, then SIGKILL) and returns its exit code. */
    const stop = async (run: Run): Promise<number> => {
      try {
        run.child.kill("SIGTERM");
      } catch { /* gone */ }
      const timer = setTimeout(() => {
        try {
          run.child.kill("SIGKILL");
        } catch { /* gone */ }
      }, 5000);
      const { code } = await run.child.status;
      clearTimeout(timer);
      return code;
    };
    const start = (commandScript: string, env: Record<string, string>): Run => {
      const child = new Deno.Command("ip", {
        args: [
          "netns",
          "exec",
          topo.nsName("node"),
          ...CONTAINER_IDENTITY,
          "sh",
          "-c",
          commandScript,
        ],
        env: {
          PATH: Deno.env.get("PATH") ?? "/usr/sbin:/usr/bin:/sbin:/bin",
          KUBERNETES_SERVICE_HOST: "10.96.0.1",
          KUBERNETES_SERVICE_PORT: "443",
          NODE_NAME: "node",
          HOST_IPS: topo.nodeIp(4),
          API_SERVER: new URL(api!.url).host,
          ...env,
        },
        clearEnv: true,
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      const chunks: string[] = [];
      (async () => {
        for await (const c of child.stderr.pipeThrough(new TextDecoderStream())) chunks.push(c);
      })();
      child.stdout.cancel();
      const run = { child, log: () => chunks.join("") };
      runs.push(run);
      return run;
    };
    try {
      api = await FakeApiServerProcess.start(topo.nsName("node"), {
        certDir: certs.dir,
        token: TOKEN,
      });
      await api.upsert("nodes", node("node", [topo.nodeIp(4)], ["10.244.1.0/24"]) as FakeObject);
      await api.upsert(
        "services",
        service("web", [VIP], [{ name: "http", port: 80 }]) as FakeObject,
      );
      await api.upsert(
        "endpointslices",
        endpointSlice("web-x", "web", 4, [{ name: "http", port: 80 }], [
          { ip: topo.podIp("web-1") },
        ]) as FakeObject,
      );
      // The ConfigMap's files, as kubelet mounts them, and the service account's token and CA.
      const cm = deployObjects().find((o) => o.kind === "ConfigMap")!;
      await Deno.writeTextFile(
        `${varLib}/config.conf`,
        cm.data["config.conf"].replaceAll("/var/lib/kube-proxy", varLib),
      );
      await Deno.writeTextFile(
        `${varLib}/kubeconfig.conf`,
        cm.data["kubeconfig.conf"].replaceAll(SA_DIR, saDir)
          .replace(/server: \S+/, `server: ${api.url}`),
      );
      await Deno.writeTextFile(`${saDir}/token`, TOKEN);
      await Deno.copyFile(certs.caCertFile, `${saDir}/ca.crt`);

      await t.step(
        "it syncs from the API server, programs packets, serves healthz and metrics",
        async () => {
          const run = start(script, { DENO_AUDIT_PERMISSIONS: auditFile });
          try {
            await eventually(async () => {
              const s = summarize(
                await topo.probe({ from: "client", to: VIP, port: 80, count: 10, timeoutMs: 500 }),
              );
              assert.deepEqual([...s.pods], ["web-1"], run.log());
            }, 20000);
            for (
              const url of ["http://127.0.0.1:10256/healthz", "http://127.0.0.1:10249/metrics"]
            ) {
              const a = JSON.parse(
                (await topo.exec("node", ["python3", "-c", HTTP_GET, url])).stdout,
              );
              assert.equal(a.code, 200, `${url}: ${JSON.stringify(a)}`);
              if (url.endsWith("/metrics")) {
                assert.match(
                  a.body,
                  /^kubeproxy_sync_proxy_rules_last_timestamp_seconds(\{.*\})? \d/m,
                );
                console.log(
                  a.body.split("\n").filter((l: string) => l.startsWith("process_")).join("\n"),
                );
              }
            }
            const status =
              (await topo.exec("node", ["cat", `/proc/${run.child.pid}/status`])).stdout;
            assert.match(status, /^Uid:\s+0\s/m);
            assert.match(status, /^CapEff:\s+0000000000001000$/m, "NET_ADMIN only");
            assert.match(status, /^NoNewPrivs:\s+1$/m);
            console.log(`peak RSS of the proxy: ${status.match(/^VmHWM:\s+(\d+ kB)/m)?.[1]}`);
            assert.doesNotMatch(
              run.log(),
              /NotCapable|Requires \w+ access/,
              `no permission was missing: ${
                run.log().split("\n").filter((l) => /NotCapable|Requires \w+ access/.test(l))
                  .join("\n")
              }`,
            );
          } finally {
            assert.equal(await stop(run), 0, run.log());
          }

          // Every API request the proxy made (as the API server saw it: with a CA, requests go
          // through node:https, which Deno's audit does not record as URLs) is one the read-only
          // ClusterRole allows.
          const requests = new Set<string>();
          for (const r of await api!.requests()) {
            assert.ok(r.startsWith("GET "), `only reads: ${r}`);
            requests.add(rbacRequest(r));
          }
          const role = deployObjects().find((o) => o.kind === "ClusterRole")!;
          const allowed = new Set<string>();
          for (const rule of role.rules) {
            for (const verb of rule.verbs) {
              for (const g of rule.apiGroups) {
                for (const r of rule.resources) allowed.add(`${verb} ${g}/${r}`);
              }
            }
          }
          assert.ok(requests.size >= 8, `list and watch of 4 kinds: ${[...requests]}`);
          for (const r of requests) assert.ok(allowed.has(r), `the ClusterRole allows ${r}`);
        },
      );

      // The proxy's rules from the first step: the failing starts below must leave them alone.
      const rules = (await topo.exec("node", ["nft", "list", "ruleset"])).stdout;
      assert.match(rules, /table ip kube-nft-proxy/);

      await t.step(
        "without read access to the service account it exits 1 naming the file and flag",
        async () => {
          const run = start(
            script.replace(`--allow-read=${varLib},${saDir}`, `--allow-read=${varLib}`),
            {},
          );
          try {
            assert.equal((await run.child.status).code, 1, run.log());
            assert.match(
              run.log(),
              new RegExp(
                `Requires read access to "${saDir}/(ca\\.crt|token)", run again with the --allow-read flag`,
              ),
            );
          } finally {
            await stop(run);
          }
          assert.equal((await topo.exec("node", ["nft", "list", "ruleset"])).stdout, rules);
        },
      );

      await t.step(
        "with API_SERVER not the kubeconfig's server, it names the host it may not reach",
        async () => {
          const run = start(script, { API_SERVER: "192.0.2.1:6443" });
          const host = new URL(api!.url).host.replaceAll(".", "\\.");
          try {
            await eventually(() => {
              assert.match(
                run.log(),
                new RegExp(
                  `Requires net access to \\\\?"${host}\\\\?", run again with the --allow-net flag`,
                ),
              );
              return Promise.resolve();
            }, 10000);
          } finally {
            await stop(run);
          }
          assert.equal((await topo.exec("node", ["nft", "list", "ruleset"])).stdout, rules);
        },
      );

      await t.step(
        "without the healthz port in --allow-net it exits 1 naming the address",
        async () => {
          // Both families' healthz wildcards go: with either one, the server listens on it.
          const run = start(script.replace("0.0.0.0:10256,", "").replace("[::]:10256,", ""), {});
          try {
            assert.equal((await run.child.status).code, 1, run.log());
            assert.match(run.log(), /Requires net access to "0\.0\.0\.0:10256"/);
          } finally {
            await stop(run);
          }
          assert.equal((await topo.exec("node", ["nft", "list", "ruleset"])).stdout, rules);
        },
      );
    } finally {
      for (const r of runs) await stop(r);
      await api?.close();
      await topo.destroy();
      await certs.cleanup();
      await Deno.remove(varLib, { recursive: true });
      await Deno.remove(saDir, { recursive: true });
    }
  },
});
