import assert from "node:assert/strict";
import { parseConfigFile } from "../../src/config/config_file.ts";
import { ConfigError } from "../../src/config/config_error.ts";
import { formatDuration, parseDuration } from "../../src/config/duration.ts";

const HEAD = "kind: KubeProxyConfiguration\napiVersion: kubeproxy.config.k8s.io/v1alpha1\n";

function fails(text: string, pattern: RegExp): void {
  assert.throws(() => parseConfigFile("cfg.yaml", text), (e: unknown) => {
    assert.ok(e instanceof ConfigError, `not a ConfigError: ${e}`);
    assert.match((e as Error).message, pattern);
    assert.match((e as Error).message, /^cfg\.yaml: /, "names the file");
    return true;
  });
}

Deno.test("parseConfigFile() reads the seed-style file, warning about mode iptables", async () => {
  const text = await Deno.readTextFile(
    new URL("../../deploy/kube-proxy-config.yaml", import.meta.url),
  );
  const r = parseConfigFile("kube-proxy-config.yaml", text);
  assert.equal(r.values.kubeconfig, "/var/lib/kube-proxy/kubeconfig");
  assert.equal(r.values.clusterCIDR, "10.200.0.0/16");
  assert.equal(r.values.mode, "iptables");
  assert.equal(r.warnings.length, 1);
  assert.match(r.warnings[0], /mode "iptables" is not implemented/);
});

Deno.test("parseConfigFile() reads nftables, logging and detectLocal fields", () => {
  const r = parseConfigFile(
    "cfg.yaml",
    HEAD + `
mode: nftables
nftables:
  masqueradeAll: true
  masqueradeBit: 15
  syncPeriod: 1m30s
  minSyncPeriod: 500ms
nodePortAddresses: ["192.168.0.0/16", "fd00::/8"]
detectLocalMode: BridgeInterface
detectLocal:
  bridgeInterface: cni0
logging:
  format: json
  verbosity: 4
healthzBindAddress: 0.0.0.0:10256
conntrack:
  maxPerCore: 0
iptables:
  masqueradeBit: 14
`,
  );
  assert.deepEqual(r.values, {
    mode: "nftables",
    masqueradeAll: true,
    masqueradeBit: 15,
    syncPeriodMs: 90_000,
    minSyncPeriodMs: 500,
    nodePortAddresses: ["192.168.0.0/16", "fd00::/8"],
    detectLocalMode: "BridgeInterface",
    podBridgeInterface: "cni0",
    loggingFormat: "json",
    verbosity: 4,
    healthzBindAddress: "0.0.0.0:10256",
  });
  assert.deepEqual(r.warnings, []);
  assert.deepEqual(r.ignored.sort(), ["conntrack", "iptables.masqueradeBit"]);
});

Deno.test("parseConfigFile() fails on an unknown field, naming it", () => {
  fails(HEAD + "clusterCidr: 10.0.0.0/8\n", /unknown field "clusterCidr"/);
  fails(HEAD + "nftables:\n  syncPeriodd: 1s\n", /unknown field "nftables\.syncPeriodd"/);
  fails(HEAD + "logging:\n  colour: true\n", /unknown field "logging\.colour"/);
});

Deno.test("parseConfigFile() fails on a bad value, naming the field", () => {
  fails(HEAD + "nftables:\n  syncPeriod: 30\n", /field nftables\.syncPeriod: want a duration/);
  fails(HEAD + "nftables:\n  minSyncPeriod: soon\n", /field nftables\.minSyncPeriod/);
  fails(
    HEAD + "nftables:\n  masqueradeAll: yes-please\n",
    /field nftables\.masqueradeAll: want true or false/,
  );
  fails(
    HEAD + "nftables:\n  masqueradeBit: 1.5\n",
    /field nftables\.masqueradeBit: want an integer/,
  );
  fails(
    HEAD + "nodePortAddresses: 10.0.0.0/8\n",
    /field nodePortAddresses: want a list of strings/,
  );
  fails(HEAD + "clusterCIDR: [a]\n", /field clusterCIDR: want a string/);
});

Deno.test("parseConfigFile() checks kind, apiVersion and YAML syntax", () => {
  fails(
    "kind: Foo\napiVersion: kubeproxy.config.k8s.io/v1alpha1\n",
    /kind: want KubeProxyConfiguration/,
  );
  fails("kind: KubeProxyConfiguration\napiVersion: v1\n", /apiVersion: want kubeproxy/);
  fails(HEAD + "mode: [\n", /YAML error/);
  fails("- a\n- b\n", /not a KubeProxyConfiguration object/);
});

Deno.test("parseDuration() reads Go durations and formatDuration() writes them", () => {
  const cases: [string, number | undefined][] = [
    ["30s", 30_000],
    ["1m30s", 90_000],
    ["1h0m0s", 3_600_000],
    ["500ms", 500],
    ["1.5s", 1500],
    ["0", 0],
    ["", undefined],
    ["30", undefined],
    ["-1s", undefined],
    ["1d", undefined],
    ["s", undefined],
  ];
  for (const [input, want] of cases) assert.equal(parseDuration(input), want, input);
  assert.equal(parseDuration(30), undefined);
  assert.equal(formatDuration(90_000), "1m30s");
  assert.equal(formatDuration(500), "500ms");
  assert.equal(formatDuration(3_600_000), "1h0m0s");
  assert.equal(formatDuration(0), "0s");
});
