import assert from "node:assert/strict";
import { ChangeTracker, TRIGGER_TIME_ANNOTATION } from "../../../src/sync/change_tracker.ts";
import { ClusterState } from "../../../src/source/cluster_state.ts";
import {
  HEADLESS_LABEL,
  SERVICE_NAME_LABEL,
  type ServiceCIDR,
} from "../../../src/model/kube_types.ts";
import { endpoint, NODE, nodeObject, service, slice } from "../../fixtures/unit/builders.ts";

function setup(now = () => 1000) {
  const state = new ClusterState();
  state.upsert("Service", service("old"));
  state.upsert("EndpointSlice", slice("old", "old-1", [endpoint("10.244.1.5")]));
  state.upsert("EndpointSlice", slice("orphan", "orphan-1", [endpoint("10.244.1.6")]));
  const tracker = new ChangeTracker(state, NODE, now);
  return { state, tracker };
}

Deno.test("ChangeTracker starts with everything pending: every Service and sliced Service, the node and the CIDRs", () => {
  const { tracker } = setup();
  assert.equal(tracker.hasPending, true);
  const p = tracker.take();
  assert.deepEqual([...p.services].sort(), ["default/old", "default/orphan"]);
  assert.equal(p.nodeChanged && p.serviceCidrsChanged, true);
  assert.equal(p.serviceChanges + p.endpointChanges, 0, "the initial state is not a change");
  assert.equal(tracker.hasPending, false);
  assert.equal(tracker.take().services.size, 0);
  assert.equal([...tracker.slicesOf("default/old")].length, 1);
});

Deno.test("ChangeTracker records Service and EndpointSlice changes with counts and the oldest change's time", () => {
  let t = 5000;
  const { state, tracker } = setup(() => t);
  tracker.take();
  state.upsert("Service", service("web"));
  t = 6000;
  state.upsert("EndpointSlice", slice("web", "web-1", [endpoint("10.244.1.7")]));
  state.upsert("EndpointSlice", slice("web", "web-2", [endpoint("10.244.1.8")]));
  const p = tracker.take();
  assert.deepEqual([...p.services], ["default/web"]);
  assert.equal(p.serviceChanges, 1);
  assert.equal(p.endpointChanges, 2);
  assert.equal(p.oldestChangeAt, 5000);
  assert.equal(p.nodeChanged || p.serviceCidrsChanged, false);
  assert.deepEqual([...tracker.slicesOf("default/web")].map((s) => s.metadata!.name), [
    "web-1",
    "web-2",
  ]);
});

Deno.test("ChangeTracker moves a slice whose service label changes, and drops ignored and deleted slices", () => {
  const { state, tracker } = setup();
  tracker.take();
  const moved = slice("old", "old-1", [endpoint("10.244.1.5")]);
  moved.metadata!.labels![SERVICE_NAME_LABEL] = "new";
  state.upsert("EndpointSlice", moved);
  assert.deepEqual([...tracker.take().services].sort(), ["default/new", "default/old"]);
  assert.equal([...tracker.slicesOf("default/old")].length, 0);
  assert.equal([...tracker.slicesOf("default/new")].length, 1);
  const headless = slice("new", "old-1", [endpoint("10.244.1.5")]);
  headless.metadata!.labels![HEADLESS_LABEL] = "";
  state.upsert("EndpointSlice", headless);
  assert.deepEqual([...tracker.take().services], ["default/new"]);
  assert.equal([...tracker.slicesOf("default/new")].length, 0, "an ignored slice is not indexed");
  state.remove("EndpointSlice", "default/orphan-1");
  assert.deepEqual([...tracker.take().services], ["default/orphan"]);
  assert.equal([...tracker.slicesOf("default/orphan")].length, 0);
});

