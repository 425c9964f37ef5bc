import assert from "node:assert/strict";
import { FakeApiServer } from "../../support/fake_apiserver/server.ts";
import { EventReader } from "../../support/fake_apiserver/stream_reader.ts";
import { generateTestCerts } from "../../support/certs.ts";

function svc(name: string, labels: Record<string, string> = {}, ns = "default") {
  return { metadata: { name, namespace: ns, labels }, spec: { clusterIP: "10.0.0.1" } };
}

async function getJson(url: string, init?: RequestInit & { client?: Deno.HttpClient }) {
  const res = await fetch(url, init);
  return { status: res.status, body: await res.json() };
}

Deno.test("FakeApiServer lists services with a global resourceVersion and kind ServiceList", async () => {
  const s = await FakeApiServer.start();
  try {
    const a = s.upsert("Service", svc("a"));
    s.upsert("services", svc("b", {}, "kube-system"));
    s.upsert("Node", { metadata: { name: "n1" } });
    const { status, body } = await getJson(`${s.url}/api/v1/services`);
    assert.equal(status, 200);
    assert.equal(body.kind, "ServiceList");
    assert.equal(body.apiVersion, "v1");
    assert.equal(body.metadata.resourceVersion, String(s.store.resourceVersion));
    assert.deepEqual(body.items.map((i: { metadata: { name: string } }) => i.metadata.name), [
      "a",
      "b",
    ]);
    assert.ok(Number(a.metadata!.resourceVersion) < Number(body.metadata.resourceVersion));
    const ns = await getJson(`${s.url}/api/v1/namespaces/kube-system/services`);
    assert.equal(ns.body.items.length, 1);
    const es = await getJson(`${s.url}/apis/discovery.k8s.io/v1/endpointslices`);
    assert.equal(es.body.kind, "EndpointSliceList");
    assert.equal(es.body.apiVersion, "discovery.k8s.io/v1");
  } finally {
    await s.stop();
  }
});

Deno.test("FakeApiServer filters lists by label selector and by field selector", async () => {
  const s = await FakeApiServer.start();
  try {
    s.upsert("Service", svc("plain"));
    s.upsert("Service", svc("other-proxy", { "service.kubernetes.io/service-proxy-name": "x" }));
    s.upsert("Service", svc("app-web", { app: "web" }));
    const names = async (q: string) =>
      (await getJson(`${s.url}/api/v1/services?${q}`)).body.items.map((
        i: { metadata: { name: string } },
      ) => i.metadata.name);
    const sel = encodeURIComponent;
    assert.deepEqual(
      await names(`labelSelector=${sel("!service.kubernetes.io/service-proxy-name")}`),
      [
        "app-web",
        "plain",
      ],
    );
    assert.deepEqual(
      await names(`labelSelector=${sel("service.kubernetes.io/service-proxy-name")}`),
      [
        "other-proxy",
      ],
    );
    assert.deepEqual(await names(`labelSelector=${sel("app=web")}`), ["app-web"]);
    assert.deepEqual(
      await names(`labelSelector=${sel("app!=web,!service.kubernetes.io/service-proxy-name")}`),
      [
        "plain",
      ],
    );
    s.upsert("Node", { metadata: { name: "n1" } });
    s.upsert("Node", { metadata: { name: "n2" } });
    const nodes = await getJson(`${s.url}/api/v1/nodes?fieldSelector=${sel("metadata.name=n2")}`);
    assert.deepEqual(nodes.body.items.map((i: { metadata: { name: string } }) => i.metadata.name), [
      "n2",
    ]);
    const bad = await getJson(`${s.url}/api/v1/nodes?fieldSelector=spec.foo%3Dx`);
    assert.equal(bad.status, 400);
  } finally {
    await s.stop();
  }
});

