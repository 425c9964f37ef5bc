import assert from "node:assert/strict";
import { parseArgs } from "../../../src/config/flags.ts";
import { resolveWithText } from "../../../src/config/resolve_config.ts";
import { EXIT_CONFIG_CHANGED, EXIT_CONFIG_INVALID, runProxy } from "../../../src/cli/run_proxy.ts";
import { plannedConntrackSysctls } from "../../../src/host/conntrack_sysctls.ts";
import { Logger } from "../../../src/log/logger.ts";
import { FakeNftRunner } from "../../../src/nft/fake_nft_runner.ts";
import { eventually } from "../../support/eventually.ts";

const WALKTHROUGH = new URL("../../../examples/walkthrough/", import.meta.url).pathname;

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/**
 * A `--config` file for a proxy that touches nothing of this host: no conntrack sysctls (0
 * leaves the kernel alone), servers on free loopback ports. The flags below switch off what
 * would reach the host's tables: conntrack cleanup, drift monitoring, the takeover.
 */
function configText(healthz: number, metrics: number): string {
  return `kind: KubeProxyConfiguration
apiVersion: kubeproxy.config.k8s.io/v1alpha1
mode: nftables
hostnameOverride: worker-0
clusterCIDR: 10.244.0.0/16
healthzBindAddress: 127.0.0.1:${healthz}
metricsBindAddress: 127.0.0.1:${metrics}
conntrack:
  maxPerCore: 0
  min: 0
  tcpEstablishedTimeout: 0s
  tcpCloseWaitTimeout: 0s
`;
}

async function setup() {
  const dir = await Deno.makeTempDir({ prefix: "run_proxy_test_" });
  const file = `${dir}/config.yaml`;
  const [healthz, metrics] = [freePort(), freePort()];
  const text = configText(healthz, metrics);
  await Deno.writeTextFile(file, text);
  const args = parseArgs([
    `--config=${file}`,
    `--manifests=${WALKTHROUGH}`,
    "--conntrack-cleanup=false",
    "--drift-check-period=0",
    "--remove-upstream-rules=false",
  ]);
  const { config } = resolveWithText(args, text);
  assert.deepEqual(plannedConntrackSysctls(config.conntrack, 64), [], "no sysctl is written");
  const runner = new FakeNftRunner();
  const lines: string[] = [];
  let done = false;
  const run = runProxy(config, new Logger({ verbosity: 2, write: (l) => lines.push(l) }), {
    configText: text,
    checkConfig: (t) => Promise.resolve(void resolveWithText(args, t)),
    openRunner: () => ({ runner, backend: "exec", close() {} }),
    serverRetryMs: 100,
  }).finally(() => done = true);
  /** Ends the proxy (by a change of its --config) if a failed check left it running. */
  const cleanup = async () => {
    if (!done) await Deno.writeTextFile(file, `${text}# stop\n`);
    await run.catch(() => {});
    await Deno.remove(dir, { recursive: true });
  };
  return { dir, file, text, healthz, metrics, runner, lines, run, cleanup };
}

Deno.test("runProxy() programs the objects, serves health and metrics, and exits 1 when --config changes", async () => {
  const p = await setup();
  try {
    await eventually(
      () => {
        assert.deepEqual(p.runner.tableNames().sort(), ["ip kube-nft-proxy", "ip6 kube-nft-proxy"]);
        return Promise.resolve();
      },
      10_000,
      50,
    );
    const res = await fetch(`http://127.0.0.1:${p.healthz}/healthz`);
    assert.equal(res.status, 200, await res.text());
    assert.match(p.runner.dump(), /10\.96\.0\.10 \. tcp \. 80/, "the walkthrough's ClusterIP");
    const metrics = await (await fetch(`http://127.0.0.1:${p.metrics}/metrics`)).text();
    assert.match(
      metrics,
      /^kubeproxy_sync_proxy_rules_last_timestamp_seconds{ip_family="IPv4"} [1-9]/m,
    );
    await Deno.writeTextFile(p.file, p.text.replace("mode: nftables", "mode: iptables"));
    assert.equal(await p.run, EXIT_CONFIG_CHANGED);
    assert.match(p.lines.join("\n"), /The configuration file changed; exiting/);
    await assert.rejects(fetch(`http://127.0.0.1:${p.healthz}/healthz`), "servers stopped");
    assert.match(p.runner.dump(), /10\.96\.0\.10/, "the rules stay in place");
  } finally {
    await p.cleanup();
  }
});

Deno.test("runProxy() exits 2 when --config changes into an invalid file", async () => {
  const p = await setup();
  try {
    await eventually(
      async () => {
        const res = await fetch(`http://127.0.0.1:${p.healthz}/livez`);
        assert.equal(res.status, 200, await res.text());
      },
      10_000,
      50,
    );
    await Deno.writeTextFile(
      p.file,
      p.text.replace("clusterCIDR: 10.244.0.0/16", "clusterCIDR: nope"),
    );
    assert.equal(await p.run, EXIT_CONFIG_INVALID);
    assert.match(p.lines.join("\n"), /^E.*The configuration file changed and is invalid; exiting/m);
  } finally {
    await p.cleanup();
  }
});
