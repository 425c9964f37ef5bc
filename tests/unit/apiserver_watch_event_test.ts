import assert from "node:assert/strict";
import { ClusterState } from "../../src/source/cluster_state.ts";
import { applyWatchEvent } from "../../src/source/apiserver/watch_event.ts";
import { ApiStatusError, WatchDecodeError } from "../../src/source/apiserver/errors.ts";

const svc = (rv: string) => ({ metadata: { name: "a", namespace: "ns", resourceVersion: rv } });

Deno.test("applyWatchEvent() upserts, removes, and returns the event's resourceVersion", () => {
  const state = new ClusterState();
  assert.equal(applyWatchEvent(state, "Service", { type: "ADDED", object: svc("5") }), "5");
  assert.equal(state.get("Service", "ns/a")?.metadata?.resourceVersion, "5");
  assert.equal(applyWatchEvent(state, "Service", { type: "MODIFIED", object: svc("6") }), "6");
  assert.equal(state.get("Service", "ns/a")?.metadata?.resourceVersion, "6");
  const bookmark = { type: "BOOKMARK", object: { metadata: { resourceVersion: "9" } } };
  assert.equal(applyWatchEvent(state, "Service", bookmark), "9");
  assert.equal(state.objects("Service").size, 1);
  assert.equal(applyWatchEvent(state, "Service", { type: "DELETED", object: svc("10") }), "10");
  assert.equal(state.get("Service", "ns/a"), undefined);
});

Deno.test("applyWatchEvent() turns an ERROR event into ApiStatusError and rejects junk", () => {
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
    () => applyWatchEvent(state, "Node", { type: "WHAT", object: {} }),
    WatchDecodeError,
  );
  assert.throws(() => applyWatchEvent(state, "Node", { type: "ADDED" }), WatchDecodeError);
  assert.throws(() => applyWatchEvent(state, "Node", 42), WatchDecodeError);
});
