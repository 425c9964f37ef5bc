import assert from "node:assert/strict";
import { ApiClient } from "../../../../src/source/apiserver/api_client.ts";
import { ApiStatusError } from "../../../../src/source/apiserver/errors.ts";
import { listAll, type ListOptions } from "../../../../src/source/apiserver/list.ts";
import { FakeApiServer } from "../../../support/fake_apiserver/server.ts";

const OPTIONS: ListOptions = { kind: "Service", pageSize: 0, timeoutMs: 5000, optional: false };

function svc(name: string) {
  return { metadata: { name, namespace: "default" }, spec: { clusterIP: "10.96.0.1" } };
}

/** A plain-HTTP fake API server and a client for it; both closed after `fn`. */
async function withServer(fn: (s: FakeApiServer, client: ApiClient) => Promise<void>) {
  const server = await FakeApiServer.start();
  const client = new ApiClient({
    server: server.url,
    insecureSkipTlsVerify: false,
    origin: "test",
    warnings: [],
  });
  try {
    await fn(server, client);
  } finally {
    client.close();
    await server.stop();
  }
}

Deno.test("listAll() follows continue tokens and returns every item with the list's version", async () => {
  await withServer(async (s, client) => {
    for (const n of ["a", "b", "c", "d", "e"]) s.upsert("Service", svc(n));
    const r = await listAll(client, "/api/v1/services", { ...OPTIONS, pageSize: 2 });
    assert.ok(r !== "absent");
    assert.deepEqual(r.items.map((i) => i.metadata?.name), ["a", "b", "c", "d", "e"]);
    assert.equal(r.resourceVersion, String(s.store.resourceVersion));
    assert.deepEqual(r.skipped, []);
    const pages = s.requests.filter((q) => q.path === "/api/v1/services");
    assert.deepEqual(pages.map((q) => q.query.limit), ["2", "2", "2"]);
    assert.equal(pages[0].query.continue, undefined);
    assert.ok(pages[1].query.continue);
    // Items get the kind and apiVersion of their list.
    assert.equal(r.items[0].kind, "Service");
    assert.equal(r.items[0].apiVersion, "v1");
  });
});

Deno.test("listAll() leaves out malformed items and items of another kind, naming each", async () => {
  await withServer(async (s, client) => {
    s.upsert("Service", svc("good"));
    s.listTransform = (_resource, body) => ({
      ...body,
      items: [
        ...(body.items as unknown[]),
        { kind: "Pod", metadata: { name: "intruder", namespace: "default" } },
        { metadata: { name: 42, namespace: "default" } },
        "junk",
      ],
    });
    const r = await listAll(client, "/api/v1/services", OPTIONS);
    assert.ok(r !== "absent");
    assert.deepEqual(r.items.map((i) => i.metadata?.name), ["good"]);
    assert.deepEqual(r.skipped, [
      'default/intruder: kind is string "Pod", not Service',
      "default/(unnamed): metadata.name is not a string (number 42)",
      '(unnamed): not an object (string "junk")',
    ]);
  });
});

Deno.test("listAll() refuses a body that is not a list, as an ApiStatusError to retry", async () => {
  await withServer(async (s, client) => {
    s.listTransform = () => ({ kind: "ServiceList", items: [] });
    await assert.rejects(
      listAll(client, "/api/v1/services", OPTIONS),
      (e: unknown) =>
        e instanceof ApiStatusError && /response without metadata\.resourceVersion/.test(e.message),
    );
    s.listTransform = (_r, body) => ({ ...body, items: { not: "a list" } });
    await assert.rejects(
      listAll(client, "/api/v1/services", OPTIONS),
      /items is not a list \(object\)/,
    );
  });
});

Deno.test("listAll() answers 'absent' for an optional resource the server does not serve", async () => {
  const server = await FakeApiServer.start({ disabledResources: ["servicecidrs"] });
  const client = new ApiClient({
    server: server.url,
    insecureSkipTlsVerify: false,
    origin: "t",
    warnings: [],
  });
  try {
    const path = "/apis/networking.k8s.io/v1/servicecidrs";
    assert.equal(
      await listAll(client, path, { ...OPTIONS, kind: "ServiceCIDR", optional: true }),
      "absent",
    );
    await assert.rejects(
      listAll(client, path, { ...OPTIONS, kind: "ServiceCIDR" }),
      (e: unknown) => e instanceof ApiStatusError && e.code === 404,
    );
  } finally {
    client.close();
    await server.stop();
  }
});

Deno.test("listAll() starts over unpaged when the continue token expires midway (410)", async () => {
  await withServer(async (s, client) => {
    for (const n of ["a", "b", "c"]) s.upsert("Service", svc(n));
    let pages = 0;
    s.listTransform = (_r, body) => {
      // After the first page a Service is added and the server compacts: the continue token
      // handed out (at the list's version) is now too old.
      if (++pages === 1) {
        queueMicrotask(() => {
          s.upsert("Service", svc("d"));
          s.compact();
        });
      }
      return body;
    };
    const r = await listAll(client, "/api/v1/services", { ...OPTIONS, pageSize: 2 });
    assert.ok(r !== "absent");
    assert.deepEqual(r.items.map((i) => i.metadata?.name), ["a", "b", "c", "d"]);
    const last = s.requests.filter((q) => q.path === "/api/v1/services").at(-1)!;
    assert.equal(last.query.limit, undefined, "the retry is one unpaged list");
    assert.ok(s.requests.some((q) => q.status === 410), "the second page was refused as Gone");
  });
});

Deno.test("listAll() gives up on a page after timeoutMs, saying so", async () => {
  const hang = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns: Deno.Conn[] = [];
  const accepting = (async () => {
    for await (const c of hang) conns.push(c); // accept, never answer
  })();
  const client = new ApiClient({
    server: `http://127.0.0.1:${(hang.addr as Deno.NetAddr).port}`,
    insecureSkipTlsVerify: false,
    origin: "t",
    warnings: [],
  });
  try {
    await assert.rejects(
      listAll(client, "/api/v1/services", { ...OPTIONS, timeoutMs: 100 }),
      /list \/api\/v1\/services timed out after 100 ms/,
    );
  } finally {
    client.close();
    hang.close();
    for (const c of conns) c.close();
    await accepting.catch(() => {});
  }
});
