import assert from "node:assert/strict";
import { ClusterState } from "../../../../src/source/cluster_state.ts";
import { applyWatchEvent } from "../../../../src/source/apiserver/watch_event.ts";
import { ApiStatusError } from "../../../../src/source/apiserver/errors.ts";

const svc = (rv: string) => ({ metadata: { name: "a", namespace: "ns", resourceVersion: rv } });

Deno.test("applyWatchEvent() upserts, removes, and returns the event's resourceVersion", () => {
  const state = new ClusterState();
  assert.deepEqual(applyWatchEvent(state, "Service", { type: "ADDED", object: svc("5") }), {
    resourceVersion: "5",
  });
  assert.equal(state.get("Service", "ns/a")?.metadata?.resourceVersion, "5");
  applyWatchEvent(state, "Service", { type: "MODIFIED", object: svc("6") });
  assert.equal(state.get("Service", "ns/a")?.metadata?.resourceVersion, "6");
  const bookmark = { type: "BOOKMARK", object: { metadata: { resourceVersion: "9" } } };
  assert.deepEqual(applyWatchEvent(state, "Service", bookmark), { resourceVersion: "9" });
  assert.equal(state.objects("Service").size, 1);
  applyWatchEvent(state, "Service", { type: "DELETED", object: svc("10") });
  assert.equal(state.get("Service", "ns/a"), undefined);
});

Deno.test("applyWatchEvent() turns an ERROR event into ApiStatusError, whatever its shape", () => {
  const state = new ClusterState();
  const gone = {
    type: "ERROR",
    object: { kind: "Status", code: 410, reason: "Expired", message: "too old" },
  };
  assert.throws(
    () => applyWatchEvent(state, "Node", gone),
    (e: unknown) => e instanceof ApiStatusError && e.isGone && e.reason === "Expired",
  );
  assert.throws(
    () => applyWatchEvent(state, "Node", { type: "ERROR", object: { code: "410", reason: 7 } }),
    (e: unknown) => e instanceof ApiStatusError && !e.isGone && e.reason === undefined,
  );
});

Deno.test("applyWatchEvent() skips events of the wrong shape, naming the object, and changes nothing", () => {
  const state = new ClusterState();
  applyWatchEvent(state, "Service", { type: "ADDED", object: svc("1") });
  const cases: [unknown, RegExp][] = [
    [42, /^watch event is not an object \(number 42\)$/],
    [null, /^watch event is not an object \(null\)$/],
    [{ type: "WHAT", object: svc("2") }, /^watch event of unknown type string "WHAT" \(ns\/a\)$/],
    [{ type: 7 }, /^watch event of unknown type number 7/],
    [{ type: "ADDED" }, /^ADDED \(unnamed\): not an object \(undefined/],
    [{ type: "ADDED", object: "x" }, /^ADDED \(unnamed\): not an object \(string "x"\)$/],
    [
      { type: "ADDED", object: { metadata: { name: { a: 1 } } } },
      /metadata\.name is not a string \(object\)/,
    ],
    [
      { type: "MODIFIED", object: { metadata: { name: "a", namespace: 5 } } },
      /^MODIFIED a: metadata\.namespace is not a string \(number 5\)$/,
    ],
    [{ type: "MODIFIED", object: { metadata: [] } }, /metadata is not an object \(array of 0\)/],
    [{
      type: "MODIFIED",
      object: { ...svc("3"), metadata: { ...svc("3").metadata, resourceVersion: 3 } },
    }, /resourceVersion is not a string/],
    [
      { type: "DELETED", object: { kind: "Pod", ...svc("4") } },
      /^DELETED ns\/a: kind is string "Pod", not Service$/,
    ],
    [{ type: "BOOKMARK", object: { metadata: { resourceVersion: 9 } } }, /^BOOKMARK without/],
    [{ type: "BOOKMARK" }, /^BOOKMARK without/],
  ];
  for (const [ev, why] of cases) {
    const r = applyWatchEvent(state, "Service", ev);
    assert.equal(r.resourceVersion, undefined, JSON.stringify(ev));
    assert.match(r.skipped ?? "", why, JSON.stringify(ev));
  }
  assert.deepEqual([...state.objects("Service").keys()], ["ns/a"]);
  assert.equal(state.get("Service", "ns/a")?.metadata?.resourceVersion, "1");
});
