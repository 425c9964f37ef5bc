import assert from "node:assert/strict";
import {
  checkCount,
  checkSeconds,
  INVALID_OBJECT_KINDS,
  PROXY_METRIC_NAMES,
  REFUSAL_REASONS,
} from "../../../src/metrics/proxy_metric_kinds.ts";

Deno.test("PROXY_METRIC_NAMES keeps upstream's names, every name once", () => {
  // The names dashboards and alerts of upstream kube-proxy query.
  for (
    const upstream of [
      "kubeproxy_sync_proxy_rules_duration_seconds",
      "kubeproxy_sync_proxy_rules_last_timestamp_seconds",
      "kubeproxy_network_programming_duration_seconds",
      "kubeproxy_sync_proxy_rules_service_changes_total",
      "kubeproxy_sync_proxy_rules_endpoint_changes_pending",
      "kubeproxy_sync_proxy_rules_no_local_endpoints_total",
      "kubernetes_build_info",
    ]
  ) assert.ok(PROXY_METRIC_NAMES.includes(upstream), upstream);
  assert.equal(new Set(PROXY_METRIC_NAMES).size, PROXY_METRIC_NAMES.length);
  for (const name of PROXY_METRIC_NAMES) assert.match(name, /^[a-z_]+$/, name);
});

Deno.test("the label values are frozen lists: object kinds and refusal reasons", () => {
  assert.deepEqual(INVALID_OBJECT_KINDS, ["Service", "EndpointSlice", "Node", "ServiceCIDR"]);
  assert.deepEqual(REFUSAL_REASONS, ["cluster_ip", "service_cidr", "claimed"]);
  assert.ok(Object.isFrozen(INVALID_OBJECT_KINDS) && Object.isFrozen(REFUSAL_REASONS));
});

Deno.test("checkCount() accepts integers >= 0 and names what was being recorded", () => {
  checkCount("service changes", 0);
  checkCount("service changes", 3);
  for (const bad of [-1, 1.5, Number.NaN, Infinity]) {
    assert.throws(
      () => checkCount("service changes", bad),
      new RegExp(
        `^RangeError: Cannot record service changes: expected an integer >= 0, got ${bad}$`,
      ),
    );
  }
});

Deno.test("checkSeconds() accepts finite seconds >= 0, fractions included", () => {
  checkSeconds("a sync", 0);
  checkSeconds("a sync", 0.0042);
  for (const bad of [-0.001, Number.NaN, Infinity]) {
    assert.throws(() => checkSeconds("a sync", bad), /Cannot record a sync: expected seconds >= 0/);
  }
});
