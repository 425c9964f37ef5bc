import assert from "node:assert/strict";
import { resolveConfig } from "../../../src/config/resolve_config.ts";
import { formatHostPort } from "../../../src/config/host_port.ts";
import { HEAD, memoryHost } from "../../support/config_files.ts";

const FILE = HEAD + `mode: nftables
clusterCIDR: 10.200.0.0/16
hostnameOverride: from-file
nftables:
  masqueradeAll: true
  syncPeriod: 10s
logging:
  verbosity: 1
`;

const files = memoryHost({ "/etc/kp.yaml": FILE });

Deno.test("without --config, flags override the defaults", async () => {
  const r = await resolveConfig([
    "--cluster-cidr=10.244.0.0/16",
    "--masquerade-all",
    "--sync-period=20s",
    "--healthz-bind-address=127.0.0.1:9999",
  ], files);
  assert.deepEqual(r.config.clusterCIDRs.map((x) => x.text), ["10.244.0.0/16"]);
  assert.equal(r.config.masqueradeAll, true);
  assert.equal(r.config.syncPeriodMs, 20_000);
  assert.equal(formatHostPort(r.config.healthzBindAddress!), "127.0.0.1:9999");
  assert.deepEqual(r.notes.warnings, []);
});

Deno.test("with --config, the file wins over flags it can hold, and each ignored flag is warned about", async () => {
  const r = await resolveConfig(
    [
      "--config=/etc/kp.yaml",
      "--cluster-cidr=10.244.0.0/16",
      "--masquerade-all=false",
      "--sync-period=5s",
    ],
    files,
  );
  assert.deepEqual(r.config.clusterCIDRs.map((x) => x.text), ["10.200.0.0/16"], "file wins");
  assert.equal(r.config.masqueradeAll, true, "file wins");
  assert.equal(r.config.syncPeriodMs, 10_000, "file wins");
  assert.equal(r.config.minSyncPeriodMs, 1_000, "default");
  const w = r.notes.warnings.join("\n");
  assert.match(
    w,
    /flag --cluster-cidr is ignored: with --config, kube-proxy takes the file's settings \(set clusterCIDR in \/etc\/kp\.yaml\)/,
  );
  assert.match(w, /flag --masquerade-all is ignored.*set nftables\.masqueradeAll/);
  assert.match(w, /flag --sync-period is ignored.*set nftables\.syncPeriod/);
});

Deno.test("with --config, --hostname-override, --master, logging flags and this proxy's own flags still apply", async () => {
  const r = await resolveConfig([
    "--config=/etc/kp.yaml",
    "--hostname-override= Node-B ",
    "--master=https://192.0.2.10:6443",
    "--v=4",
    "--logging-format=json",
    "--manifests=/srv/cluster",
    "--service-cidrs=10.96.0.0/12",
    "--drift-check-period=0",
    "--nft-table=kp2",
  ], files);
  assert.equal(r.config.nodeName, "node-b", "trimmed and lower-cased, over the file's");
  assert.equal(r.config.master, "https://192.0.2.10:6443");
  assert.equal(r.config.verbosity, 4, "over logging.verbosity");
  assert.equal(r.config.loggingFormat, "json");
  assert.equal(r.config.manifests, "/srv/cluster");
  assert.deepEqual(r.config.serviceCIDRs.map((x) => x.text), ["10.96.0.0/12"]);
  assert.equal(r.config.driftCheckPeriodMs, 0);
  assert.equal(r.config.tableName, "kp2");
  assert.deepEqual(r.notes.warnings, []);
});

Deno.test("an empty --hostname-override is no override, as upstream", async () => {
  const r = await resolveConfig(["--config=/etc/kp.yaml", "--hostname-override="], files);
  assert.equal(r.config.nodeName, "from-file");
});

