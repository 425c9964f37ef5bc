import assert from "node:assert/strict";
import { parse } from "yaml";
import {
  FILE_FIELDS,
  UNUSED_FIELD_DEFAULTS,
  USED_FIELDS,
} from "../../../src/config/file_schema.ts";
import { hardWayConfig, kubeadmConfigConf } from "../../support/config_files.ts";

/** Every dotted path of the scalar and list leaves of a decoded YAML object. */
function leafPaths(value: unknown, prefix = ""): string[] {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return [prefix];
  return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => {
    const path = prefix === "" ? k : `${prefix}.${k}`;
    // Maps whose keys are data, not fields.
    if (path === "featureGates" || path === "logging.vmodule") return [path];
    return leafPaths(v, path);
  });
}

Deno.test("FILE_FIELDS knows every field kubeadm and the classic guides write", () => {
  for (const text of [kubeadmConfigConf(), hardWayConfig()]) {
    const unknown = leafPaths(parse(text)).filter((p) => !(p in FILE_FIELDS));
    assert.deepEqual(unknown, []);
  }
});

Deno.test("every dotted field has its parent declared as an object", () => {
  for (const path of Object.keys(FILE_FIELDS)) {
    const dot = path.lastIndexOf(".");
    if (dot < 0) continue;
    assert.equal(FILE_FIELDS[path.slice(0, dot)], "object", path);
  }
});

Deno.test("USED_FIELDS and the unused fields' defaults name declared fields, never the same one", () => {
  for (const f of USED_FIELDS) assert.ok(f in FILE_FIELDS, f);
  for (const f of Object.keys(UNUSED_FIELD_DEFAULTS)) {
    assert.ok(f in FILE_FIELDS, f);
    assert.ok(!USED_FIELDS.has(f), `${f} is used and has an unused-field default`);
  }
  assert.equal(UNUSED_FIELD_DEFAULTS["iptables.syncPeriod"], 30_000, "durations in ms");
});
