import assert from "node:assert/strict";
import { withTempDir } from "../../../support/temp_dir.ts";
import {
  addEntries,
  emptyManifestObjects,
  ManifestError,
  manifestFiles,
  parseManifestEntries,
  parseManifestText,
  readManifests,
} from "../../../../src/source/manifests/read_manifests.ts";
import { realisticObjects, writeClusterManifests } from "../../../support/cluster_manifests.ts";
import { toKubectlList } from "../../../support/kubectl_yaml.ts";

const SVC = `apiVersion: v1
kind: Service
metadata: {name: web}
spec: {clusterIP: 10.96.0.10, ports: [{port: 80}]}
`;

function withDir(files: Record<string, string>, fn: (dir: string) => Promise<void>) {
  return withTempDir("manifests_test_", async (dir) => {
    for (const [name, text] of Object.entries(files)) {
      await Deno.writeTextFile(`${dir}/${name}`, text);
    }
    await fn(dir);
  });
}

Deno.test("parseManifestText() reads multi-document files and flattens kind List", () => {
  const text = `${SVC}---
apiVersion: v1
kind: List
items:
  - apiVersion: v1
    kind: Node
    metadata: {name: node-a}
  - apiVersion: discovery.k8s.io/v1
    kind: EndpointSlice
    metadata: {name: web-1, namespace: prod}
    addressType: IPv4
---
# an empty document
---
{"apiVersion": "v1", "kind": "ServiceList", "items": [{"apiVersion": "v1", "kind": "Service", "metadata": {"name": "db"}}]}
`;
  const objs = parseManifestText("a.yaml", text);
  assert.deepEqual(objs.map((o) => `${o.kind}/${o.metadata?.name}`), [
    "Service/web",
    "Node/node-a",
    "EndpointSlice/web-1",
    "Service/db",
  ]);
});

Deno.test("parseManifestText() names the file and line of a YAML error", () => {
  const text = `${SVC}---\napiVersion: v1\nkind: Service\nspec: type: ClusterIP\nmetadata: {}\n`;
  assert.throws(() => parseManifestText("bad.yaml", text), (e: unknown) => {
    assert.ok(e instanceof ManifestError);
    assert.equal(e.file, "bad.yaml");
    assert.equal(e.line, 8);
    assert.match(e.message, /^bad\.yaml:8: YAML error: /);
    return true;
  });
  assert.throws(
    () => parseManifestText("s.yaml", "just a string\n"),
    /s\.yaml:1: document is not an object/,
  );
});

Deno.test("readManifests() reads a directory, ignores unknown kinds and defaults the namespace", async () => {
  await withDir({
    "b.yaml": SVC,
    "a.yml":
      `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\n---\napiVersion: v2\nkind: Service\nmetadata: {name: wrong-version}\n`,
    "c.json": JSON.stringify({
      apiVersion: "networking.k8s.io/v1",
      kind: "ServiceCIDR",
      metadata: { name: "kubernetes" },
      spec: { cidrs: ["10.96.0.0/16"] },
    }),
    "d.txt": "not: read",
    ".hidden.yaml": "also: not read",
  }, async (dir) => {
    const m = await readManifests(dir);
    assert.deepEqual(m.files.map((f) => f.slice(dir.length + 1)), ["a.yml", "b.yaml", "c.json"]);
    assert.equal(m.ignored, 2);
    const svc = m.byKind.get("Service")!;
    assert.equal(svc.length, 1);
    assert.equal(svc[0].metadata?.namespace, "default");
    assert.equal(m.byKind.get("ServiceCIDR")!.length, 1);
    assert.equal(m.byKind.get("ServiceCIDR")![0].metadata?.namespace, undefined, "cluster-scoped");
    assert.deepEqual(m.byKind.get("Node"), []);
  });
});

