import assert from "node:assert/strict";
import { resolveOptions, settingsFrom, validateOptions } from "../../src/config/resolve_options.ts";
import { defaultOptions, type ProxyOptions } from "../../src/config/options.ts";
import { ConfigError } from "../../src/config/config_error.ts";

const FILE = `kind: KubeProxyConfiguration
apiVersion: kubeproxy.config.k8s.io/v1alpha1
mode: "iptables"
clusterCIDR: "10.200.0.0/16"
nftables:
  masqueradeAll: true
  syncPeriod: 10s
`;

function reader(files: Record<string, string>) {
  return (path: string | URL) => {
    const text = files[String(path)];
    return text === undefined
      ? Promise.reject(new Deno.errors.NotFound(`no such file: ${path}`))
      : Promise.resolve(text);
  };
}

Deno.test("resolveOptions() merges defaults, the file and flags, flags winning", async () => {
  const r = await resolveOptions(
    ["--config=/etc/kp.yaml", "--cluster-cidr=10.244.0.0/16", "--masquerade-all=false"],
    reader({ "/etc/kp.yaml": FILE }),
  );
  assert.equal(r.options.clusterCIDR, "10.244.0.0/16", "flag beats file");
  assert.equal(r.options.masqueradeAll, false, "flag beats file");
  assert.equal(r.options.syncPeriodMs, 10_000, "file beats default");
  assert.equal(r.options.minSyncPeriodMs, 1_000, "default");
  assert.equal(r.options.masqueradeBit, 14);
  assert.equal(r.warnings.length, 1, "mode iptables warns, is not an error");
  assert.match(r.warnings[0], /iptables/);
});

Deno.test("resolveOptions() warns about --proxy-mode other than nftables", async () => {
  const r = await resolveOptions(["--proxy-mode=ipvs"], reader({}));
  assert.match(r.warnings.join("\n"), /--proxy-mode "ipvs" is not implemented/);
});

Deno.test("resolveOptions() names --config when the file cannot be read", async () => {
  await assert.rejects(
    () => resolveOptions(["--config", "/missing.yaml"], reader({})),
    (e: unknown) =>
      e instanceof ConfigError &&
      /--config \/missing\.yaml: cannot read/.test((e as Error).message),
  );
});

async function rejectsNaming(argv: string[], pattern: RegExp, files: Record<string, string> = {}) {
  await assert.rejects(() => resolveOptions(argv, reader(files)), (e: unknown) => {
    assert.ok(e instanceof ConfigError, `not a ConfigError: ${e}`);
    assert.match((e as Error).message, pattern);
    return true;
  });
}

Deno.test("resolveOptions() validation messages name the flag", async () => {
  await rejectsNaming(
    ["--detect-local-mode=Magic"],
    /invalid value "Magic" for --detect-local-mode/,
  );
  await rejectsNaming(
    ["--cluster-cidr=10.0.0.0/33"],
    /"10\.0\.0\.0\/33" for --cluster-cidr: not a CIDR/,
  );
  await rejectsNaming(
    ["--cluster-cidr=10.0.0.0/8,10.1.0.0/16"],
    /for --cluster-cidr: at most one CIDR per IP family/,
  );
  await rejectsNaming(
    ["--nodeport-addresses=primary,10.0.0.0/8"],
    /--nodeport-addresses: 'primary' cannot be combined/,
  );
  await rejectsNaming(
    ["--nodeport-addresses=10.0.0.0/8,bogus"],
    /"bogus" for --nodeport-addresses/,
  );
  await rejectsNaming(["--service-cidrs=10.96.0.0/12;x"], /for --service-cidrs/);
  await rejectsNaming(
    ["--detect-local-mode=BridgeInterface"],
    /--pod-bridge-interface: needed by --detect-local-mode=BridgeInterface/,
  );
  await rejectsNaming(
    ["--detect-local-mode=InterfaceNamePrefix", '--pod-interface-name-prefix=veth"'],
    /--pod-interface-name-prefix/,
  );
  await rejectsNaming(
    ["--healthz-bind-address=0.0.0.0"],
    /for --healthz-bind-address: want IP:PORT/,
  );
  await rejectsNaming(["--metrics-bind-address=[::1]:99999"], /for --metrics-bind-address/);
  await rejectsNaming(["--nft-table=kube proxy"], /for --nft-table/);
  await rejectsNaming(["--v=11"], /for --v: must be 0\.\.10/);
  await rejectsNaming(["--logging-format=xml"], /for --logging-format/);
  await rejectsNaming(["--sync-period=0s"], /--sync-period: must be > 0/);
  await rejectsNaming(["--hostname-override=Node_A!"], /for --hostname-override/);
  await rejectsNaming(
    ["--config=c.yaml"],
    /nftables\.masqueradeBit: must be 0\.\.31/,
    { "c.yaml": FILE + "  masqueradeBit: 32\n" },
  );
  await rejectsNaming(
    ["--config=c.yaml"],
    /for --detect-local-mode/,
    { "c.yaml": FILE + "detectLocalMode: Nope\n" },
  );
});

Deno.test("resolveOptions() accepts valid combinations", async () => {
  const r = await resolveOptions([
    "--detect-local-mode=InterfaceNamePrefix",
    "--pod-interface-name-prefix=veth",
    "--nodeport-addresses=primary",
    "--healthz-bind-address=[::]:10256",
    "--metrics-bind-address=",
    "--hostname-override=Node-A.example",
  ], reader({}));
  assert.equal(r.options.detectLocalMode, "InterfaceNamePrefix");
  assert.deepEqual(r.options.nodePortAddresses, ["primary"]);
});

Deno.test("validateOptions() accepts the defaults", () => {
  validateOptions(defaultOptions());
});

Deno.test("settingsFrom() turns options into renderer settings", () => {
  const o: ProxyOptions = {
    ...defaultOptions(),
    clusterCIDR: "10.244.0.0/16, fd00:244::/48",
    nodePortAddresses: ["192.168.0.0/16"],
    serviceCIDRs: ["10.96.0.0/12"],
    masqueradeAll: true,
  };
  validateOptions(o);
  const s = settingsFrom(o, "node-a");
  assert.equal(s.nodeName, "node-a");
  assert.deepEqual(s.clusterCIDRs.map((c) => c.text), ["10.244.0.0/16", "fd00:244::/48"]);
  assert.ok(Array.isArray(s.nodePortAddresses));
  assert.deepEqual((s.nodePortAddresses as { text: string }[]).map((c) => c.text), [
    "192.168.0.0/16",
  ]);
  assert.deepEqual(s.serviceCIDRs.map((c) => c.text), ["10.96.0.0/12"]);
  assert.equal(s.masqueradeAll, true);
  assert.equal(
    settingsFrom({ ...defaultOptions(), nodePortAddresses: ["primary"] }, "n").nodePortAddresses,
    "primary",
  );
  assert.equal(settingsFrom(defaultOptions(), "n").nodePortAddresses, "primary");
});
