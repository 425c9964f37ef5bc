import assert from "node:assert/strict";
import { resolveConfig } from "../../../src/config/resolve_config.ts";
import type { ProxyConfig } from "../../../src/config/proxy_config.ts";
import { formatHostPort } from "../../../src/config/host_port.ts";
import { hardWayConfig, HEAD, kubeadmConfigConf, memoryHost } from "../../support/config_files.ts";

async function fromFile(text: string, ...flags: string[]) {
  return await resolveConfig(["--config=c.yaml", ...flags], memoryHost({ "c.yaml": text }));
}

function addr(a: ProxyConfig["healthzBindAddress"]): string {
  return a ? formatHostPort(a) : "disabled";
}

/** Upstream's defaults as the effective configuration shows them. */
function assertUpstreamDefaults(c: ProxyConfig): void {
  assert.equal(addr(c.healthzBindAddress), "0.0.0.0:10256");
  assert.equal(addr(c.metricsBindAddress), "127.0.0.1:10249");
  assert.equal(c.syncPeriodMs, 30_000);
  assert.equal(c.minSyncPeriodMs, 1_000);
  assert.equal(c.masqueradeBit, 14);
  assert.equal(c.masqueradeAll, false);
  assert.equal(c.detectLocalMode, "ClusterCIDR");
  assert.equal(c.nodePortAddresses, "primary");
  assert.equal(c.configSyncPeriodMs, 15 * 60_000);
  assert.deepEqual(c.nodeIPOverride, []);
  assert.equal(c.bindAddressHardFail, false);
  assert.deepEqual(c.conntrack, {
    maxPerCore: 32768,
    min: 131072,
    tcpEstablishedTimeoutMs: 24 * 3_600_000,
    tcpCloseWaitTimeoutMs: 3_600_000,
    tcpBeLiberal: false,
    udpTimeoutMs: 0,
    udpStreamTimeoutMs: 0,
  });
  assert.equal(c.verbosity, 0);
  assert.equal(c.loggingFormat, "text");
}

Deno.test("resolveConfig() starts kubeadm's config.conf with upstream's defaults", async () => {
  const r = await fromFile(kubeadmConfigConf());
  assertUpstreamDefaults(r.config);
  assert.deepEqual(r.config.clusterCIDRs.map((x) => x.text), ["10.244.0.0/16"]);
  assert.equal(r.config.kubeconfig, "/var/lib/kube-proxy/kubeconfig.conf");
  assert.equal(r.config.nodeName, "node-a", "the lower-cased hostname");
  assert.deepEqual(r.notes.warnings, [], "zero values are not worth a warning");
  assert.deepEqual(r.notes.unusedFields, [], "nothing kubeadm left at zero is listed");
});

Deno.test("resolveConfig() starts kubeadm's config.conf in iptables mode with the same defaults", async () => {
  const r = await fromFile(kubeadmConfigConf().replace('mode: ""', "mode: iptables"));
  assertUpstreamDefaults(r.config);
  assert.equal(r.notes.warnings.length, 1);
  assert.match(r.notes.warnings[0], /mode "iptables" is not implemented: only nftables is/);
});

Deno.test("resolveConfig() defaults an empty file and no file the same way", async () => {
  assertUpstreamDefaults((await fromFile(HEAD)).config);
  assertUpstreamDefaults((await resolveConfig([], memoryHost({}))).config);
});

/**
 * The defaulting table: a field as written in the file, and the effective value. Zero, empty
 * and null mean the default exactly where upstream's SetDefaults_KubeProxyConfiguration says so.
 */
