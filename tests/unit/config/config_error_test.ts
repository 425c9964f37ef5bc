import assert from "node:assert/strict";
import { ConfigError, invalidValue } from "../../../src/config/config_error.ts";
import { DEFAULT_ORIGIN, fileOrigin, flagOrigin } from "../../../src/config/origin.ts";

Deno.test("invalidValue() names the flag, or the field and the file, and the reason", () => {
  const fromFlag = invalidValue(flagOrigin("cluster-cidr"), "10.0.0.0/33", "want a CIDR");
  assert.ok(fromFlag instanceof ConfigError);
  assert.equal(fromFlag.message, 'invalid value "10.0.0.0/33" for --cluster-cidr: want a CIDR');
  assert.deepEqual(fromFlag.origin, { kind: "flag", flag: "cluster-cidr" });
  const fromFile = invalidValue(
    fileOrigin("/var/lib/kube-proxy/config.conf", "clusterCIDR"),
    "nope",
    "want a CIDR",
  );
  assert.equal(
    fromFile.message,
    'invalid value "nope" for clusterCIDR in /var/lib/kube-proxy/config.conf: want a CIDR',
  );
  assert.equal(
    invalidValue(DEFAULT_ORIGIN, "", "needs a value").message,
    'invalid value "" for the default: needs a value',
  );
});

Deno.test("invalidValue() prints numbers and booleans bare, other values as JSON", () => {
  assert.match(invalidValue(flagOrigin("v"), 11, "must be 0..10").message, / 11 for --v/);
  assert.match(invalidValue(flagOrigin("x"), false, "r").message, / false for --x/);
  assert.match(invalidValue(flagOrigin("x"), ["a"], "r").message, / \["a"\] for --x/);
  assert.match(invalidValue(flagOrigin("x"), "a\nb", "r").message, / "a\\nb" for --x/);
});

Deno.test("ConfigError keeps its cause and is told apart by name", () => {
  const cause = new Deno.errors.NotFound("no such file");
  const e = invalidValue(flagOrigin("config"), "/missing.yaml", "cannot read", { cause });
  assert.equal(e.cause, cause);
  assert.equal(e.name, "ConfigError");
  assert.equal(new ConfigError("plain").origin, undefined);
});
