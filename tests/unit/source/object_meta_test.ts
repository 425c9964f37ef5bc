import assert from "node:assert/strict";
import type { KubeObject } from "../../../src/model/kube_types.ts";
import {
  describeObject,
  describeValue,
  isValidObject,
  objectProblem,
  servedObjectProblem,
} from "../../../src/source/object_meta.ts";

const svc = (name: unknown, extra: Record<string, unknown> = {}) =>
  ({ metadata: { name, namespace: "default", ...extra } }) as unknown as KubeObject;

Deno.test("objectProblem() and describeObject() name what is wrong without dumping the object", () => {
  assert.equal(objectProblem(svc("web")), undefined);
  assert.equal(
    objectProblem({ metadata: { name: 1 } }),
    "metadata.name is not a string (number 1)",
  );
  assert.equal(
    objectProblem({ metadata: { name: "a", namespace: [..."ns"] } }),
    "metadata.namespace is not a string (array of 2)",
  );
  assert.equal(
    objectProblem({ metadata: { name: "a", resourceVersion: 1 } }),
    "metadata.resourceVersion is not a string (number 1)",
  );
  assert.equal(
    objectProblem({ metadata: { name: "a", resourceVersion: 1 } }, {
      resourceVersion: false,
    }),
    undefined,
  );
  // A long value is cut: messages stay short whatever the server sends.
  const long = servedObjectProblem("Service", { kind: "k".repeat(500), metadata: { name: "a" } });
  assert.equal(long, `kind is string "${"k".repeat(40)}…", not Service`);
  assert.equal(describeObject(svc("web")), "default/web");
  assert.equal(describeObject({ metadata: { name: 5, namespace: "ns" } }), "ns/(unnamed)");
  assert.equal(describeObject(42), "(unnamed)");
});

Deno.test("objectProblem() names a missing or malformed metadata and an empty name", () => {
  assert.equal(objectProblem("junk"), 'not an object (string "junk")');
  assert.equal(objectProblem([1]), "not an object (array of 1)");
  assert.equal(objectProblem({}), "no metadata");
  assert.equal(objectProblem({ metadata: null }), "metadata is not an object (null)");
  assert.equal(objectProblem({ metadata: {} }), "no metadata.name");
  assert.equal(objectProblem({ metadata: { name: "" } }), "metadata.name is empty");
  assert.equal(objectProblem({ metadata: { name: "node-a", namespace: null } }), undefined);
  assert.equal(isValidObject({ metadata: { name: "node-a" } }), true);
  assert.equal(isValidObject({ metadata: { name: 7 } }), false);
});

Deno.test("servedObjectProblem() refuses an object that says it is of another kind", () => {
  assert.equal(
    servedObjectProblem("Service", { kind: "Service", metadata: { name: "a" } }),
    undefined,
  );
  assert.equal(
    servedObjectProblem("Service", { metadata: { name: "a" } }),
    undefined,
    "kind absent",
  );
  assert.equal(
    servedObjectProblem("Service", { kind: "Pod", metadata: { name: "a" } }),
    'kind is string "Pod", not Service',
  );
  assert.equal(servedObjectProblem("Service", { kind: "Service" }), "no metadata");
});

Deno.test("describeValue() gives a type and at most 40 characters of the value", () => {
  assert.equal(describeValue(null), "null");
  assert.equal(describeValue({ a: 1 }), "object");
  assert.equal(describeValue([1, 2, 3]), "array of 3");
  assert.equal(describeValue(true), "boolean true");
  assert.equal(describeValue(12345678901234567890n), "bigint 12345678901234567890");
  assert.equal(describeValue("a\nb"), 'string "a\\nb"', "one line");
  assert.equal(describeValue(1 / 3), "number 0.3333333333333333");
  assert.equal(describeValue("x".repeat(41)).length, 'string "'.length + 40 + 1 + 1);
});
