import assert from "node:assert/strict";
import { startHarness } from "../support/fake_apiserver/harness.ts";
import { waitUntil } from "../support/fake_apiserver/wait.ts";
import type { FakeApiServer } from "../support/fake_apiserver/server.ts";

function svc(name: string, clusterIP: string) {
  return { metadata: { name, namespace: "default" }, spec: { clusterIP } };
}

function seed(s: FakeApiServer) {
  s.upsert("Service", svc("web", "10.96.0.10"));
  s.upsert("Node", { metadata: { name: "node-a" } });
}

/** Items a broken server or a proxy in front of it might put in a list. */
const JUNK_ITEMS: unknown[] = [
  42,
  "a string",
  null,
  [1, 2],
  { spec: {} },
  { metadata: "m" },
  { metadata: { name: 5, namespace: "default" } },
  { metadata: { name: "bad-ns", namespace: { x: 1 } } },
  { metadata: { name: "bad-rv", namespace: "default", resourceVersion: 12 } },
  { kind: "Pod", metadata: { name: "a-pod", namespace: "default" } },
];

Deno.test("startApiServerSource() skips malformed list items, naming kind and object, and keeps the rest", async () => {
  const h = await startHarness({
    seed: (s) => {
      seed(s);
      s.listTransform = (resource, body) =>
        resource === "services"
          ? { ...body, items: [...(body.items as unknown[]), ...JUNK_ITEMS] }
          : body;
    },
  });
  try {
    await Promise.race([
      h.source.synced,
      new Promise((_, rej) => setTimeout(() => rej(new Error("not synced")), 5000)),
    ]);
    assert.deepEqual([...h.state.objects("Service").keys()], ["default/web"]);
    const st = h.source.status().kinds.Service;
    assert.equal(st.skipped, JUNK_ITEMS.length);
    const warnings = h.logs.filter((l) => l.includes("Skipping a malformed object"));
    assert.equal(warnings.length, JUNK_ITEMS.length);
    assert.ok(warnings.every((l) => l.includes("kind=Service")));
    for (
      const what of [
        "metadata.name is not a string (number 5)",
        "bad-ns",
        "bad-rv",
        'kind is string \\"Pod\\"',
      ]
    ) {
      assert.ok(
        warnings.some((l) => l.includes(what)),
        `no warning with ${what}:\n${warnings.join("\n")}`,
      );
    }
    // The watch works as usual afterwards.
    await waitUntil(() => h.server.openWatches.length === 4, 3000, "4 watches");
    h.server.upsert("Service", svc("api", "10.96.0.20"));
    await waitUntil(() => h.state.get("Service", "default/api") !== undefined, 2000, "add");
  } finally {
    await h.close();
  }
});

Deno.test("startApiServerSource() skips watch events of the wrong shape without reconnecting", async () => {
  const h = await startHarness({ seed });
  try {
    await h.source.synced;
    await waitUntil(() => h.server.openWatches.length === 4, 3000, "4 watches");
    const watches = h.source.status().kinds.Service.watches;
    const junk = [
      42,
      { type: "ADDED" },
      { type: "ADDED", object: "x" },
      { type: "ADDED", object: { metadata: { name: { a: 1 }, namespace: "default" } } },
      { type: "MODIFIED", object: { metadata: { name: "web", namespace: 7 } } },
      { type: "DELETED", object: { kind: "Pod", metadata: { name: "web", namespace: "default" } } },
      { type: "SOMETHING", object: svc("web", "10.96.0.99") },
      { type: "BOOKMARK", object: { metadata: { resourceVersion: 1 } } },
    ];
    assert.equal(
      h.server.injectRaw(junk.map((j) => JSON.stringify(j) + "\n").join(""), "services"),
      1,
    );
    h.server.upsert("Service", svc("after-junk", "10.96.0.30"));
    await waitUntil(
      () => h.state.get("Service", "default/after-junk") !== undefined,
      2000,
      "a good event after the junk",
    );
    const st = h.source.status().kinds.Service;
    assert.equal(st.skipped, junk.length);
    assert.equal(st.watches, watches, "the watch went on: no reconnect");
    assert.equal(st.lastError, undefined);
    assert.deepEqual([...h.state.objects("Service").keys()].sort(), [
      "default/after-junk",
      "default/web",
    ]);
    const web = h.state.get("Service", "default/web") as { spec: { clusterIP: string } };
    assert.equal(web.spec.clusterIP, "10.96.0.10");
  } finally {
    await h.close();
  }
});

Deno.test("startApiServerSource() retries a list whose body is not a list, and recovers", async () => {
  const h = await startHarness({
    seed: (s) => {
      seed(s);
      s.listTransform = (resource, body) =>
        resource === "services" ? { ...body, items: "not a list" } : body;
    },
  });
  try {
    await waitUntil(
      () => /items is not a list/.test(h.source.status().kinds.Service.lastError ?? ""),
      3000,
      "list error",
    );
    assert.equal(h.source.status().kinds.Service.synced, false);
    h.server.listTransform = (resource, body) =>
      resource === "services" ? { ...body, metadata: { resourceVersion: 17 } } : body;
    const lists = h.server.requests.filter((r) => r.path === "/api/v1/services").length;
    await waitUntil(
      () => h.server.requests.filter((r) => r.path === "/api/v1/services").length > lists + 1,
      3000,
      "another retry",
    );
    assert.match(
      h.source.status().kinds.Service.lastError ?? "",
      /without metadata\.resourceVersion/,
    );
    h.server.listTransform = undefined;
    await waitUntil(() => h.source.status().kinds.Service.synced, 3000, "synced after the fix");
    assert.deepEqual([...h.state.objects("Service").keys()], ["default/web"]);
  } finally {
    await h.close();
  }
});
