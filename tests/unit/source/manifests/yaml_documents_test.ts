import assert from "node:assert/strict";
import {
  ManifestError,
  parseManifestText,
} from "../../../../src/source/manifests/read_manifests.ts";
import { parseYamlDocuments } from "../../../../src/source/manifests/yaml_documents.ts";
import { realisticObjects } from "../../../support/cluster_manifests.ts";
import { toYamlDocuments } from "../../../support/kubectl_yaml.ts";

const SVC = `apiVersion: v1
kind: Service
metadata: {name: web}
spec: {clusterIP: 10.96.0.10, ports: [{port: 80}]}
`;

Deno.test("parseYamlDocuments() names the exact line of an error deep in a 2000-document file", () => {
  const good = toYamlDocuments([...realisticObjects({ services: 1000, endpointsPerService: 1 })]);
  const lines = good.split("\n").length;
  // The error sits on the 3rd line of the last document: `spec: type: ClusterIP`.
  const text = `${good}---\napiVersion: v1\nspec: type: ClusterIP\n`;
  assert.throws(() => parseYamlDocuments("big.yaml", text), (e: unknown) => {
    assert.ok(e instanceof ManifestError);
    assert.equal(e.line, lines + 2);
    assert.match(e.message, new RegExp(`^big\\.yaml:${lines + 2}: YAML error: [^\\n]+$`));
    return true;
  });
  assert.throws(
    () => parseManifestText("s.yaml", `${SVC}---\n# comment\n\n"just a string"\n`),
    /^ManifestError: s\.yaml:8: document is not an object$/,
  );
});

Deno.test("parseYamlDocuments() reads kubectl output with the fast reader and odd YAML with js-yaml", () => {
  const stats = { fast: 0, fallback: 0 };
  const text = toYamlDocuments([...realisticObjects({ services: 50, lastApplied: true })]);
  const docs = parseYamlDocuments("k.yaml", `\ufeff${text}`, stats);
  assert.deepEqual(stats, { fast: 101, fallback: 0 });
  // Each document's content starts on the line after its `---`.
  const starts = text.split("\n").flatMap((l, i) => (l === "---" ? [i + 2] : []));
  assert.deepEqual(docs.map((d) => d.line), [1, ...starts]);
  const odd = parseYamlDocuments(
    "odd.yaml",
    "a: &x 1\nb: *x\n---\nc: [1, 2]\n...\n---\nd: 1\n",
    stats,
  );
  assert.deepEqual(odd.map((d) => d.value), [{ a: 1, b: 1 }, { c: [1, 2] }, { d: 1 }]);
  assert.deepEqual(stats, { fast: 102, fallback: 2 });
});
