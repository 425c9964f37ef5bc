import assert from "node:assert/strict";
import { FakeApiServer } from "../support/fake_apiserver/server.ts";
import { generateTestCerts, writeKubeconfig } from "../support/certs.ts";

/**
 * Trust rules, as client-go has them: a kubeconfig's CA is the ONLY root
 * trusted for the API server; without one, the system roots are. The
 * "system" is the probe process's root store, made to trust CA `system`
 * through DENO_CERT (which Deno reads once, when a process starts). The API
 * server's certificate is signed by that CA; kubeconfigs name other CAs.
 */

const TOKEN = "trust-test-token";

type Result = { status?: number; error?: string };

/** Runs tests/support/api_get_probe.ts on `kubeconfigs` in one fresh process. */
async function probe(kubeconfigs: string[], env: Record<string, string>): Promise<Result[]> {
  const script = new URL("../support/api_get_probe.ts", import.meta.url).pathname;
  const inherited = Object.entries(Deno.env.toObject())
    .filter(([k]) => !/^DENO_(CERT|TLS_CA_STORE)$/.test(k));
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--no-check", script, ...kubeconfigs],
    env: { ...Object.fromEntries(inherited), ...env },
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.ok(out.success, `probe failed: ${new TextDecoder().decode(out.stderr)}`);
  const lines = new TextDecoder().decode(out.stdout).trim().split("\n");
  assert.equal(lines.length, kubeconfigs.length, lines.join("\n"));
  return lines.map((l) => JSON.parse(l));
}

/** A kubeconfig for `server` with `cluster` fields merged in. */
async function kubeconfig(
  path: string,
  server: FakeApiServer,
  cluster: Record<string, unknown>,
): Promise<string> {
  await writeKubeconfig(path, { server: server.url, token: TOKEN });
  const cfg = JSON.parse(await Deno.readTextFile(path));
  Object.assign(cfg.clusters[0].cluster, cluster);
  await Deno.writeTextFile(path, JSON.stringify(cfg));
  return path;
}

function assertRefused(r: Result, pattern: RegExp, what: string) {
  assert.equal(r.status, undefined, `${what}: the request went through`);
  assert.match(r.error ?? "", pattern, what);
}

Deno.test("the API client trusts only the kubeconfig's CA, keeps the system roots without one, and honours tls-server-name", async () => {
  const system = await generateTestCerts();
  const other = await generateTestCerts();
  const server = await FakeApiServer.start({
    tls: { cert: system.serverCert, key: system.serverKey },
    token: TOKEN,
  });
  const dir = await Deno.makeTempDir({ prefix: "apiserver_tls_trust_" });
  try {
    const ca = (c: typeof system) => btoa(c.caCert);
    const kc = {
      otherCa: await kubeconfig(`${dir}/other-ca`, server, {
        "certificate-authority": other.caCertFile,
      }),
      ownCa: await kubeconfig(`${dir}/own-ca`, server, {
        "certificate-authority-data": ca(system),
      }),
      noCa: await kubeconfig(`${dir}/no-ca`, server, {}),
      // The server certificate names 127.0.0.1 and localhost.
      goodName: await kubeconfig(`${dir}/good-name`, server, {
        "certificate-authority-data": ca(system),
        "tls-server-name": "localhost",
      }),
      badName: await kubeconfig(`${dir}/bad-name`, server, {
        "certificate-authority-data": ca(system),
        "tls-server-name": "evil.example",
      }),
      insecure: await kubeconfig(`${dir}/insecure`, server, { "insecure-skip-tls-verify": true }),
    };
    const [otherCa, ownCa, noCa, goodName, badName] = await probe(
      [kc.otherCa, kc.ownCa, kc.noCa, kc.goodName, kc.badName],
      { DENO_CERT: system.caCertFile },
    );
    assertRefused(
      otherCa,
      /certificate|verify/i,
      "a server certified by a CA other than the kubeconfig's",
    );
    assert.deepEqual(ownCa, { status: 200 });
    assert.deepEqual(noCa, { status: 200 }, "without a CA in the kubeconfig, the system roots");
    assert.deepEqual(goodName, { status: 200 });
    assertRefused(
      badName,
      /evil\.example|altnames|hostname/i,
      "tls-server-name not in the certificate",
    );

    // Control: without DENO_CERT the system does not know the CA, so the no-CA success above was the
    // system roots'; verification off is the only way in then.
    const [noCaUntrusted, insecure] = await probe([kc.noCa, kc.insecure], {});
    assertRefused(
      noCaUntrusted,
      /certificate|verify|fetch failed/i,
      "an unknown CA without a kubeconfig CA",
    );
    assert.deepEqual(insecure, { status: 200 });
  } finally {
    await server.stop();
    await Promise.all([system.cleanup(), other.cleanup()]);
    await Deno.remove(dir, { recursive: true });
  }
});
