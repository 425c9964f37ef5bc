import assert from "node:assert/strict";
import { TlsTransport } from "../../../../src/source/apiserver/tls_transport.ts";
import { FakeApiServer } from "../../../support/fake_apiserver/server.ts";
import { generateTestCerts, type TestCerts } from "../../../support/certs.ts";

/** An HTTPS fake API server (client certificates verified against the test CA). */
async function withTlsServer(fn: (s: FakeApiServer, certs: TestCerts) => Promise<void>) {
  const certs = await generateTestCerts();
  const server = await FakeApiServer.start({
    tls: { cert: certs.serverCert, key: certs.serverKey, clientCa: certs.caCert },
  });
  try {
    await fn(server, certs);
  } finally {
    await server.stop();
    await certs.cleanup();
  }
}

const headers = () => new Headers({ accept: "application/json" });

Deno.test("TlsTransport trusts the given CA alone and presents the client certificate", async () => {
  await withTlsServer(async (server, certs) => {
    const tls = new TlsTransport({
      caCerts: [certs.caCert],
      cert: certs.clientCert,
      key: certs.clientKey,
    });
    try {
      const res = await tls.get(new URL(`${server.url}/version`), headers());
      assert.equal(res.status, 200);
      assert.ok((await res.json()).gitVersion);
      assert.equal(server.requests.at(-1)?.clientCN, "system:kube-proxy");
    } finally {
      tls.close();
    }
  });
});

Deno.test("TlsTransport refuses a server whose certificate another CA signed", async () => {
  await withTlsServer(async (server, certs) => {
    const other = await generateTestCerts();
    const tls = new TlsTransport({
      caCerts: [other.caCert],
      cert: certs.clientCert,
      key: certs.clientKey,
    });
    try {
      await assert.rejects(tls.get(new URL(`${server.url}/version`), headers()));
    } finally {
      tls.close();
      await other.cleanup();
    }
  });
});

Deno.test("TlsTransport verifies against tls-server-name, or skips verification when told", async () => {
  await withTlsServer(async (server, certs) => {
    const client = { cert: certs.clientCert, key: certs.clientKey };
    const wrongName = new TlsTransport({
      caCerts: [certs.caCert],
      serverName: "kubernetes.default",
      ...client,
    });
    const rightName = new TlsTransport({
      caCerts: [certs.caCert],
      serverName: "localhost",
      ...client,
    });
    const insecure = new TlsTransport({ insecureSkipVerify: true, ...client });
    try {
      const url = new URL(`${server.url}/version`);
      await assert.rejects(wrongName.get(url, headers()));
      assert.equal((await rightName.get(url, headers())).status, 200);
      const res = await insecure.get(url, headers());
      assert.equal(res.status, 200);
      await res.body?.cancel();
    } finally {
      for (const t of [wrongName, rightName, insecure]) t.close();
    }
  });
});

Deno.test("TlsTransport refuses a plain http URL and an already aborted request", async () => {
  const tls = new TlsTransport();
  try {
    await assert.rejects(
      tls.get(new URL("http://127.0.0.1:1/"), headers()),
      /TlsTransport: not an https URL: http:\/\/127\.0\.0\.1:1/,
    );
    const abort = new AbortController();
    abort.abort(new Error("stopped"));
    await assert.rejects(
      tls.get(new URL("https://127.0.0.1:1/"), headers(), abort.signal),
      /stopped/,
    );
  } finally {
    tls.close();
  }
});