Deno.test("flags without a meaning here are accepted and warned about once", async () => {
  const r = await resolveConfig([
    "--oom-score-adj=-999",
    "--profiling",
    "--feature-gates=A=true",
    "--ipvs-scheduler=rr",
    "--kube-api-qps=20",
    "--kube-api-qps=30",
  ], files);
  const w = r.notes.warnings;
  for (
    const f of ["oom-score-adj", "profiling", "feature-gates", "ipvs-scheduler", "kube-api-qps"]
  ) {
    assert.equal(
      w.filter((l) => l.startsWith(`flag --${f} has no effect in kube-nft-proxy`)).length,
      1,
      f,
    );
  }
});

Deno.test("--iptables-*sync-period set the sync periods unless the mode is ipvs, as upstream", async () => {
  const ipt = await resolveConfig(
    ["--proxy-mode=iptables", "--iptables-sync-period=12s", "--iptables-min-sync-period=3s"],
    files,
  );
  assert.equal(ipt.config.syncPeriodMs, 12_000);
  assert.equal(ipt.config.minSyncPeriodMs, 3_000);
  assert.match(ipt.notes.warnings.join("\n"), /--proxy-mode "iptables" is not implemented/);
  const ipvs = await resolveConfig(["--proxy-mode=ipvs", "--iptables-sync-period=12s"], files);
  assert.equal(ipvs.config.syncPeriodMs, 30_000);
  assert.match(
    ipvs.notes.warnings.join("\n"),
    /--iptables-sync-period has no effect with --proxy-mode=ipvs/,
  );
  const mine = await resolveConfig(["--iptables-sync-period=12s", "--sync-period=40s"], files);
  assert.equal(mine.config.syncPeriodMs, 40_000, "--sync-period wins");
});

Deno.test("--iptables-masquerade-bit applies unless the mode is nftables", async () => {
  assert.equal(
    (await resolveConfig(["--iptables-masquerade-bit=3"], files)).config.masqueradeBit,
    3,
  );
  const nft = await resolveConfig(["--proxy-mode=nftables", "--iptables-masquerade-bit=3"], files);
  assert.equal(nft.config.masqueradeBit, 14);
  assert.match(nft.notes.warnings.join("\n"), /--iptables-masquerade-bit has no effect/);
});

Deno.test("--healthz-port and --metrics-port replace the port, and 0 disables the server", async () => {
  const r = await resolveConfig(["--healthz-port=12345", "--metrics-port=0"], files);
  assert.equal(formatHostPort(r.config.healthzBindAddress!), "0.0.0.0:12345");
  assert.equal(r.config.metricsBindAddress, null);
  const both = await resolveConfig(
    ["--healthz-bind-address=127.0.0.1", "--healthz-port=9000", "--metrics-bind-address=[::1]:1"],
    files,
  );
  assert.equal(formatHostPort(both.config.healthzBindAddress!), "127.0.0.1:9000");
  assert.equal(formatHostPort(both.config.metricsBindAddress!), "[::1]:1");
  assert.match(both.notes.warnings.join("\n"), /flag --healthz-port is deprecated/);
});

Deno.test("bind addresses: a bare IP gets the default port, empty disables, on flags too", async () => {
  const r = await resolveConfig(
    ["--metrics-bind-address=0.0.0.0", "--healthz-bind-address="],
    files,
  );
  assert.equal(formatHostPort(r.config.metricsBindAddress!), "0.0.0.0:10249");
  assert.equal(r.config.healthzBindAddress, null);
});

Deno.test("a DaemonSet's full set of upstream flags resolves, with warnings only", async () => {
  const r = await resolveConfig([
    "--kubeconfig=/var/lib/kube-proxy/kubeconfig.conf",
    "--hostname-override=node-a",
    "--bind-address=0.0.0.0",
    "--bind-address-hard-fail=false",
    "--cluster-cidr=10.244.0.0/16",
    "--proxy-mode=iptables",
    "--iptables-localhost-nodeports=false",
    "--conntrack-max-per-core=0",
    "--conntrack-tcp-timeout-close-wait=1h",
    "--config-sync-period=15m",
    "--oom-score-adj=-999",
    "--feature-gates=NFTablesProxyMode=true",
    "--v=2",
  ], files);
  assert.equal(r.command, "run");
  assert.equal(r.config.conntrack.maxPerCore, 0);
  assert.equal(r.config.nodeName, "node-a");
});
