import assert from "node:assert/strict";
import { serviceManifest } from "../../../fixtures/unit/manifest_files.ts";
import { withTempDir } from "../../../support/temp_dir.ts";
import { ClusterState, type ObjectChange } from "../../../../src/source/cluster_state.ts";
import {
  loadManifestsInto,
  startManifestSource,
} from "../../../../src/source/manifests/manifest_source.ts";
import { Logger } from "../../../../src/log/logger.ts";
import { eventually } from "../../../support/eventually.ts";

/** Waits until `check` passes (polling every 20 ms, for up to 5 s). */
function settle(check: () => void): Promise<void> {
  return eventually(() => Promise.resolve().then(check), 5000, 20);
}

function recorder(state: ClusterState): ObjectChange[] {
  const changes: ObjectChange[] = [];
  state.onChange((c) => changes.push(c));
  return changes;
}

Deno.test("loadManifestsInto() emits no change for unchanged objects and one for a changed one", async () => {
  await withTempDir("manifest_source_test_", async (dir) => {
    await Deno.writeTextFile(
      `${dir}/a.yaml`,
      `${serviceManifest("web")}---\n${serviceManifest("api")}`,
    );
    const state = new ClusterState();
    const changes = recorder(state);
    const first = await loadManifestsInto(dir, state);
    assert.deepEqual(first, { objects: 2, ignored: 0, problems: [] });
    assert.equal(changes.length, 2);

    // Same content, other formatting and another resourceVersion: nothing to do.
    await Deno.writeTextFile(
      `${dir}/a.yaml`,
      `# reformatted\n${serviceManifest("web").replace('"1"', '"7"')}---\n${
        serviceManifest("api")
      }\n\n`,
    );
    await loadManifestsInto(dir, state);
    assert.equal(changes.length, 2);

    await Deno.writeTextFile(
      `${dir}/a.yaml`,
      `${serviceManifest("web", 81)}---\n${serviceManifest("api")}`,
    );
    await loadManifestsInto(dir, state);
    assert.deepEqual(changes.slice(2).map((c) => c.key), ["default/web"]);
  });
});

Deno.test("loadManifestsInto() reports an object defined in two files and keeps the last", async () => {
  await withTempDir("manifest_source_test_", async (dir) => {
    await Deno.writeTextFile(`${dir}/a.yaml`, serviceManifest("web", 80));
    await Deno.writeTextFile(`${dir}/b.yaml`, serviceManifest("web", 81));
    const state = new ClusterState();
    const lines: string[] = [];
    const r = await loadManifestsInto(dir, state, {
      logger: new Logger({ write: (l) => lines.push(l) }),
    });
    assert.deepEqual(r.problems, [
      `${dir}/b.yaml: Service default/web is defined in ${dir}/a.yaml and ${dir}/b.yaml; using the last one`,
    ]);
    assert.equal(lines.length, 1);
    const web = state.get("Service", "default/web") as { spec: { ports: { port: number }[] } };
    assert.equal(web.spec.ports[0].port, 81);
  });
});

Deno.test("startManifestSource() applies an edit of one file of many, emitting only its changes", async () => {
  await withTempDir("manifest_source_test_", async (dir) => {
    for (let i = 0; i < 5; i++) {
      await Deno.writeTextFile(
        `${dir}/f${i}.yaml`,
        `${serviceManifest(`a${i}`)}---\n${serviceManifest(`b${i}`)}`,
      );
    }
    const state = new ClusterState();
    const lines: string[] = [];
    const logger = new Logger({ verbosity: 2, write: (l) => lines.push(l) });
    const src = await startManifestSource(dir, state, logger, 20);
    try {
      const changes = recorder(state);
      assert.equal(state.objects("Service").size, 10);
      await Deno.writeTextFile(
        `${dir}/f3.yaml`,
        `${serviceManifest("a3", 9090)}---\n${serviceManifest("b3")}`,
      );
      await settle(() => assert.deepEqual(changes.map((c) => c.key), ["default/a3"]));
      assert.ok(
        lines.some((l) => /Reloaded manifests .*parsed=1 files=5/.test(l)),
        lines.join("\n"),
      );

      // A broken edit keeps the file's objects; fixing it applies the fix.
      await Deno.writeTextFile(`${dir}/f3.yaml`, `${serviceManifest("a3", 9090)}---\nkind: [\n`);
      await settle(() => assert.ok(lines.some((l) => /f3\.yaml:\d+: YAML error/.test(l))));
      assert.equal(state.objects("Service").size, 10);
      await Deno.writeTextFile(`${dir}/f3.yaml`, serviceManifest("a3", 9090));
      await settle(() => assert.equal(state.get("Service", "default/b3"), undefined));
      assert.deepEqual(changes.map((c) => c.key), ["default/a3", "default/b3"]);
    } finally {
      src.stop();
    }
  });
});

Deno.test("startManifestSource() follows a single file replaced by rename, as editors save", async () => {
  await withTempDir("manifest_source_test_", async (dir) => {
    const file = `${dir}/cluster.yaml`;
    await Deno.writeTextFile(file, serviceManifest("web"));
    await Deno.writeTextFile(`${dir}/other.yaml`, serviceManifest("ignored"));
    const state = new ClusterState();
    const src = await startManifestSource(file, state, new Logger({ write: () => {} }), 20);
    try {
      assert.deepEqual([...state.objects("Service").keys()], ["default/web"]);
      await Deno.writeTextFile(`${dir}/.cluster.yaml.swp`, serviceManifest("api"));
      await Deno.rename(`${dir}/.cluster.yaml.swp`, file);
      await settle(() => assert.deepEqual([...state.objects("Service").keys()], ["default/api"]));
      await Deno.writeTextFile(file, `${serviceManifest("api")}---\n${serviceManifest("db")}`);
      await settle(() => assert.equal(state.objects("Service").size, 2));
    } finally {
      src.stop();
    }
  });
});
