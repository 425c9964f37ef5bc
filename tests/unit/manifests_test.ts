import assert from "node:assert/strict";
import {
  ManifestError,
  manifestFiles,
  parseManifestText,
  readManifests,
} from "../../src/source/manifests/read_manifests.ts";

const SVC = `apiVersion: v1
kind: Service
metadata: {name: web}
spec: {clusterIP: 10.96.0.10, ports: [{port: 80}]}
`;

async function withDir(files: Record<string, string>, fn: (dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "manifests_test_" });
  try {
    for (const [name, text] of Object.entries(files)) {
      await Deno.writeTextFile(`${dir}/${name}`, text);
    }
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
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
