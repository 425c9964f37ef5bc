/**
 * Operations with the real proxy in a node namespace: metrics and health
 * served for real, JSON logs, failed applies retried (with nft's message and
 * the failing line logged), drift restored after `nft flush table` and
 * `nft delete table`, a restart taking over the table with no failed
 * connection, and `--cleanup` removing only the proxy's tables.
 */

import { strict as assert } from "node:assert";
// deno-lint-ignore no-import-prefix
import parsePrometheusText from "npm:parse-prometheus-text-format@1.1.1";
import { summarize, Topology } from "../support/netns/mod.ts";
import { endpointSlice, node, service, writeManifest } from "../support/cluster_objects.ts";
import { ProxyProcess } from "../support/proxy_process.ts";
import { eventually, isRoot } from "../support/eventually.ts";

const VIP = "10.96.0.10";
const BASE_ARGS = [
  "--hostname-override",
  "node",
  "--cluster-cidr",
  "10.244.0.0/16",
  "--min-sync-period",
  "0",
];

async function httpGet(topo: Topology, url: string): Promise<{ status: number; body: string }> {
  const code = `import json,urllib.request,urllib.error
try:
  r=urllib.request.urlopen(${
    JSON.stringify(url)
  },timeout=3); print(json.dumps({"status":r.status,"body":r.read().decode()}))
except urllib.error.HTTPError as e:
  print(json.dumps({"status":e.code,"body":e.read().decode()}))`;
  const r = await topo.exec("node", ["python3", "-c", code]);
  return JSON.parse(r.stdout);
}

