import assert from "node:assert/strict";
import { resolveConfig } from "../../../src/config/resolve_config.ts";
import { ConfigError } from "../../../src/config/config_error.ts";
import { describeBounds, MAX_DURATION_MS } from "../../../src/config/duration_bounds.ts";
import { HEAD, memoryHost } from "../../support/config_files.ts";

/** Resolving fails with a ConfigError whose message matches and whose origin is `origin`. */
async function rejects(
  argv: string[],
  pattern: RegExp,
  origin: string,
  files: Record<string, string> = {},
) {
  await assert.rejects(() => resolveConfig(argv, memoryHost(files)), (e: unknown) => {
    assert.ok(e instanceof ConfigError, `not a ConfigError: ${e}`);
    assert.match(e.message, pattern);
    const o = e.origin;
    const got = o?.kind === "flag" ? `--${o.flag}` : o?.kind === "file" ? o.field : "none";
    assert.equal(got, origin, e.message);
    return true;
  });
}

const file = (yaml: string) => ({ "c.yaml": HEAD + yaml });

Deno.test("errors name the flag when the value came from a flag", async () => {
  await rejects(
    ["--cluster-cidr=10.0.0.0/33"],
    /"10\.0\.0\.0\/33" for --cluster-cidr: want a CIDR/,
    "--cluster-cidr",
  );
  await rejects(
    ["--cluster-cidr=10.0.0.0/8,10.1.0.0/16"],
    /for --cluster-cidr: at most one per IP family/,
    "--cluster-cidr",
  );
  await rejects(
    ["--detect-local-mode=Magic"],
    /"Magic" for --detect-local-mode/,
    "--detect-local-mode",
  );
  await rejects(
    ["--detect-local-mode=BridgeInterface"],
    /for --pod-bridge-interface: needed by detect-local-mode BridgeInterface/,
    "--pod-bridge-interface",
  );
  await rejects(
    ["--nodeport-addresses=primary,10.0.0.0/8"],
    /for --nodeport-addresses: 'primary' cannot be combined/,
    "--nodeport-addresses",
  );
  await rejects(
    ["--nodeport-addresses=10.0.0.1"],
    /"10\.0\.0\.1" for --nodeport-addresses: want a CIDR/,
    "--nodeport-addresses",
  );
  await rejects(["--service-cidrs=10.96.0.0/12;x"], /for --service-cidrs/, "--service-cidrs");
  await rejects(
    ["--healthz-bind-address=0.0.0.0:99999"],
    /for --healthz-bind-address: port 99999 is out of range/,
    "--healthz-bind-address",
  );
  await rejects(
    ["--healthz-bind-address=:10256"],
    /":10256" for --healthz-bind-address: the IP is missing/,
    "--healthz-bind-address",
  );
  await rejects(
    ["--metrics-bind-address=localhost:10249"],
    /for --metrics-bind-address: "localhost" is not an IP address/,
    "--metrics-bind-address",
  );
  await rejects(
    ["--bind-address=node-a"],
    /"node-a" for --bind-address: want an IP/,
    "--bind-address",
  );
  await rejects(["--nft-table=kube proxy"], /for --nft-table/, "--nft-table");
  await rejects(["--v=11"], /for --v: must be 0\.\.10/, "--v");
  await rejects(["--logging-format=xml"], /for --logging-format/, "--logging-format");
  await rejects(["--hostname-override=Node_A!"], /for --hostname-override/, "--hostname-override");
  await rejects(
    ["--proxy-mode=userspace"],
    /"userspace" for --proxy-mode: want nftables, iptables, ipvs or empty/,
    "--proxy-mode",
  );
  await rejects(
    ["--iptables-masquerade-bit=32"],
    /for --iptables-masquerade-bit: must be 0\.\.31/,
    "--iptables-masquerade-bit",
  );
  await rejects(["--conntrack-min=-1"], /for --conntrack-min: must be 0\.\./, "--conntrack-min");
});

