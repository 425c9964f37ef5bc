import assert from "node:assert/strict";
import { startHarness } from "../support/fake_apiserver/harness.ts";
import { waitUntil } from "../support/fake_apiserver/wait.ts";
import { FakeApiServer } from "../support/fake_apiserver/server.ts";
import { generateTestCerts, writeKubeconfig } from "../support/certs.ts";
import { ClusterState } from "../../src/source/cluster_state.ts";
import { silentLogger } from "../../src/log/logger.ts";
import { startApiServerSource } from "../../src/source/apiserver/mod.ts";

function svc(name: string, clusterIP: string, labels: Record<string, string> = {}) {
  return {
    metadata: { name, namespace: "default", labels },
    spec: { clusterIP, ports: [{ port: 80, protocol: "TCP" }] },
  };
}

function slice(name: string, service: string, labels: Record<string, string> = {}) {
  return {
    metadata: {
      name,
      namespace: "default",
      labels: { "kubernetes.io/service-name": service, ...labels },
    },
    addressType: "IPv4",
    endpoints: [{ addresses: ["10.1.0.5"], conditions: { ready: true } }],
    ports: [{ port: 8080, protocol: "TCP" }],
  };
}

function seed(s: FakeApiServer) {
  s.upsert("Service", svc("web", "10.96.0.10"));
  s.upsert(
    "Service",
    svc("not-ours", "10.96.0.11", { "service.kubernetes.io/service-proxy-name": "other" }),
  );
  s.upsert("EndpointSlice", slice("web-abc", "web"));
  s.upsert(
    "EndpointSlice",
    slice("headless-abc", "headless", { "service.kubernetes.io/headless": "" }),
  );
  s.upsert("Node", { metadata: { name: "node-a" }, spec: { podCIDR: "10.1.0.0/24" } });
  s.upsert("Node", { metadata: { name: "node-b" } });
  s.upsert("ServiceCIDR", { metadata: { name: "kubernetes" }, spec: { cidrs: ["10.96.0.0/16"] } });
}

function clusterIP(h: { state: { get(k: "Service", key: string): unknown } }, key: string) {
  return (h.state.get("Service", key) as { spec?: { clusterIP?: string } } | undefined)?.spec
    ?.clusterIP;
}

Deno.test("startApiServerSource() syncs every kind over mTLS with the kube-proxy selectors", async () => {
  const h = await startHarness({ seed });
  try {
    await Promise.race([
      h.source.synced,
      new Promise((_, rej) => setTimeout(() => rej(new Error("not synced")), 5000)),
    ]);
    assert.deepEqual([...h.state.objects("Service").keys()], ["default/web"]);
    assert.deepEqual([...h.state.objects("EndpointSlice").keys()], ["default/web-abc"]);
    assert.deepEqual([...h.state.objects("Node").keys()], ["node-a"]);
    assert.deepEqual([...h.state.objects("ServiceCIDR").keys()], ["kubernetes"]);
    const cns = new Set(h.server.requests.map((r) => r.clientCN));
    assert.deepEqual([...cns], ["system:kube-proxy"]);
    await waitUntil(() => h.server.openWatches.length === 4, 3000, "4 watches");
    const watches = h.server.requests.filter((r) => r.watch);
    assert.ok(watches.every((r) => r.query.allowWatchBookmarks === "true"));
    const status = h.source.status();
    assert.ok(Object.values(status.kinds).every((k) => k.synced && k.connected));
  } finally {
    await h.close();
  }
});

Deno.test("startApiServerSource() propagates add, modify and delete within 2 s", async () => {
  const h = await startHarness({ seed });
  try {
    await h.source.synced;
    await waitUntil(() => h.server.openWatches.length === 4, 3000, "4 watches");
    h.server.upsert("Service", svc("api", "10.96.0.20"));
    await waitUntil(() => h.state.get("Service", "default/api") !== undefined, 2000, "add");
    h.server.upsert("Service", svc("api", "10.96.0.21"));
    await waitUntil(() => clusterIP(h, "default/api") === "10.96.0.21", 2000, "modify");
    h.server.delete("Service", "default/api");
    await waitUntil(() => h.state.get("Service", "default/api") === undefined, 2000, "delete");
    // A label change that moves a Service out of the selector is a delete for us.
    h.server.upsert(
      "Service",
      svc("web", "10.96.0.10", { "service.kubernetes.io/service-proxy-name": "x" }),
    );
    await waitUntil(() => h.state.get("Service", "default/web") === undefined, 2000, "relabel");
    h.server.upsert("Node", { metadata: { name: "node-a" }, spec: { podCIDR: "10.1.9.0/24" } });
    await waitUntil(
      () =>
        (h.state.get("Node", "node-a") as { spec?: { podCIDR?: string } })?.spec?.podCIDR ===
          "10.1.9.0/24",
      2000,
      "node update",
    );
  } finally {
    await h.close();
  }
});

for (const mode of ["http", "event"] as const) {
  Deno.test(`startApiServerSource() relists on 410 (${mode}) and drops an object deleted meanwhile`, async () => {
    const h = await startHarness({ seed, server: { tooOldMode: mode } });
    try {
      await h.source.synced;
      await waitUntil(() => h.server.openWatches.length === 4, 3000, "4 watches");
      const listsBefore = h.source.status().kinds.Service.lists;
      await h.server.stop();
      h.server.delete("Service", "default/web");
      h.server.upsert("Service", svc("new", "10.96.0.30"));
      h.server.compact();
      assert.ok(h.state.get("Service", "default/web"), "state must survive the outage");
      await h.server.listen();
      await waitUntil(
        () => h.state.get("Service", "default/web") === undefined,
        5000,
        "relist delete",
      );
      assert.ok(h.state.get("Service", "default/new"));
      assert.ok(h.source.status().kinds.Service.lists > listsBefore);
      assert.ok(
        h.logs.some((l) => l.includes("Watch expired, relisting") && l.includes("kind=Service")),
        "the relist came from a 410",
      );
    } finally {
      await h.close();
    }
  });
}

