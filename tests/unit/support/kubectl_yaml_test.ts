import assert from "node:assert/strict";
// @ts-types="@types/js-yaml"
import yaml from "js-yaml";
import { toKubectlYaml } from "../../support/kubectl_yaml.ts";

/** The text toKubectlYaml() writes for one scalar value. */
function yamlScalar(v: unknown): string {
  return toKubectlYaml({ v }).slice("v: ".length, -1);
}

Deno.test("toKubectlYaml() quotes strings a YAML reader would take for something else", () => {
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