Deno.test("readManifests() names the file of a YAML error inside a directory", async () => {
  await withDir({ "ok.yaml": SVC, "zz.yaml": "a: [\n" }, async (dir) => {
    await assert.rejects(() => readManifests(dir), (e: unknown) => {
      assert.ok(e instanceof ManifestError);
      assert.equal(e.file, `${dir}/zz.yaml`);
      return true;
    });
  });
});

Deno.test("manifestFiles() takes a single file as is and reports a missing path", async () => {
  await withDir({ "one.yaml": SVC }, async (dir) => {
    assert.deepEqual(await manifestFiles(`${dir}/one.yaml`), [`${dir}/one.yaml`]);
    await assert.rejects(
      () => manifestFiles(`${dir}/missing`),
      (e: unknown) =>
        e instanceof ManifestError && /missing: cannot read/.test((e as Error).message),
    );
  });
});

Deno.test("parseManifestText() reads `kubectl get -o yaml` List output and `-o json` alike", () => {
  const objs = [...realisticObjects({ services: 3, endpointsPerService: 2, managedFields: true })];
  const fromYaml = parseManifestText("list.yaml", toKubectlList(objs));
  const fromJson = parseManifestText(
    "list.json",
    JSON.stringify({ apiVersion: "v1", kind: "List", items: objs }, null, 4),
  );
  assert.equal(fromYaml.length, 7);
  assert.deepEqual(fromYaml, fromJson);
  assert.deepEqual(fromYaml, JSON.parse(JSON.stringify(objs)));
});

Deno.test("parseManifestText() keeps timestamps and quoted numbers as strings, and reads merge keys", () => {
  const [svc] = parseManifestText(
    "t.yaml",
    `apiVersion: v1
kind: Service
metadata:
  name: web
  creationTimestamp: 2026-11-02T09:14:27Z
  resourceVersion: "123"
  labels: &labels {app: web}
  annotations:
    <<: *labels
spec: {ports: [{port: 80}]}
`,
  );
  assert.equal(svc.metadata?.annotations?.app, "web");
  const meta = svc.metadata as Record<string, unknown>;
  assert.equal(meta.creationTimestamp, "2026-11-02T09:14:27Z");
  assert.equal(meta.resourceVersion, "123");
});

Deno.test("parseManifestEntries() skips malformed objects and list items, naming file, line and kind", () => {
  const problems: string[] = [];
  const text = `${SVC}---
apiVersion: v1
kind: Service
metadata: {name: 42}
---
apiVersion: v1
kind: List
items:
- 7
- apiVersion: v1
  kind: Service
  metadata: [not, a, map]
- apiVersion: v1
  kind: Node
  metadata: {name: node-a, namespace: stray}
`;
  const m = emptyManifestObjects();
  addEntries(parseManifestEntries("bad.yaml", text, problems), m);
  assert.deepEqual(problems, ["bad.yaml:10: List: items[0] is not an object; skipped"]);
  assert.deepEqual(m.problems, [
    "bad.yaml:6: Service: metadata.name is not a string (number 42); skipped",
    "bad.yaml:10: Service: metadata is not an object (array of 3); skipped",
  ]);
  assert.deepEqual(m.byKind.get("Service")!.map((o) => o.metadata?.name), ["web"]);
  assert.equal(m.byKind.get("Node")![0].metadata?.namespace, undefined, "cluster-scoped");
});

Deno.test("readManifests() reads a 5000-Service kubectl-style file in well under 5 s", async () => {
  // The former reader rescanned the text for every document's line (quadratic): ~40 s here.
  await withDir({}, async (dir) => {
    const { bytes } = await writeClusterManifests({
      out: `${dir}/cluster.yaml`,
      services: 5000,
      endpointsPerService: 1,
    });
    const t0 = performance.now();
    const m = await readManifests(`${dir}/cluster.yaml`);
    const ms = performance.now() - t0;
    assert.equal(m.byKind.get("Service")!.length, 5000);
    assert.equal(m.byKind.get("EndpointSlice")!.length, 5000);
    assert.ok(ms < 5000, `${(bytes / 1e6).toFixed(1)} MB read in ${Math.round(ms)} ms`);
  });
});
