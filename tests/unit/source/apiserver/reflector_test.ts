import assert from "node:assert/strict";
import { Logger } from "../../../../src/log/logger.ts";
import { ApiClient } from "../../../../src/source/apiserver/api_client.ts";
import { Reflector, type ReflectorOptions } from "../../../../src/source/apiserver/reflector.ts";
import { ClusterState } from "../../../../src/source/cluster_state.ts";
import { FakeApiServer } from "../../../support/fake_apiserver/server.ts";
import { eventually } from "../../../support/eventually.ts";

function svc(name: string, clusterIP = "10.96.0.1") {
  return { metadata: { name, namespace: "default" }, spec: { clusterIP } };
}

interface Setup {
  server: FakeApiServer;
  state: ClusterState;
  logs: string[];
  reflector: Reflector;
}

/** A reflector of Services against a plain-HTTP fake API server; all stopped after `fn`. */
async function withReflector(
  fn: (s: Setup) => Promise<void>,
  options: Partial<ReflectorOptions> = {},
  seed: (server: FakeApiServer) => void = () => {},
) {
  const server = await FakeApiServer.start(
    options.optional ? { disabledResources: ["services"] } : {},
  );
  seed(server);
  const client = new ApiClient({
    server: server.url,
    insecureSkipTlsVerify: false,
    origin: "t",
    warnings: [],
  });
  const state = new ClusterState();
  const logs: string[] = [];
  const reflector = new Reflector({
    kind: "Service",
    path: "/api/v1/services",
    client,
    state,
    logger: new Logger({ verbosity: 4, write: (l) => logs.push(l) }),
    watchTimeoutSeconds: 30,
    backoff: { initialMs: 20, maxMs: 100 },
    ...options,
  });
  try {
    reflector.start();
    await fn({ server, state, logs, reflector });
  } finally {
    await reflector.stop();
    client.close();
    await server.stop();
  }
}

Deno.test("Reflector lists into the state, then applies watch events as they come", async () => {
  await withReflector(
    async ({ server, state, reflector }) => {
      await reflector.synced;
      assert.deepEqual([...state.objects("Service").keys()], ["default/a"]);
      server.upsert("Service", svc("b"));
      server.upsert("Service", svc("a", "10.96.0.2"));
      server.delete("Service", "default/b");
      server.upsert("Service", svc("c"));
      await eventually(
        () => {
          assert.deepEqual([...state.objects("Service").keys()].sort(), ["default/a", "default/c"]);
          return Promise.resolve();
        },
        5000,
        20,
      );
      const a = state.get("Service", "default/a") as { spec: { clusterIP: string } };
      assert.equal(a.spec.clusterIP, "10.96.0.2");
      const status = reflector.status();
      assert.equal(status.synced, true);
      assert.equal(status.lists, 1);
      assert.ok(status.watches >= 1);
      assert.equal(status.resourceVersion, String(server.store.resourceVersion));
    },
    {},
    (server) => server.upsert("Service", svc("a")),
  );
});

Deno.test("Reflector relists after its watch expires (410) and drops what was deleted meanwhile", async () => {
  await withReflector(
    async ({ server, state, reflector, logs }) => {
      await reflector.synced;
      await server.waitFor(() => server.openWatches.length === 1);
      await server.stop();
      server.delete("Service", "default/a");
      server.upsert("Service", svc("b"));
      server.compact();
      await server.listen();
      await eventually(
        () => {
          assert.deepEqual([...state.objects("Service").keys()], ["default/b"]);
          return Promise.resolve();
        },
        5000,
        20,
      );
      assert.ok(reflector.status().lists >= 2, "relisted");
      assert.ok(logs.some((l) => l.includes("Watch expired, relisting")), logs.join("\n"));
    },
    {},
    (server) => server.upsert("Service", svc("a")),
  );
});

Deno.test("Reflector treats an optional resource the server does not serve as empty", async () => {
  await withReflector(async ({ state, reflector, logs }) => {
    await reflector.synced;
    assert.equal(reflector.status().served, false);
    assert.equal(state.objects("Service").size, 0);
    assert.ok(logs.some((l) => l.includes("does not serve this resource")));
  }, { optional: true, absentRecheckMs: 60_000 });
});

Deno.test("Reflector skips a malformed object with a warning naming it, and keeps the rest", async () => {
  await withReflector(async ({ server, state, reflector, logs }) => {
    await reflector.synced;
    await server.waitFor(() => server.openWatches.length === 1);
    const bad = JSON.stringify({ type: "ADDED", object: { metadata: { name: 7 } } });
    assert.equal(server.injectRaw(`${bad}\n`), 1);
    server.upsert("Service", svc("after"));
    await eventually(
      () => {
        assert.ok(state.get("Service", "default/after"));
        return Promise.resolve();
      },
      5000,
      20,
    );
    assert.equal(reflector.status().skipped, 1);
    assert.ok(logs.some((l) => /Skipping a malformed object/.test(l)), logs.join("\n"));
  });
});

Deno.test("Reflector refuses a path without a leading slash and a watch timeout below 1 s", () => {
  const base = {
    kind: "Service" as const,
    client: {} as ApiClient,
    state: new ClusterState(),
    logger: new Logger({ write: () => {} }),
  };
  assert.throws(() => new Reflector({ ...base, path: "api/v1/services" }), /must start with "\/"/);
  assert.throws(
    () => new Reflector({ ...base, path: "/api/v1/services", watchTimeoutSeconds: 0 }),
    /'watchTimeoutSeconds' must be >= 1/,
  );
});
