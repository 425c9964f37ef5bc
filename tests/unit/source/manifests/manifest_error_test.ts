import assert from "node:assert/strict";
import { ManifestError } from "../../../../src/source/manifests/manifest_error.ts";
import { ManifestError as Reexported } from "../../../../src/source/manifests/read_manifests.ts";

Deno.test("ManifestError names the file and, when known, the line, as editors jump to them", () => {
  const e = new ManifestError("cluster/web.yaml", 12, "YAML error: bad indentation");
  assert.equal(e.message, "cluster/web.yaml:12: YAML error: bad indentation");
  assert.deepEqual([e.name, e.file, e.line], ["ManifestError", "cluster/web.yaml", 12]);
  assert.equal(
    new ManifestError("cluster/", undefined, "cannot read").message,
    "cluster/: cannot read",
  );
});

Deno.test("ManifestError carries its cause and is the class read_manifests.ts exports", () => {
  const cause = new Deno.errors.NotFound("no such file");
  assert.equal(new ManifestError("f", undefined, "cannot read", { cause }).cause, cause);
  assert.equal(Reexported, ManifestError);
});
