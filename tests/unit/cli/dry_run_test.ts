import assert from "node:assert/strict";
import { dryRunScript } from "../../../src/cli/dry_run.ts";
import { configFromFlags } from "../../../src/config/resolve_config.ts";
import { silentLogger } from "../../../src/log/logger.ts";
import { FakeNftRunner } from "../../../src/nft/fake_nft_runner.ts";

const WALKTHROUGH = new URL("../../../examples/walkthrough/", import.meta.url).pathname;

Deno.test("dryRunScript() renders the full script of the objects read once from --manifests", async () => {
  const config = configFromFlags([
    `--manifests=${WALKTHROUGH}`,
    "--hostname-override=worker-0",
    "--cluster-cidr=10.244.0.0/16",
  ]);
  const script = await dryRunScript(config, silentLogger);
  // It replaces the proxy's own tables in one transaction, and only them.
  assert.match(script, /^add table ip kube-nft-proxy\ndelete table ip kube-nft-proxy\n/);
  assert.match(script, /10\.96\.0\.10 \. tcp \. 80/);
  assert.match(script, /10\.244\.1\.11 \. 8080/);
  assert.doesNotMatch(script, /table (ip|ip6|inet) (?!kube-nft-proxy)/);
  // The script loads as one transaction (here into the in-memory ruleset), twice alike.
  const runner = new FakeNftRunner();
  await runner.apply(script);
  const once = runner.dump();
  await runner.apply(script);
  assert.equal(runner.dump(), once);
});

Deno.test("dryRunScript() uses the configured table name and the daemon's settings", async () => {
  const config = configFromFlags([
    `--manifests=${WALKTHROUGH}`,
    "--hostname-override=worker-0",
    "--nft-table=lab",
    "--masquerade-all",
  ]);
  const script = await dryRunScript(config, silentLogger);
  assert.match(script, /^add table ip lab\n/);
  assert.doesNotMatch(script, /table (ip|ip6) kube-nft-proxy/);
  assert.match(script, /^table ip6 lab \{$/m);
  // --masquerade-all, as the daemon renders it: every packet to a ClusterIP is masqueraded.
  assert.match(script, /^\t\tip daddr @cluster-ips jump mark-for-masquerade$/m);
});
