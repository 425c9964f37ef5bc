import assert from "node:assert/strict";
import { serviceManifest } from "../../../fixtures/unit/manifest_files.ts";
import { withTempDir } from "../../../support/temp_dir.ts";
import { ManifestCache } from "../../../../src/source/manifests/manifest_cache.ts";
import { ManifestError } from "../../../../src/source/manifests/read_manifests.ts";

Deno.test("ManifestCache re-parses only the file that changed, and not a file merely touched", async () => {
  await withTempDir("manifest_cache_test_", async (dir) => {
    for (const n of ["a", "b", "c"]) {
      await Deno.writeTextFile(`${dir}/${n}.yaml`, serviceManifest(`web-${n}`));
    }
    const cache = new ManifestCache();
    const first = await cache.read(dir);
    assert.equal(cache.parses, 3);
    assert.ok(first.every((r) => r.parsed && !r.error));

    await Deno.writeTextFile(`${dir}/b.yaml`, serviceManifest("web-b", 8080));
    await Deno.utime(`${dir}/c.yaml`, new Date(), new Date(Date.now() + 5000));
    const second = await cache.read(dir);
    assert.equal(cache.parses, 4, "only b.yaml is parsed again");
    assert.deepEqual(second.map((r) => r.parsed), [false, true, false]);
    // Unchanged files hand back the very same objects.
    assert.equal(second[0].objects, first[0].objects);
    assert.equal(second[2].objects, first[2].objects);

    await Deno.remove(`${dir}/a.yaml`);
    assert.deepEqual((await cache.read(dir)).map((r) => r.file), [
      `${dir}/b.yaml`,
      `${dir}/c.yaml`,
    ]);
  });
});

Deno.test("ManifestCache keeps a broken file's last good objects and reports its line", async () => {
  await withTempDir("manifest_cache_test_", async (dir) => {
    await Deno.writeTextFile(`${dir}/a.yaml`, serviceManifest("web"));
    const cache = new ManifestCache();
    const [good] = await cache.read(dir);
    await Deno.writeTextFile(`${dir}/a.yaml`, `${serviceManifest("web")}oops: a: b\n`);
    const [bad] = await cache.read(dir);
    assert.ok(bad.error instanceof ManifestError);
    assert.match(bad.error.message, /a\.yaml:10: YAML error: /);
    assert.equal(bad.objects, good.objects);
  });
});

Deno.test("ManifestCache does not parse a file rewritten with the same content", async () => {
  await withTempDir("manifest_cache_test_", async (dir) => {
    await Deno.writeTextFile(`${dir}/a.yaml`, serviceManifest("web"));
    const cache = new ManifestCache();
    const [first] = await cache.read(dir);
    await Deno.writeTextFile(`${dir}/a.yaml`, serviceManifest("web")); // new mtime, same bytes
    await Deno.utime(`${dir}/a.yaml`, new Date(), new Date(Date.now() + 10_000));
    const [second] = await cache.read(dir);
    assert.equal(cache.parses, 1, "same SHA-256: not parsed again");
    assert.equal(second.parsed, false);
    assert.equal(second.objects, first.objects);
  });
});

Deno.test("ManifestCache rejects a path that cannot be read with a ManifestError naming it", async () => {
  await withTempDir("manifest_cache_test_", async (dir) => {
    const cache = new ManifestCache();
    await assert.rejects(cache.read(`${dir}/missing`), (e: unknown) => {
      assert.ok(e instanceof ManifestError);
      assert.equal(e.file, `${dir}/missing`);
      assert.match(e.message, /missing: cannot read: /);
      return true;
    });
  });
});
