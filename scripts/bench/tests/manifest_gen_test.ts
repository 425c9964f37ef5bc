import assert from "node:assert/strict";
// @ts-types="@types/js-yaml"
import yaml from "js-yaml";
import { toYamlDocuments } from "../../../tests/support/kubectl_yaml.ts";
import { kubectlService, kubectlSlice } from "../manifest_gen.ts";
import { generateObjects } from "../cluster_gen.ts";

Deno.test("kubectl-style Services and slices, written as YAML documents, read back as the same objects", () => {
  const { services, slices } = generateObjects({ services: 30, udpEvery: 3 });
  const objs = services.flatMap((s, i) => [kubectlService(i, s), kubectlSlice(i, slices[i])]);
  const docs = yaml.loadAll(toYamlDocuments(objs));
  assert.equal(docs.length, 60);
  assert.deepEqual(docs, JSON.parse(JSON.stringify(objs)));
});