const TABLE: { yaml: string; get: (c: ProxyConfig) => unknown; want: unknown }[] = [
  {
    yaml: "mode: nftables\nnftables:\n  syncPeriod: 0s\n",
    get: (c) => c.syncPeriodMs,
    want: 30_000,
  },
  {
    yaml: "mode: nftables\nnftables:\n  minSyncPeriod: 0s\n",
    get: (c) => c.minSyncPeriodMs,
    want: 1_000,
  },
  {
    yaml: "mode: nftables\nnftables:\n  minSyncPeriod: 250ms\n",
    get: (c) => c.minSyncPeriodMs,
    want: 250,
  },
  {
    yaml: "mode: nftables\nnftables:\n  masqueradeBit: null\n",
    get: (c) => c.masqueradeBit,
    want: 14,
  },
  {
    yaml: "mode: nftables\nnftables:\n  masqueradeBit: 0\n",
    get: (c) => c.masqueradeBit,
    want: 0,
  },
  {
    yaml: "healthzBindAddress: ''\n",
    get: (c) => addr(c.healthzBindAddress),
    want: "0.0.0.0:10256",
  },
  {
    yaml: "healthzBindAddress: 10.0.0.5\n",
    get: (c) => addr(c.healthzBindAddress),
    want: "10.0.0.5:10256",
  },
  {
    yaml: "metricsBindAddress: 0.0.0.0\n",
    get: (c) => addr(c.metricsBindAddress),
    want: "0.0.0.0:10249",
  },
  {
    yaml: "metricsBindAddress: '::'\n",
    get: (c) => addr(c.metricsBindAddress),
    want: "[::]:10249",
  },
  { yaml: "bindAddress: '::'\n", get: (c) => addr(c.healthzBindAddress), want: "[::]:10256" },
  { yaml: "bindAddress: '::'\n", get: (c) => addr(c.metricsBindAddress), want: "[::1]:10249" },
  { yaml: "bindAddress: ''\n", get: (c) => c.nodeIPOverride, want: [] },
  {
    yaml: "bindAddress: 192.0.2.5\n",
    get: (c) => c.nodeIPOverride.map((ip) => ip.text),
    want: ["192.0.2.5"],
  },
  { yaml: "detectLocalMode: ''\n", get: (c) => c.detectLocalMode, want: "ClusterCIDR" },
  { yaml: "nodePortAddresses: null\n", get: (c) => c.nodePortAddresses, want: "primary" },
  { yaml: "nodePortAddresses: []\n", get: (c) => c.nodePortAddresses, want: "primary" },
  {
    yaml: "nodePortAddresses: ['0.0.0.0/0', '::/0']\n",
    get: (c) => (c.nodePortAddresses as { text: string }[]).map((x) => x.text),
    want: ["0.0.0.0/0", "::/0"],
  },
  { yaml: "conntrack:\n  maxPerCore: null\n", get: (c) => c.conntrack.maxPerCore, want: 32768 },
  { yaml: "conntrack:\n  maxPerCore: 0\n", get: (c) => c.conntrack.maxPerCore, want: 0 },
  { yaml: "conntrack:\n  min: null\n", get: (c) => c.conntrack.min, want: 131072 },
  {
    yaml: "conntrack:\n  tcpEstablishedTimeout: null\n",
    get: (c) => c.conntrack.tcpEstablishedTimeoutMs,
    want: 86_400_000,
  },
  {
    yaml: "conntrack:\n  tcpEstablishedTimeout: 0s\n",
    get: (c) => c.conntrack.tcpEstablishedTimeoutMs,
    want: 0,
  },
  {
    yaml: "conntrack:\n  tcpCloseWaitTimeout: null\n",
    get: (c) => c.conntrack.tcpCloseWaitTimeoutMs,
    want: 3_600_000,
  },
  { yaml: "conntrack:\n  udpTimeout: 0s\n", get: (c) => c.conntrack.udpTimeoutMs, want: 0 },
  { yaml: "configSyncPeriod: 0s\n", get: (c) => c.configSyncPeriodMs, want: 900_000 },
  { yaml: "logging:\n  format: ''\n", get: (c) => c.loggingFormat, want: "text" },
  { yaml: "logging:\n  verbosity: 4\n", get: (c) => c.verbosity, want: 4 },
];

Deno.test("resolveConfig() follows upstream's defaulting table", async () => {
  for (const row of TABLE) {
    const r = await fromFile(HEAD + row.yaml);
    assert.deepEqual(row.get(r.config), row.want, row.yaml);
  }
});

Deno.test("resolveConfig() maps mode iptables' iptables.* fields onto nftables, with a warning", async () => {
  const r = await fromFile(
    HEAD + `mode: iptables
iptables:
  masqueradeAll: true
  masqueradeBit: 5
  syncPeriod: 10s
  minSyncPeriod: 2s
  localhostNodePorts: true
nftables:
  masqueradeBit: 7
  syncPeriod: 99s
ipvs:
  scheduler: rr
`,
    "--v=2",
  );
  assert.equal(r.config.masqueradeAll, true);
  assert.equal(r.config.masqueradeBit, 5);
  assert.equal(r.config.syncPeriodMs, 10_000);
  assert.equal(r.config.minSyncPeriodMs, 2_000);
  const w = r.notes.warnings.join("\n");
  assert.match(
    w,
    /mode "iptables" is not implemented: only nftables is; using nftables with the iptables\.\* settings/,
  );
  assert.match(w, /iptables\.localhostNodePorts: true is not supported/);
  assert.deepEqual(r.notes.unusedFields.sort(), [
    "ipvs.scheduler",
    "nftables.masqueradeBit",
    "nftables.syncPeriod",
  ]);
});

Deno.test("resolveConfig() reads an empty mode as upstream does (iptables.*), and warns about nftables.*", async () => {
  const r = await fromFile(HEAD + "iptables:\n  syncPeriod: 7s\nnftables:\n  syncPeriod: 9s\n");
  assert.equal(r.config.syncPeriodMs, 7_000);
  assert.match(r.notes.warnings.join("\n"), /nftables\.syncPeriod ignored: mode is empty/);
});

Deno.test("resolveConfig() lists ipvs.* as unused for mode ipvs, and maps iptables.*", async () => {
  const r = await fromFile(
    HEAD +
      "mode: ipvs\nipvs:\n  syncPeriod: 5s\n  strictARP: true\niptables:\n  masqueradeBit: 3\n",
  );
  assert.equal(r.config.masqueradeBit, 3);
  assert.equal(r.config.syncPeriodMs, 30_000, "ipvs.syncPeriod is not used");
  assert.deepEqual(r.notes.unusedFields.sort(), ["ipvs.strictARP", "ipvs.syncPeriod"]);
  assert.match(
    r.notes.warnings[0],
    /mode "ipvs" is not implemented.*the ipvs\.\* settings are ignored/,
  );
});

Deno.test("resolveConfig() starts the classic guides' file (mode iptables, a kubeconfig)", async () => {
  const r = await fromFile(hardWayConfig());
  assertUpstreamDefaults(r.config);
  assert.equal(r.config.kubeconfig, "/var/lib/kube-proxy/kubeconfig");
  assert.deepEqual(r.config.clusterCIDRs.map((x) => x.text), ["10.200.0.0/16"]);
});
