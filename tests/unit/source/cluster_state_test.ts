import assert from "node:assert/strict";
import { ClusterState, type ObjectChange } from "../../../src/source/cluster_state.ts";
import type { KubeObject } from "../../../src/model/kube_types.ts";

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
