import assert from "node:assert/strict";
import { ClusterState, type ObjectChange } from "../../../src/source/cluster_state.ts";
import type { KubeObject } from "../../../src/model/kube_types.ts";
import {
  describeObject,
  objectProblem,
  servedObjectProblem,
} from "../../../src/source/object_meta.ts";

const svc = (name: unknown, extra: Record<string, unknown> = {}) =>
  ({ metadata: { name, namespace: "default", ...extra } }) as unknown as KubeObject;

Deno.test("ClusterState.upsert() refuses objects whose name or namespace is not a string, emitting nothing", () => {
  const state = new ClusterState();
  const changes: ObjectChange[] = [];
  state.onChange((c) => changes.push(c));
  assert.equal(state.upsert("Service", svc("web")), true);
  for (const bad of [svc(5), svc(""), svc({ a: 1 }), svc("x", { namespace: 3 }), 42, null]) {
    assert.equal(state.upsert("Service", bad as KubeObject), false, JSON.stringify(bad));
  }
  state.remove("Service", svc({ toString: "web" }));
  assert.deepEqual(changes.map((c) => c.key), ["default/web"]);
  assert.deepEqual([...state.objects("Service").keys()], ["default/web"]);
});

Deno.test("ClusterState.replaceAll() keeps the well-formed objects of a list and ignores the rest", () => {
  const state = new ClusterState();
  state.replaceAll("Service", [svc("a"), svc(7), "junk" as unknown as KubeObject, svc("b")]);
  assert.deepEqual([...state.objects("Service").keys()], ["default/a", "default/b"]);
});

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