Deno.test("startApiServerSource() keeps the state while the API server is down and recovers", async () => {
  const h = await startHarness({ seed });
  try {
    await h.source.synced;
    await waitUntil(() => h.server.openWatches.length === 4, 3000, "4 watches");
    const removed: string[] = [];
    h.state.onChange((c) => {
      if (!c.current) removed.push(`${c.kind}/${c.key}`);
    });
    await h.server.stop();
    await waitUntil(
      () => h.source.status().kinds.Service.lastError !== undefined,
      3000,
      "an error",
    );
    await new Promise((r) => setTimeout(r, 1500)); // several failed reconnects
    assert.ok(h.state.get("Service", "default/web"), "Service kept");
    assert.ok(h.state.get("EndpointSlice", "default/web-abc"), "EndpointSlice kept");
    assert.ok(h.state.get("Node", "node-a"), "Node kept");
    assert.equal(h.source.status().kinds.Service.connected, false);
    assert.deepEqual(removed, [], "nothing removed while the server is down");
    h.server.upsert("Service", svc("after", "10.96.0.40"));
    await h.server.listen();
    await waitUntil(() => h.state.get("Service", "default/after") !== undefined, 5000, "recovery");
    await waitUntil(() => h.source.status().kinds.Service.connected, 3000, "connected again");
  } finally {
    await h.close();
  }
});

Deno.test("startApiServerSource() treats a 404 ServiceCIDR resource as none and still syncs", async () => {
  const h = await startHarness({
    seed: (s) => s.upsert("Service", svc("web", "10.96.0.10")),
    server: { disabledResources: ["servicecidrs"] },
  });
  try {
    await h.source.synced;
    assert.equal(h.state.objects("ServiceCIDR").size, 0);
    assert.equal(h.source.status().kinds.ServiceCIDR.served, false);
    assert.equal(h.logs.filter((l) => l.includes("does not serve")).length, 1);
  } finally {
    await h.close();
  }
});

Deno.test("startApiServerSource() survives a malformed watch line by reconnecting", async () => {
  const h = await startHarness({ seed });
  try {
    await h.source.synced;
    await waitUntil(() => h.server.openWatches.length === 4, 3000, "4 watches");
    h.server.injectRaw("{this is not json\n");
    await waitUntil(
      () => (h.source.status().kinds.Service.lastError ?? "").includes("malformed"),
      2000,
      "decode error",
    );
    h.server.upsert("Service", svc("later", "10.96.0.50"));
    await waitUntil(
      () => h.state.get("Service", "default/later") !== undefined,
      3000,
      "change after reconnect",
    );
    assert.ok(h.state.get("Service", "default/web"));
  } finally {
    await h.close();
  }
});

Deno.test("startApiServerSource() re-watches after a clean server-side watch timeout", async () => {
  const h = await startHarness({ seed, watchTimeoutSeconds: 1 });
  try {
    await h.source.synced;
    await waitUntil(() => h.source.status().kinds.Service.watches >= 3, 4000, "3 watches");
    const svcWatches = h.server.requests.filter((r) => r.path === "/api/v1/services" && r.watch);
    assert.ok(svcWatches.every((r) => r.query.timeoutSeconds === "1" && r.query.resourceVersion));
    h.server.upsert("Service", svc("x", "10.96.0.60"));
    await waitUntil(() => h.state.get("Service", "default/x") !== undefined, 2000, "change");
    assert.equal(h.source.status().kinds.Service.lists, 1, "no relist on clean watch end");
  } finally {
    await h.close();
  }
});

Deno.test("startApiServerSource() authenticates with a bearer token and keeps retrying on 401", async () => {
  const certs = await generateTestCerts();
  const server = await FakeApiServer.start({
    tls: { cert: certs.serverCert, key: certs.serverKey },
    token: "good-token",
  });
  seed(server);
  const run = async (token: string) => {
    const kubeconfigPath = `${certs.dir}/kc-${token}`;
    await writeKubeconfig(kubeconfigPath, { server: server.url, caFile: certs.caCertFile, token });
    const state = new ClusterState();
    const source = startApiServerSource({
      kubeconfigPath,
      nodeName: "node-a",
      state,
      logger: silentLogger,
      backoff: { initialMs: 50, maxMs: 200 },
    });
    return { state, source };
  };
  const good = await run("good-token");
  const bad = await run("bad-token");
  try {
    await good.source.synced;
    assert.ok(good.state.get("Service", "default/web"));
    await waitUntil(
      () => (bad.source.status().kinds.Service.lastError ?? "").includes("401"),
      3000,
      "a 401 error",
    );
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(bad.state.objects("Service").size, 0);
    assert.equal(bad.source.status().kinds.Service.synced, false);
    const attempts = server.requests.filter((r) =>
      r.status === 401 && r.path === "/api/v1/services"
    );
    assert.ok(attempts.length >= 2, `retried after 401 (${attempts.length} attempts)`);
    assert.ok(server.requests.some((r) => r.user === "token-user"));
  } finally {
    await good.source.stop();
    await bad.source.stop();
    await server.stop();
    await certs.cleanup();
  }
});
