import assert from "node:assert/strict";
import {
  defaultDraftValues,
  defaultServerAddresses,
  Draft,
  EXTENSION_DEFAULTS,
  UPSTREAM_DEFAULTS,
} from "../../../src/config/draft.ts";
import { fileOrigin, flagOrigin } from "../../../src/config/origin.ts";

Deno.test("defaultServerAddresses() picks upstream's IPv4 or IPv6 addresses from the bind address", () => {
  assert.deepEqual(defaultServerAddresses("0.0.0.0"), {
    healthz: "0.0.0.0:10256",
    metrics: "127.0.0.1:10249",
  });
  assert.deepEqual(defaultServerAddresses("::"), { healthz: "[::]:10256", metrics: "[::1]:10249" });
  assert.deepEqual(
    defaultServerAddresses("fd00::5,10.0.0.5"),
    { healthz: "[::]:10256", metrics: "[::1]:10249" },
    "the first address decides",
  );
});

Deno.test("defaultDraftValues() holds upstream's defaults and this proxy's own", () => {
  const v = defaultDraftValues();
  assert.equal(v.syncPeriodMs, 30_000);
  assert.equal(v.minSyncPeriodMs, 1_000);
  assert.equal(v.masqueradeBit, 14);
  assert.equal(v.detectLocalMode, "ClusterCIDR");
  assert.equal(v.conntrackMaxPerCore, 32_768);
  assert.equal(v.conntrackMin, 131_072);
  assert.equal(v.configSyncPeriodMs, 900_000);
  assert.equal(v.healthzBindAddress, "0.0.0.0:10256");
  assert.equal(v.metricsBindAddress, "127.0.0.1:10249");
  assert.equal(v.mode, "");
  for (const [k, value] of Object.entries(EXTENSION_DEFAULTS)) {
    assert.equal(v[k as keyof typeof v], value, k);
  }
  assert.equal(UPSTREAM_DEFAULTS.oomScoreAdj, -999);
  assert.notEqual(defaultDraftValues(), v, "a fresh object each time");
  v.nodePortAddresses.push("10.0.0.0/8");
  assert.deepEqual(defaultDraftValues().nodePortAddresses, [], "lists are not shared");
});

Deno.test("Draft.set() records each value's origin; unset values come from the default", () => {
  const d = new Draft();
  assert.deepEqual(d.origin("clusterCIDR"), { kind: "default" });
  d.set("clusterCIDR", "10.244.0.0/16", fileOrigin("c.yaml", "clusterCIDR"));
  d.set("clusterCIDR", "10.245.0.0/16", flagOrigin("cluster-cidr"));
  assert.equal(d.values.clusterCIDR, "10.245.0.0/16");
  assert.deepEqual(d.origin("clusterCIDR"), { kind: "flag", flag: "cluster-cidr" });
  assert.equal(d.passthrough.size, 0);
});