Deno.test("FakeApiServer pages lists with limit and continue", async () => {
  const s = await FakeApiServer.start();
  try {
    for (const n of ["a", "b", "c", "d", "e"]) s.upsert("Service", svc(n));
    const p1 = await getJson(`${s.url}/api/v1/services?limit=2`);
    assert.equal(p1.body.items.length, 2);
    assert.ok(p1.body.metadata.continue);
    const p2 = await getJson(
      `${s.url}/api/v1/services?limit=2&continue=${encodeURIComponent(p1.body.metadata.continue)}`,
    );
    assert.deepEqual(p2.body.items.map((i: { metadata: { name: string } }) => i.metadata.name), [
      "c",
      "d",
    ]);
    assert.equal(p2.body.metadata.resourceVersion, p1.body.metadata.resourceVersion);
  } finally {
    await s.stop();
  }
});

Deno.test("FakeApiServer watch replays events after resourceVersion and streams live ones", async () => {
  const s = await FakeApiServer.start({ bookmarkIntervalMs: 100 });
  try {
    s.upsert("Service", svc("a"));
    const rv = s.store.resourceVersion;
    s.upsert("Service", svc("b"));
    const res = await fetch(
      `${s.url}/api/v1/services?watch=1&resourceVersion=${rv}&allowWatchBookmarks=true`,
    );
    assert.equal(res.status, 200);
    const r = new EventReader(res);
    try {
      const first = await r.nextNonBookmark();
      assert.equal(first?.type, "ADDED");
      assert.equal(first?.object.metadata?.name, "b");
      s.upsert("Service", { ...svc("a"), spec: { clusterIP: "10.0.0.9" } });
      const mod = await r.nextNonBookmark();
      assert.equal(mod?.type, "MODIFIED");
      assert.equal(mod?.object.metadata?.name, "a");
      s.delete("Service", "default/b");
      const del = await r.nextNonBookmark();
      assert.equal(del?.type, "DELETED");
      assert.equal(del?.object.metadata?.resourceVersion, String(s.store.resourceVersion));
      let bm;
      do bm = await r.next(); while (bm?.type !== "BOOKMARK");
      assert.equal(bm.object.metadata?.resourceVersion, String(s.store.resourceVersion));
    } finally {
      await r.cancel();
    }
  } finally {
    await s.stop();
  }
});

Deno.test("FakeApiServer watch turns label changes into ADDED/DELETED for the selector", async () => {
  const s = await FakeApiServer.start();
  try {
    s.upsert("Service", svc("a"));
    const sel = encodeURIComponent("!service.kubernetes.io/service-proxy-name");
    const rv = s.store.resourceVersion;
    const res = await fetch(
      `${s.url}/api/v1/services?watch=true&resourceVersion=${rv}&labelSelector=${sel}`,
    );
    const r = new EventReader(res);
    try {
      s.upsert("Service", svc("a", { "service.kubernetes.io/service-proxy-name": "x" }));
      assert.equal((await r.next())?.type, "DELETED");
      s.upsert("Service", svc("a"));
      assert.equal((await r.next())?.type, "ADDED");
    } finally {
      await r.cancel();
    }
  } finally {
    await s.stop();
  }
});

Deno.test("FakeApiServer watch ends cleanly after timeoutSeconds", async () => {
  const s = await FakeApiServer.start();
  try {
    const t0 = Date.now();
    const res = await fetch(
      `${s.url}/api/v1/nodes?watch=1&resourceVersion=${s.store.resourceVersion}&timeoutSeconds=1`,
    );
    const r = new EventReader(res);
    assert.equal(await r.next(3000), null);
    assert.ok(Date.now() - t0 >= 900);
  } finally {
    await s.stop();
  }
});