Deno.test("ChangeTracker flags its own Node and any ServiceCIDR, not other Nodes", () => {
  const { state, tracker } = setup();
  tracker.take();
  state.upsert("Node", nodeObject({ metadata: { name: "node-b" } }));
  assert.equal(tracker.take().nodeChanged, false);
  state.upsert("Node", nodeObject());
  assert.equal(tracker.take().nodeChanged, true);
  const cidr: ServiceCIDR = { metadata: { name: "kubernetes" }, spec: { cidrs: ["10.96.0.0/16"] } };
  state.upsert("ServiceCIDR", cidr);
  const p = tracker.take();
  assert.equal(p.serviceCidrsChanged, true);
  assert.equal(p.services.size, 0);
});

Deno.test("ChangeTracker.restore() puts failed work back, merged with what arrived meanwhile", () => {
  let t = 1000;
  const { state, tracker } = setup(() => t);
  const failed = tracker.take();
  t = 2000;
  state.upsert("Service", service("web"));
  tracker.restore(failed);
  const p = tracker.take();
  assert.deepEqual([...p.services].sort(), ["default/old", "default/orphan", "default/web"]);
  assert.equal(p.nodeChanged && p.serviceCidrsChanged, true);
  assert.equal(p.oldestChangeAt, 2000);
  tracker.restore({ ...p, oldestChangeAt: 1500 });
  assert.equal(tracker.take().oldestChangeAt, 1500, "the older change counts");
});

Deno.test("ChangeTracker.onPending() calls back on every change until unsubscribed", () => {
  const { state, tracker } = setup();
  const calls: string[] = [];
  const offA = tracker.onPending(() => calls.push("a"));
  tracker.onPending(() => calls.push("b"));
  state.upsert("Service", service("web"));
  assert.deepEqual(calls, ["a", "b"]);
  offA();
  state.upsert("Service", service("web2"));
  assert.deepEqual(calls, ["a", "b", "b"]);
  tracker.close();
  state.upsert("Service", service("web3"));
  assert.deepEqual(calls, ["a", "b", "b"], "closed: no longer listening to the state");
  assert.deepEqual([...tracker.take().services].sort(), [
    "default/old",
    "default/orphan",
    "default/web",
    "default/web2",
  ]);
});

Deno.test("ChangeTracker collects EndpointSlice trigger times newer than its start, with the slice's family", () => {
  const start = Date.parse("2026-11-21T06:00:00Z");
  const { state, tracker } = setup(() => start);
  tracker.take();
  const at = (name: string, time: string | undefined, addressType = "IPv4") => {
    const s = slice("web", name, [endpoint("10.244.1.7")], { addressType });
    if (time !== undefined) s.metadata!.annotations = { [TRIGGER_TIME_ANNOTATION]: time };
    return s;
  };
  state.upsert("EndpointSlice", at("web-1", "2026-11-21T06:30:00Z"));
  state.upsert("EndpointSlice", at("web-2", "2026-11-21T06:30:01.5Z"));
  state.upsert("EndpointSlice", at("web-3", "2026-11-21T05:00:00Z")); // before the tracker started
  state.upsert("EndpointSlice", at("web-4", "yesterday"));
  state.upsert("EndpointSlice", at("web-5", undefined));
  state.upsert("EndpointSlice", at("web-6", "2026-11-21T06:30:02Z", "IPv6"));
  state.upsert("EndpointSlice", at("web-7", "2026-11-21T06:30:03Z", "FQDN")); // no proxier's family
  state.remove("EndpointSlice", "default/web-1"); // a deletion carries the slice's last time
  const p = tracker.take();
  assert.deepEqual(p.triggerTimes, [
    { at: Date.parse("2026-11-21T06:30:00Z"), family: 4 },
    { at: Date.parse("2026-11-21T06:30:01.5Z"), family: 4 },
    { at: Date.parse("2026-11-21T06:30:02Z"), family: 6 },
    { at: Date.parse("2026-11-21T06:30:00Z"), family: 4 },
  ]);
  assert.deepEqual(tracker.take().triggerTimes, []);
});
