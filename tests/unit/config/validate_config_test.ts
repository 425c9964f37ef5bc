import assert from "node:assert/strict";
import { ConfigError } from "../../../src/config/config_error.ts";
import { Draft } from "../../../src/config/draft.ts";
import { fileOrigin, flagOrigin } from "../../../src/config/origin.ts";
import { validateDraft } from "../../../src/config/validate_config.ts";

const host = { hostname: () => " Worker-0.Example.COM " };

Deno.test("validateDraft() parses the defaults into a typed configuration", () => {
  const c = validateDraft(new Draft(), "", host);
  assert.equal(c.nodeName, "worker-0.example.com", "the host name, trimmed and lowercased");
  assert.deepEqual(c.healthzBindAddress, { hostname: "0.0.0.0", port: 10256, family: 4 });
  assert.deepEqual(c.metricsBindAddress, { hostname: "127.0.0.1", port: 10249, family: 4 });
  assert.equal(c.nodePortAddresses, "primary");
  assert.deepEqual(c.clusterCIDRs, []);
  assert.deepEqual(c.nodeIPOverride, [], "0.0.0.0 is no override");
  assert.equal(c.tableName, "kube-nft-proxy");
  assert.equal(c.conntrack.maxPerCore, 32_768);
});

Deno.test("validateDraft() reads CIDRs one per family, bind addresses with default ports, 0.0.0.0/0", () => {
  const d = new Draft();
  d.set("clusterCIDR", "10.244.0.0/16, fd00:10:244::/56", flagOrigin("cluster-cidr"));
  d.set("nodePortAddresses", ["0.0.0.0/0", "::/0"], flagOrigin("nodeport-addresses"));
  d.set("metricsBindAddress", "0.0.0.0", flagOrigin("metrics-bind-address"));
  d.set("healthzBindAddress", "", flagOrigin("healthz-bind-address"));
  d.set("bindAddress", "192.168.1.10", flagOrigin("bind-address"));
  const c = validateDraft(d, "", host);
  assert.deepEqual(c.clusterCIDRs.map((x) => x.text), ["10.244.0.0/16", "fd00:10:244::/56"]);
  assert.deepEqual(
    c.nodePortAddresses === "primary" ? [] : c.nodePortAddresses.map((x) => x.text),
    ["0.0.0.0/0", "::/0"],
  );
  assert.deepEqual(c.metricsBindAddress, { hostname: "0.0.0.0", port: 10249, family: 4 });
  assert.equal(c.healthzBindAddress, null, "empty disables");
  assert.deepEqual(c.nodeIPOverride.map((ip) => ip.text), ["192.168.1.10"]);
});

Deno.test("validateDraft() names the origin of the first bad value: the flag, or the field and file", () => {
  const fromFile = new Draft();
  fromFile.set("clusterCIDR", "10.0.0.0/33", fileOrigin("/etc/kp.yaml", "clusterCIDR"));
  assert.throws(() => validateDraft(fromFile, "/etc/kp.yaml", host), (e: unknown) => {
    assert.ok(e instanceof ConfigError);
    assert.equal(
      e.message,
      'invalid value "10.0.0.0/33" for clusterCIDR in /etc/kp.yaml: want a CIDR such as 10.0.0.0/8',
    );
    return true;
  });
  // A value nobody set is named by the flag that would set it.
  const bridge = new Draft();
  bridge.set("detectLocalMode", "BridgeInterface", flagOrigin("detect-local-mode"));
  assert.throws(
    () => validateDraft(bridge, "", host),
    /for --pod-bridge-interface: needed by detect-local-mode BridgeInterface/,
  );
});

Deno.test("validateDraft() refuses values upstream refuses", () => {
  const cases: [(d: Draft) => void, RegExp][] = [
    [(d) => d.set("mode", "userspace", flagOrigin("proxy-mode")), /want nftables, iptables, ipvs/],
    [(d) => d.set("masqueradeBit", 32, flagOrigin("x")), /must be 0\.\.31/],
    [
      (d) => d.set("minSyncPeriodMs", 60_000, flagOrigin("min-sync-period")),
      /at most the sync period/,
    ],
    [
      (d) => d.set("healthzBindAddress", ":10256", flagOrigin("healthz-bind-address")),
      /the IP is missing/,
    ],
    [
      (d) => d.set("nodePortAddresses", ["primary", "10.0.0.0/8"], flagOrigin("x")),
      /cannot be combined/,
    ],
    [
      (d) => d.set("bindAddress", "10.0.0.1,10.0.0.2", flagOrigin("bind-address")),
      /one per IP family/,
    ],
    [(d) => d.set("tableName", "kube proxy", flagOrigin("nft-table")), /starting with a letter/],
    [
      (d) => d.set("hostnameOverride", "Node_A!", flagOrigin("hostname-override")),
      /not a valid node name/,
    ],
    [(d) => d.set("loggingFormat", "xml", flagOrigin("logging-format")), /want text or json/],
    [(d) => d.set("verbosity", 11, flagOrigin("v")), /must be 0\.\.10/],
  ];
  for (const [change, re] of cases) {
    const d = new Draft();
    change(d);
    assert.throws(() => validateDraft(d, "", host), re, String(re));
  }
});
