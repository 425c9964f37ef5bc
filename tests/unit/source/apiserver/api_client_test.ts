import assert from "node:assert/strict";
import { usesTlsTransport } from "../../../../src/source/apiserver/api_client.ts";
import type { ClientConfig } from "../../../../src/source/apiserver/client_config.ts";

const base: ClientConfig = {
  server: "https://10.96.0.1:443",
  insecureSkipTlsVerify: false,
  origin: "test",
  warnings: [],
};
const CA = "-----BEGIN CERTIFICATE-----\nQ0E=\n-----END CERTIFICATE-----\n";

Deno.test("usesTlsTransport() takes https servers with a CA (in-cluster ca.crt included) or verification off", () => {
  assert.equal(usesTlsTransport({ ...base, caCerts: [CA] }), true);
  assert.equal(usesTlsTransport({ ...base, insecureSkipTlsVerify: true }), true);
});

Deno.test("usesTlsTransport() leaves http, CA-less servers (system roots) and proxied servers to fetch", () => {
  assert.equal(usesTlsTransport(base), false);
  assert.equal(usesTlsTransport({ ...base, caCerts: [] }), false);
  assert.equal(
    usesTlsTransport({ ...base, server: "http://127.0.0.1:8080", caCerts: [CA] }),
    false,
  );
  assert.equal(
    usesTlsTransport({ ...base, caCerts: [CA], proxyUrl: "http://proxy.example:3128" }),
    false,
  );
});
