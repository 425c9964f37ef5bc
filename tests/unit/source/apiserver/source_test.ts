import assert from "node:assert/strict";
import { Logger } from "../../../../src/log/logger.ts";
import { startApiServerSource, watchedKinds } from "../../../../src/source/apiserver/source.ts";
import { ClusterState } from "../../../../src/source/cluster_state.ts";
import { FakeApiServer } from "../../../support/fake_apiserver/server.ts";
import { eventually } from "../../../support/eventually.ts";

Deno.test("watchedKinds() are upstream's: no headless or foreign Services, only this node's Node", () => {
  assert.deepEqual(watchedKinds("worker-0"), [
    {
      kind: "Service",
      path: "/api/v1/services",
      labelSelector: "!service.kubernetes.io/service-proxy-name,!service.kubernetes.io/headless",
    },
    {
      kind: "EndpointSlice",
      path: "/apis/discovery.k8s.io/v1/endpointslices",
      labelSelector: "!service.kubernetes.io/headless,!service.kubernetes.io/service-proxy-name",
    },
    { kind: "Node", path: "/api/v1/nodes", fieldSelector: "metadata.name=worker-0" },
    { kind: "ServiceCIDR", path: "/apis/networking.k8s.io/v1/servicecidrs", optional: true },
  ]);
});

Deno.test("startApiServerSource() fills the state with every kind and reports per-kind status", async () => {
  const server = await FakeApiServer.start();
  server.upsert("Service", {
    metadata: { name: "web", namespace: "default" },
    spec: { clusterIP: "10.96.0.10" },
  });
  server.upsert("Service", {
    metadata: {
      name: "other",
      namespace: "default",
      labels: { "service.kubernetes.io/service-proxy-name": "someone-else" },
    },
  });
  server.upsert("EndpointSlice", {
    metadata: {
      name: "web-1",
      namespace: "default",
      labels: { "kubernetes.io/service-name": "web" },
    },
    addressType: "IPv4",
    endpoints: [],
  });
  server.upsert("Node", { metadata: { name: "worker-0" } });
  server.upsert("Node", { metadata: { name: "worker-1" } });
  server.upsert("ServiceCIDR", {
    metadata: { name: "kubernetes" },
    spec: { cidrs: ["10.96.0.0/12"] },
  });
  const state = new ClusterState();
  const lines: string[] = [];
  const source = startApiServerSource({
    nodeName: "worker-0",
    state,
    logger: new Logger({ write: (l) => lines.push(l) }),
    clientConfig: {
      server: server.url,
      insecureSkipTlsVerify: false,
      origin: "test",
      warnings: ["w1"],
    },
    watchTimeoutSeconds: 30,
  });
  try {
    await source.synced;
    assert.deepEqual([...state.objects("Service").keys()], ["default/web"]);
    assert.deepEqual([...state.objects("EndpointSlice").keys()], ["default/web-1"]);
    assert.deepEqual([...state.objects("Node").keys()], ["worker-0"]);
    assert.deepEqual([...state.objects("ServiceCIDR").keys()], ["kubernetes"]);
    const status = source.status();
    assert.equal(status.server, server.url);
    assert.deepEqual(Object.keys(status.kinds).sort(), [
      "EndpointSlice",
      "Node",
      "Service",
      "ServiceCIDR",
    ]);
    for (const k of Object.values(status.kinds)) assert.equal(k.synced, true, k.kind);
    assert.match(lines.join("\n"), /W.*\] w1 origin=test/, "configuration warnings are logged");
    server.upsert("Node", { metadata: { name: "worker-0", labels: { zone: "a" } } });
    await eventually(
      () => {
        const node = state.get("Node", "worker-0") as { metadata: { labels?: object } };
        assert.deepEqual(node.metadata.labels, { zone: "a" });
        return Promise.resolve();
      },
      5000,
      20,
    );
  } finally {
    await source.stop();
    await source.stop();
    await server.stop();
  }
});

Deno.test("startApiServerSource() refuses an empty node name and a missing state", () => {
  const logger = new Logger({ write: () => {} });
  assert.throws(
    () => startApiServerSource({ nodeName: " ", state: new ClusterState(), logger }),
    /'nodeName' must be a non-empty string/,
  );
  assert.throws(
    () => startApiServerSource({ nodeName: "n", state: undefined as never, logger }),
    /'state' is required/,
  );
});
