import assert from "node:assert/strict";
import { startHarness } from "../support/fake_apiserver/harness.ts";
import { waitUntil } from "../support/fake_apiserver/wait.ts";
import { type CutMode, FakeApiServer } from "../support/fake_apiserver/server.ts";
import { generateTestCerts } from "../support/certs.ts";

function svc(name: string, clusterIP: string) {
  return { metadata: { name, namespace: "default" }, spec: { clusterIP } };
}

const MODES: CutMode[] = ["fin", "rst", "tls-close"];

for (const mode of MODES) {
  Deno.test(`startApiServerSource() gets changes made after watches are cut by ${mode}`, async () => {
    const h = await startHarness({
      seed: (s) => {
        s.upsert("Service", svc("web", "10.96.0.10"));
        s.upsert("Node", { metadata: { name: "node-a" } });
      },
    });
    try {
      await h.source.synced;
      await waitUntil(() => h.server.openWatches.length === 4, 3000, "4 watches");
      const watchesBefore = h.source.status().kinds.Service.watches;
      assert.equal(h.server.cutWatches(mode), 4);
      h.server.upsert("Service", svc("after-cut", "10.96.0.77"));
      h.server.upsert("Service", svc("web", "10.96.0.11"));
      const webIP = () =>
        (h.state.get("Service", "default/web") as { spec?: { clusterIP?: string } })?.spec
          ?.clusterIP;
      const ms = await waitUntil(
        () => h.state.get("Service", "default/after-cut") !== undefined && webIP() === "10.96.0.11",
        4000,
        `changes after ${mode} cut`,
      );
      assert.ok(h.source.status().kinds.Service.watches > watchesBefore, "re-watched");
      assert.equal(h.source.status().kinds.Service.lists, 1, "resumed from the last RV, no relist");
      // Each re-watch resumed from a resourceVersion and authenticated with the client cert.
      const rewatches = h.server.requests.filter((r) => r.watch).slice(4);
      assert.ok(rewatches.length >= 1);
      assert.ok(
        rewatches.every((r) => r.clientCN === "system:kube-proxy" && r.query.resourceVersion),
      );
      assert.ok(ms < 4000);
    } finally {
      await h.close();
    }
  });
}

Deno.test("startApiServerSource() aborts a silent half-open watch after its deadline", async () => {
  const h = await startHarness({
    seed: (s) => s.upsert("Service", svc("web", "10.96.0.10")),
    watchTimeoutSeconds: 1,
    watchGraceMs: 300,
  });
  try {
    await h.source.synced;
    await waitUntil(() => h.server.openWatches.length === 4, 3000, "4 watches");
    assert.equal(h.server.stallWatches(), 4);
    h.server.upsert("Service", svc("late", "10.96.0.88"));
    await waitUntil(() => h.state.get("Service", "default/late") !== undefined, 4000, "change");
    assert.match(h.source.status().kinds.Service.lastError ?? "", /watch open longer/);
  } finally {
    await h.close();
  }
});

/** Reads from a raw TLS connection until EOF or error; returns how the stream ended. */
async function readUntilEnd(conn: Deno.TlsConn): Promise<string> {
  const buf = new Uint8Array(16384);
  try {
    while ((await conn.read(buf)) !== null) { /* drain */ }
    return "clean-eof";
  } catch (e) {
    return (e as Error).name;
  }
}

Deno.test("FakeApiServer.cutWatches() produces FIN without close_notify, RST, and close_notify", async () => {
  const certs = await generateTestCerts();
  const server = await FakeApiServer.start({
    tls: { cert: certs.serverCert, key: certs.serverKey, clientCa: certs.caCert },
  });
  try {
    const port = Number(new URL(server.url).port);
    const seen: Record<string, string> = {};
    for (const mode of MODES) {
      const conn = await Deno.connectTls({
        hostname: "127.0.0.1",
        port,
        caCerts: [certs.caCert],
        cert: certs.clientCert,
        key: certs.clientKey,
      });
      try {
        const req = `GET /api/v1/nodes?watch=1&resourceVersion=${server.store.resourceVersion} ` +
          "HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
        await conn.write(new TextEncoder().encode(req));
        await waitUntil(() => server.openWatches.length === 1, 2000, "watch open");
        server.cutWatches(mode);
        seen[mode] = await readUntilEnd(conn);
      } finally {
        conn.close();
      }
    }
    assert.deepEqual(seen, {
      fin: "UnexpectedEof",
      rst: "ConnectionReset",
      "tls-close": "clean-eof",
    });
  } finally {
    await server.stop();
    await certs.cleanup();
  }
});