Deno.test({
  name:
    "lifecycle: metrics, health, logs, retries, drift, takeover and cleanup with the real proxy",
  ignore: !isRoot("lifecycle e2e"),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    const topo = await Topology.create({
      pods: [{ name: "web-1" }, { name: "web-2" }, { name: "client", server: false }],
      dualStack: false,
    });
    const dir = await Deno.makeTempDir({ prefix: "kp-life-" });
    const procs: ProxyProcess[] = [];
    const start = (args: string[], env: Record<string, string> = {}) => {
      const p = ProxyProcess.start(
        topo.nsName("node"),
        ["--manifests", dir, ...BASE_ARGS, ...args],
        env,
      );
      procs.push(p);
      return p;
    };
    try {
      await writeManifest(`${dir}/cluster.json`, [
        node("node", [topo.nodeIp(4)], ["10.244.1.0/24"]),
        service("web", [VIP], [{ name: "http", port: 80 }]),
        endpointSlice("web-1", "web", 4, [{ name: "http", port: 80 }], [
          { ip: topo.podIp("web-1") },
          { ip: topo.podIp("web-2") },
        ]),
      ]);
      // A table of someone else's, which the proxy must never touch.
      await topo.loadRuleset(
        "table inet other-software {\n\tchain input {\n\t\ttype filter hook input priority 0; policy accept;\n\t\tcounter\n\t}\n}\n",
      );

      await t.step("metrics and health are served, JSON logs parse", async () => {
        const p = start([
          "--metrics-bind-address",
          "127.0.0.1:10249",
          "--healthz-bind-address",
          "127.0.0.1:10256",
          "--logging-format",
          "json",
        ]);
        await p.waitForSyncs(1);
        const metrics = await httpGet(topo, "http://127.0.0.1:10249/metrics");
        assert.equal(metrics.status, 200);
        const families = parsePrometheusText(metrics.body) as {
          name: string;
          metrics: { value?: string; buckets?: Record<string, string> }[];
        }[];
        const names = new Set(families.map((f) => f.name));
        for (
          const n of [
            "kubeproxy_sync_proxy_rules_duration_seconds",
            "kubeproxy_sync_full_proxy_rules_duration_seconds",
            "kubeproxy_sync_partial_proxy_rules_duration_seconds",
            "kubeproxy_sync_proxy_rules_last_timestamp_seconds",
            "kubeproxy_sync_proxy_rules_last_queued_timestamp_seconds",
            "kubeproxy_network_programming_duration_seconds",
            "kubeproxy_sync_proxy_rules_service_changes_total",
            "kubeproxy_sync_proxy_rules_endpoint_changes_total",
            "kubeproxy_sync_proxy_rules_nftables_sync_failures_total",
            "kubeproxy_sync_proxy_rules_no_local_endpoints_total",
            "process_resident_memory_bytes",
          ]
        ) assert.ok(names.has(n), `missing metric ${n}`);
        const full = families.find((f) =>
          f.name === "kubeproxy_sync_full_proxy_rules_duration_seconds"
        )!;
        assert.ok(
          full.metrics.some((m) => Number(m.buckets?.["+Inf"]) >= 1),
          "one full sync observed",
        );
        const healthz = await httpGet(topo, "http://127.0.0.1:10256/healthz");
        assert.equal(healthz.status, 200);
        const body = JSON.parse(healthz.body);
        assert.ok(body.lastUpdated && body.currentTime, healthz.body);
        assert.equal((await httpGet(topo, "http://127.0.0.1:10256/livez")).status, 200);
        const jsonLines = p.lines.filter((l) => l.startsWith("{"));
        assert.ok(jsonLines.length >= 2);
        for (const l of jsonLines) assert.ok(typeof JSON.parse(l).msg === "string");
        assert.ok(jsonLines.some((l) => JSON.parse(l).msg === "Synced nftables rules"));
        assert.equal((await p.stop()).code, 0);
      });

      await t.step(
        "a failed apply is logged with nft's message and the failing line, then retried",
        async () => {
          // An nft that fails twice, then behaves: the proxy must retry (with backoff) and get there.
          const bin = await Deno.makeTempDir({ prefix: "kp-fakenft-" });
          const counter = `${bin}/count`;
          const real =
            (await new Deno.Command("sh", { args: ["-c", "command -v nft"], stdout: "piped" })
              .output()).stdout;
          await Deno.writeTextFile(
            `${bin}/nft`,
            `#!/bin/sh
if [ "$1" = "-f" ]; then
  n=$(cat ${counter} 2>/dev/null || echo 0); echo $((n+1)) > ${counter}
  if [ "$n" -lt 2 ]; then cat >/dev/null; echo "/dev/stdin:3:1-5: Error: simulated failure" >&2; exit 1; fi
fi
exec ${new TextDecoder().decode(real).trim()} "$@"
`,
          );
          await Deno.chmod(`${bin}/nft`, 0o755);
          try {
            await topo.exec("node", ["nft", "delete", "table", "ip", "kube-nft-proxy"]);
            const p = start([
              "--v=4",
              "--nft-backend=exec",
              "--healthz-bind-address",
              "",
              "--metrics-bind-address",
              "",
            ], {
              PATH: `${bin}:${Deno.env.get("PATH")}`,
            });
            await p.waitForSyncs(1, 20000);
            const log = p.lines.join("\n");
            assert.match(log, /Failed to sync nftables rules.*simulated failure/);
            assert.match(log, /Failing script line.*line=3/);
            const s = summarize(await topo.probe({ from: "client", to: VIP, port: 80, count: 10 }));
            assert.deepEqual([...s.pods].sort(), ["web-1", "web-2"]);
            await p.stop();
          } finally {
            await Deno.remove(bin, { recursive: true });
          }
        },
      );

      await t.step("drift: a flushed or deleted table is restored and counted", async () => {
        const p = start([
          "--drift-check-period",
          "500ms",
          "--metrics-bind-address",
          "127.0.0.1:10259",
          "--healthz-bind-address",
          "",
        ]);
        await p.waitForSyncs(1);
        for (
          const cmd of [["flush", "table", "ip", "kube-nft-proxy"], [
            "delete",
            "table",
            "ip",
            "kube-nft-proxy",
          ]]
        ) {
          const restoredBefore = p.lines.filter((l) => l.includes("restoring it")).length;
          await topo.exec("node", ["nft", ...cmd]);
          // The drift check notices it (one log line per restore) and the service answers again.
          await eventually(async () => {
            const restored = p.lines.filter((l) => l.includes("restoring it")).length;
            assert.ok(restored > restoredBefore, `nft ${cmd.join(" ")} was not noticed`);
            const s = summarize(await topo.probe({ from: "client", to: VIP, port: 80, count: 5 }));
            assert.equal(s.ok, 5);
          }, 8000);
        }
        assert.ok(p.lines.filter((l) => l.includes("restoring it")).length >= 2);
        const m = await httpGet(topo, "http://127.0.0.1:10259/metrics");
        const fam =
          (parsePrometheusText(m.body) as { name: string; metrics: { value: string }[] }[])
            .find((f) => f.name === "kubeproxy_sync_proxy_rules_drift_restored_total");
        assert.ok(fam && fam.metrics.some((x) => Number(x.value) >= 2), "drift counted twice");
        await p.stop();
      });

      await t.step(
        "restart: the new process takes over the table with no failed connection",
        async () => {
          const first = start(["--healthz-bind-address", "", "--metrics-bind-address", ""]);
          await first.waitForSyncs(1);
          const probing = topo.probe({
            from: "client",
            to: VIP,
            port: 80,
            count: 150,
            intervalMs: 20,
          });
          await new Promise((r) => setTimeout(r, 300));
          await first.stop();
          const second = start(["--healthz-bind-address", "", "--metrics-bind-address", ""]);
          await second.waitForSyncs(1);
          const s = summarize(await probing);
          assert.equal(
            s.ok,
            150,
            `failures during takeover: refused=${s.refused} timeout=${s.timeout}`,
          );
          await second.stop();
        },
      );

      await t.step("--cleanup removes the proxy's tables only, and can run twice", async () => {
        for (let i = 0; i < 2; i++) {
          const p = ProxyProcess.start(topo.nsName("node"), ["--cleanup"]);
          assert.equal((await p.exited()).code, 0, p.lines.join("\n"));
        }
        const rules = await topo.listRuleset();
        assert.doesNotMatch(rules, /kube-nft-proxy/);
        assert.match(rules, /table inet other-software/);
      });
    } finally {
      for (const p of procs) await p.stop();
      await topo.destroy();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
