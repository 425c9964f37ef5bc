import assert from "node:assert/strict";
import { BenchFlagError, DEFAULT_SECTIONS, parseBenchFlags } from "../flags.ts";

Deno.test("parseBenchFlags() runs sections a-j by default and the soak only when named", () => {
  const c = parseBenchFlags([]);
  assert.ok(c !== "help");
  assert.deepEqual(c.only, [...DEFAULT_SECTIONS]);
  assert.ok(!c.only.includes("soak"));
  const s = parseBenchFlags(["--only", "all,soak", "--soak-minutes=0.5"]);
  assert.ok(s !== "help");
  assert.equal(s.only.at(-1), "soak");
  assert.equal(s.soakMinutes, 0.5);
});

Deno.test("parseBenchFlags() writes YAML manifests unless told otherwise", () => {
  const c = parseBenchFlags(["--smoke"]);
  assert.ok(c !== "help");
  assert.equal(c.manifestFormat, "yaml");
  assert.deepEqual(c.sizes, [1000]);
  const j = parseBenchFlags(["--manifest-format", "json"]);
  assert.ok(j !== "help" && j.manifestFormat === "json");
});

Deno.test("parseBenchFlags() rejects unknown sections, formats and flags, naming them", () => {
  assert.throws(
    () => parseBenchFlags(["--only", "z"]),
    (e: Error) => e instanceof BenchFlagError && /unknown section z/.test(e.message),
  );
  assert.throws(
    () => parseBenchFlags(["--manifest-format", "toml"]),
    (e: Error) => e instanceof BenchFlagError && /--manifest-format/.test(e.message),
  );
  assert.throws(
    () => parseBenchFlags(["--soak-minutes", "-1"]),
    (e: Error) => e instanceof BenchFlagError && /--soak-minutes/.test(e.message),
  );
  assert.throws(
    () => parseBenchFlags(["--frobnicate", "1"]),
    (e: Error) => e instanceof BenchFlagError && /--frobnicate/.test(e.message),
  );
});
