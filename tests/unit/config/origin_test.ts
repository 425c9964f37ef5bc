import assert from "node:assert/strict";
import {
  DEFAULT_ORIGIN,
  describeOrigin,
  fileOrigin,
  flagOrigin,
} from "../../../src/config/origin.ts";

Deno.test("describeOrigin() names a flag with its dashes and a field with its file", () => {
  assert.equal(describeOrigin(flagOrigin("healthz-bind-address")), "--healthz-bind-address");
  assert.equal(
    describeOrigin(fileOrigin("/etc/kube-proxy/config.conf", "nftables.syncPeriod")),
    "nftables.syncPeriod in /etc/kube-proxy/config.conf",
  );
  assert.equal(describeOrigin(DEFAULT_ORIGIN), "the default");
});

Deno.test("origins are plain data, and the default one cannot be changed", () => {
  assert.deepEqual(flagOrigin("v"), { kind: "flag", flag: "v" });
  assert.deepEqual(fileOrigin("c.yaml", "mode"), { kind: "file", field: "mode", file: "c.yaml" });
  assert.ok(Object.isFrozen(DEFAULT_ORIGIN));
});
