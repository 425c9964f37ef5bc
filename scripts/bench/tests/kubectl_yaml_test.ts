import assert from "node:assert/strict";
// @ts-types="@types/js-yaml"
import yaml from "js-yaml";
import { toKubectlYaml, toYamlStream, yamlScalar } from "../kubectl_yaml.ts";
import { kubectlService, kubectlSlice } from "../manifest_gen.ts";
import { generateObjects } from "../cluster_gen.ts";

Deno.test("yamlScalar() quotes strings a YAML reader would take for something else", () => {
  for (const s of ["1000", "true", "no", "null", "~", "2026-11-02T08:14:31Z", "", "1e3", "0x1f"]) {
    assert.equal(yamlScalar(s), JSON.stringify(s), s);
    assert.equal((yaml.load(`v: ${yamlScalar(s)}`) as { v: unknown }).v, s, s);
  }
  for (const s of ["svc-1", "10.96.0.1", "TCP", "kubernetes.io/service-name", "node-a"]) {
    assert.equal(yamlScalar(s), s, s);
  }
  assert.equal(yamlScalar(80), "80");
  assert.equal(yamlScalar(false), "false");
});

Deno.test("toKubectlYaml() lays objects out as kubectl does: sorted keys, unindented sequences", () => {
  const text = toKubectlYaml({
    spec: { ports: [{ port: 80, name: "http" }], clusterIPs: ["10.96.0.1"] },
    metadata: { name: "web", labels: {} },
    apiVersion: "v1",
  });
  assert.equal(
    text,
    [
      "apiVersion: v1",
      "metadata:",
      "  labels: {}",
      "  name: web",
      "spec:",
      "  clusterIPs:",
      "  - 10.96.0.1",
      "  ports:",
      "  - name: http",
      "    port: 80",
      "",
    ].join("\n"),
  );
});

Deno.test("toYamlStream() of kubectl-style Services and slices reads back as the same objects", () => {
  const { services, slices } = generateObjects({ services: 30, udpEvery: 3 });
  const objs = services.flatMap((s, i) => [kubectlService(i, s), kubectlSlice(i, slices[i])]);
  const docs = yaml.loadAll(toYamlStream(objs));
  assert.equal(docs.length, 60);
  assert.deepEqual(docs, JSON.parse(JSON.stringify(objs)));
});