Deno.test("the same errors name the field and the file when the value came from --config", async () => {
  await rejects(
    ["--config=c.yaml"],
    /for clusterCIDR in c\.yaml: want a CIDR/,
    "clusterCIDR",
    file("clusterCIDR: 10.0.0.0/33\n"),
  );
  await rejects(
    ["--config=c.yaml"],
    /for nftables\.masqueradeBit in c\.yaml: must be 0\.\.31/,
    "nftables.masqueradeBit",
    file("mode: nftables\nnftables:\n  masqueradeBit: 32\n"),
  );
  await rejects(
    ["--config=c.yaml"],
    /for iptables\.masqueradeBit in c\.yaml/,
    "iptables.masqueradeBit",
    file("mode: iptables\niptables:\n  masqueradeBit: -1\n"),
  );
  await rejects(
    ["--config=c.yaml"],
    /for detectLocalMode in c\.yaml/,
    "detectLocalMode",
    file("detectLocalMode: Nope\n"),
  );
  await rejects(
    ["--config=c.yaml"],
    /for detectLocal\.bridgeInterface in c\.yaml/,
    "detectLocal.bridgeInterface",
    file("detectLocalMode: BridgeInterface\n"),
  );
  await rejects(
    ["--config=c.yaml"],
    /"0\.0\.0\.0:abc" for metricsBindAddress in c\.yaml/,
    "metricsBindAddress",
    file("metricsBindAddress: 0.0.0.0:abc\n"),
  );
  await rejects(
    ["--config=c.yaml"],
    /":10256" for healthzBindAddress in c\.yaml: the IP is missing/,
    "healthzBindAddress",
    file('healthzBindAddress: ":10256"\n'),
  );
  await rejects(
    ["--config=c.yaml"],
    /for nodePortAddresses in c\.yaml/,
    "nodePortAddresses",
    file("nodePortAddresses: [bogus]\n"),
  );
  await rejects(
    ["--config=c.yaml"],
    /"2s" for nftables\.minSyncPeriod in c\.yaml: must be at most the sync period \(1s\)/,
    "nftables.minSyncPeriod",
    file("mode: nftables\nnftables:\n  syncPeriod: 1s\n  minSyncPeriod: 2s\n"),
  );
  await rejects(
    ["--config=c.yaml"],
    /for bindAddress in c\.yaml/,
    "bindAddress",
    file("bindAddress: nope\n"),
  );
  await rejects(["--config=c.yaml"], /for mode in c\.yaml/, "mode", file("mode: kernelspace\n"));
});

Deno.test("every duration has bounds, and an out-of-range value names its origin", async () => {
  // setTimeout holds at most 2^31-1 ms: 600h would fire after 1 ms, in a loop.
  await rejects(
    ["--drift-check-period=600h"],
    /"600h0m0s" for --drift-check-period: must be 0 or 100ms\.\.596h0m0s/,
    "--drift-check-period",
  );
  await rejects(
    ["--full-sync-period=1000h"],
    /for --full-sync-period: must be 1s\.\.596h0m0s/,
    "--full-sync-period",
  );
  await rejects(["--sync-period=700h"], /for --sync-period/, "--sync-period");
  await rejects(
    ["--sync-period=0s"],
    /for --sync-period: must be 1ms\.\.596h0m0s/,
    "--sync-period",
  );
  await rejects(
    ["--iptables-sync-period=0s"],
    /for --iptables-sync-period/,
    "--iptables-sync-period",
  );
  await rejects(
    ["--config-sync-period=100ms"],
    /for --config-sync-period: must be 1s\.\./,
    "--config-sync-period",
  );
  await rejects(["--drift-check-period=10ms"], /for --drift-check-period/, "--drift-check-period");
  await rejects(
    ["--conntrack-tcp-timeout-established=500ms"],
    /for --conntrack-tcp-timeout-established: must be 0 or 1s\.\.596h0m0s/,
    "--conntrack-tcp-timeout-established",
  );
  await rejects(
    ["--config=c.yaml"],
    /"1000h0m0s" for configSyncPeriod in c\.yaml/,
    "configSyncPeriod",
    file("configSyncPeriod: 1000h\n"),
  );
  await rejects(
    ["--config=c.yaml"],
    /for conntrack\.udpTimeout in c\.yaml/,
    "conntrack.udpTimeout",
    file("conntrack:\n  udpTimeout: 700h\n"),
  );
  await rejects(
    ["--config=c.yaml"],
    /for nftables\.syncPeriod in c\.yaml/,
    "nftables.syncPeriod",
    file("mode: nftables\nnftables:\n  syncPeriod: 1000h\n"),
  );
  assert.ok(MAX_DURATION_MS < 2 ** 31 - 1);
  assert.equal(describeBounds("driftCheckPeriod"), "0 or 100ms..596h0m0s");
});

Deno.test("the longest allowed durations are accepted", async () => {
  const r = await resolveConfig([
    "--drift-check-period=596h",
    "--full-sync-period=596h",
    "--sync-period=596h",
    "--min-sync-period=596h",
  ], memoryHost({}));
  assert.equal(r.config.driftCheckPeriodMs, MAX_DURATION_MS);
});

Deno.test("an unreadable --config names the flag and the path", async () => {
  await assert.rejects(
    () => resolveConfig(["--config", "/missing.yaml"], memoryHost({})),
    (e: unknown) =>
      e instanceof ConfigError && /--config \/missing\.yaml: cannot read/.test(e.message),
  );
});