Deno.test("FakeApiServer answers a watch from a compacted resourceVersion with 410, as HTTP or ERROR event", async () => {
  const s = await FakeApiServer.start();
  try {
    const old = s.store.resourceVersion;
    s.upsert("Service", svc("a"));
    const ok = await fetch(
      `${s.url}/api/v1/services?watch=1&resourceVersion=${old}&timeoutSeconds=1`,
    );
    assert.equal(ok.status, 200);
    await ok.body?.cancel();
    s.compact();
    const gone = await getJson(`${s.url}/api/v1/services?watch=1&resourceVersion=${old}`);
    assert.equal(gone.status, 410);
    assert.equal(gone.body.kind, "Status");
    assert.match(gone.body.message, /too old resource version/);
    s.tooOldMode = "event";
    const res = await fetch(`${s.url}/api/v1/services?watch=1&resourceVersion=${old}`);
    assert.equal(res.status, 200);
    const r = new EventReader(res);
    const ev = await r.next();
    assert.equal(ev?.type, "ERROR");
    assert.equal(ev?.object.code, 410);
    assert.equal(await r.next(), null);
    const fresh = await fetch(
      `${s.url}/api/v1/services?watch=1&resourceVersion=${s.store.resourceVersion}&timeoutSeconds=1`,
    );
    assert.equal(fresh.status, 200);
    await fresh.body?.cancel();
  } finally {
    await s.stop();
  }
});

Deno.test("FakeApiServer rejects a wrong bearer token with 401 and accepts the right one", async () => {
  const s = await FakeApiServer.start({ token: "s3cret" });
  try {
    const none = await getJson(`${s.url}/api/v1/nodes`);
    assert.equal(none.status, 401);
    const wrong = await getJson(`${s.url}/api/v1/nodes`, {
      headers: { authorization: "Bearer nope" },
    });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.body.reason, "Unauthorized");
    const right = await getJson(`${s.url}/api/v1/nodes`, {
      headers: { authorization: "Bearer s3cret" },
    });
    assert.equal(right.status, 200);
    assert.equal(s.requests.at(-1)?.user, "token-user");
  } finally {
    await s.stop();
  }
});

Deno.test("FakeApiServer over HTTPS records the client certificate CN and refuses clients without one", async () => {
  const certs = await generateTestCerts();
  const s = await FakeApiServer.start({
    tls: { cert: certs.serverCert, key: certs.serverKey, clientCa: certs.caCert },
  });
  const withCert = Deno.createHttpClient({
    caCerts: [certs.caCert],
    cert: certs.clientCert,
    key: certs.clientKey,
  });
  const noCert = Deno.createHttpClient({ caCerts: [certs.caCert] });
  try {
    assert.match(s.url, /^https:/);
    const res = await getJson(`${s.url}/api/v1/nodes`, { client: withCert });
    assert.equal(res.status, 200);
    assert.equal(s.requests.at(-1)?.clientCN, "system:kube-proxy");
    await assert.rejects(() => fetch(`${s.url}/api/v1/nodes`, { client: noCert }));
    assert.ok(s.tlsErrors >= 1);
  } finally {
    withCert.close();
    noCert.close();
    await s.stop();
    await certs.cleanup();
  }
});

Deno.test("FakeApiServer serves discovery: /version, /api, /apis and 404 for a disabled resource", async () => {
  const s = await FakeApiServer.start({ disabledResources: ["servicecidrs"] });
  try {
    assert.equal((await getJson(`${s.url}/version`)).body.major, "1");
    assert.deepEqual((await getJson(`${s.url}/api`)).body.versions, ["v1"]);
    const groups = (await getJson(`${s.url}/apis`)).body.groups.map((g: { name: string }) =>
      g.name
    );
    assert.deepEqual(groups, ["discovery.k8s.io"]);
    const core = (await getJson(`${s.url}/api/v1`)).body;
    assert.ok(core.resources.some((r: { name: string }) => r.name === "nodes"));
    const cidrs = await getJson(`${s.url}/apis/networking.k8s.io/v1/servicecidrs`);
    assert.equal(cidrs.status, 404);
  } finally {
    await s.stop();
  }
});
