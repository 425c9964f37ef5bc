import assert from "node:assert/strict";
import { decodeConfigFile } from "../../../src/config/config_file.ts";
import { ConfigError } from "../../../src/config/config_error.ts";
import { hardWayConfig, HEAD, kubeadmConfigConf } from "../../support/config_files.ts";

function fails(text: string, pattern: RegExp): void {
  assert.throws(() => decodeConfigFile("cfg.yaml", text), (e: unknown) => {
    assert.ok(e instanceof ConfigError, `not a ConfigError: ${e}`);
    assert.match((e as Error).message, pattern);
    assert.match((e as Error).message, /cfg\.yaml/, "names the file");
    return true;
  });
}

Deno.test("decodeConfigFile() reads kubeadm's config.conf strictly: every field is known", () => {
  const f = decodeConfigFile("config.conf", kubeadmConfigConf());
  assert.deepEqual(f.unknown, []);
  assert.deepEqual(f.warnings, []);
  // Zero values as kubeadm writes them, typed: durations in ms, nil pointers as null.
  assert.equal(f.fields.get("nftables.syncPeriod"), 0);
  assert.equal(f.fields.get("conntrack.maxPerCore"), null);
  assert.equal(f.fields.get("conntrack.tcpEstablishedTimeout"), null);
  assert.equal(f.fields.get("conntrack.udpTimeout"), 0);
  assert.deepEqual(f.fields.get("nodePortAddresses"), []);
  assert.equal(f.fields.get("logging.flushFrequency"), 0);
  assert.equal(f.fields.get("logging.options.json.infoBufferSize"), "0");
  assert.equal(f.fields.get("healthzBindAddress"), "");
  assert.equal(f.fields.get("clientConnection.kubeconfig"), "/var/lib/kube-proxy/kubeconfig.conf");
});

Deno.test("decodeConfigFile() reads the classic guides' file", () => {
  const f = decodeConfigFile("kube-proxy-config.yaml", hardWayConfig());
  assert.equal(f.fields.get("mode"), "iptables");
  assert.equal(f.fields.get("clusterCIDR"), "10.200.0.0/16");
  assert.deepEqual(f.warnings, []);
});

Deno.test("decodeConfigFile() decodes unknown and duplicate fields leniently, naming them", () => {
  const f = decodeConfigFile(
    "cfg.yaml",
    HEAD + "clusterCidr: 10.0.0.0/8\nnftables:\n  syncPeriodd: 1s\n  syncPeriod: 5s\n",
  );
  assert.deepEqual(f.unknown, ["clusterCidr", "nftables.syncPeriodd"]);
  assert.equal(f.fields.get("nftables.syncPeriod"), 5000, "known fields still apply");
  assert.equal(f.warnings.length, 1);
  assert.match(f.warnings[0], /^cfg\.yaml: strict decoding failed, decoded leniently/);
  assert.match(f.warnings[0], /unknown fields clusterCidr, nftables\.syncPeriodd/);

  const dup = decodeConfigFile("cfg.yaml", HEAD + "mode: iptables\nmode: nftables\n");
  assert.equal(dup.fields.get("mode"), "nftables", "the last one wins, as Go's lenient decoder");
  assert.match(dup.warnings[0], /duplicate fields/);
});

Deno.test("decodeConfigFile() fails on a value of the wrong type, naming the field and file", () => {
  fails(
    HEAD + "nftables:\n  syncPeriod: 30\n",
    /invalid value 30 for nftables\.syncPeriod in cfg\.yaml: want a duration/,
  );
  fails(HEAD + "nftables:\n  minSyncPeriod: soon\n", /for nftables\.minSyncPeriod in cfg\.yaml/);
  fails(
    HEAD + "nftables:\n  masqueradeAll: yes-please\n",
    /for nftables\.masqueradeAll in cfg\.yaml: want true or false/,
  );
  fails(
    HEAD + "iptables:\n  masqueradeBit: 1.5\n",
    /for iptables\.masqueradeBit in cfg\.yaml: want an integer/,
  );
  fails(
    HEAD + "nodePortAddresses: 10.0.0.0/8\n",
    /for nodePortAddresses in cfg\.yaml: want a list of strings/,
  );
  fails(HEAD + "clusterCIDR: [a]\n", /for clusterCIDR in cfg\.yaml: want a string/);
  fails(HEAD + "conntrack: 5\n", /for conntrack in cfg\.yaml: want an object/);
  fails(HEAD + "featureGates:\n  A: on-ish\n", /for featureGates in cfg\.yaml/);
});

Deno.test("decodeConfigFile() checks kind, apiVersion and YAML syntax", () => {
  fails(
    "kind: Foo\napiVersion: kubeproxy.config.k8s.io/v1alpha1\n",
    /invalid value "Foo" for kind in cfg\.yaml: want KubeProxyConfiguration/,
  );
  fails(
    "kind: KubeProxyConfiguration\napiVersion: v1\n",
    /for apiVersion in cfg\.yaml: want kubeproxy/,
  );
  fails(HEAD + "mode: [\n", /^cfg\.yaml: YAML error/);
  fails("- a\n- b\n", /^cfg\.yaml: not a KubeProxyConfiguration object/);
  fails("", /^cfg\.yaml: not a KubeProxyConfiguration object/);
});

Deno.test("decodeConfigFile() reads logging.flushFrequency as a duration or nanoseconds", () => {
  const ns = decodeConfigFile("c", HEAD + "logging:\n  flushFrequency: 5000000000\n");
  assert.equal(ns.fields.get("logging.flushFrequency"), 5000);
  const d = decodeConfigFile("c", HEAD + "logging:\n  flushFrequency: 2s\n");
  assert.equal(d.fields.get("logging.flushFrequency"), 2000);
});
