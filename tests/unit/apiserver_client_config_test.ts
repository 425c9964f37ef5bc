import assert from "node:assert/strict";
import { loadClientConfig } from "../../src/source/apiserver/client_config.ts";
import { KubeConfigError } from "../../src/source/apiserver/errors.ts";
import { writeKubeconfig } from "../support/certs.ts";

const CA = "-----BEGIN CERTIFICATE-----\nQ0E=\n-----END CERTIFICATE-----\n";
const CERT = "-----BEGIN CERTIFICATE-----\nQ0VSVA==\n-----END CERTIFICATE-----\n";
const KEY = "-----BEGIN PRIVATE KEY-----\nS0VZ\n-----END PRIVATE KEY-----\n";

async function withDir(fn: (dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "apiserver_cfg_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("loadClientConfig() reads certificate files named in a kubeconfig", async () => {
  await withDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/ca.crt`, CA);
    await Deno.writeTextFile(`${dir}/c.crt`, CERT);
    await Deno.writeTextFile(`${dir}/c.key`, KEY);
    // Relative paths resolve against the kubeconfig's directory.
    await writeKubeconfig(`${dir}/kc`, {
      server: "https://10.0.0.1:6443/",
      caFile: "ca.crt",
      certFile: `${dir}/c.crt`,
      keyFile: "c.key",
    });
    const c = loadClientConfig({ kubeconfigPath: `${dir}/kc` });
    assert.equal(c.server, "https://10.0.0.1:6443");
    assert.deepEqual(c.caCerts, [CA]);
    assert.equal(c.cert, CERT);
    assert.equal(c.key, KEY);
    assert.equal(c.token, undefined);
    assert.deepEqual(c.warnings, []);
  });
});

Deno.test("loadClientConfig() decodes inline data, takes a token and applies --master", async () => {
  await withDir(async (dir) => {
    await writeKubeconfig(`${dir}/kc`, {
      server: "https://a.example:6443",
      caData: CA,
      token: "abc",
      insecureSkipTlsVerify: true,
    });
    const c = loadClientConfig({ kubeconfigPath: `${dir}/kc`, master: "https://b.example:443" });
    assert.equal(c.server, "https://b.example:443");
    assert.deepEqual(c.caCerts, [CA]);
    assert.equal(c.token, "abc");
    assert.equal(c.insecureSkipTlsVerify, true);
    assert.match(c.warnings.join(), /insecure-skip-tls-verify/);
  });
});

Deno.test("loadClientConfig() with only --master uses no credentials", () => {
  const c = loadClientConfig({ master: "http://127.0.0.1:8080" });
  assert.equal(c.server, "http://127.0.0.1:8080");
  assert.equal(c.cert, undefined);
  assert.equal(c.token, undefined);
});

Deno.test("loadClientConfig() names the file and field of a missing client key", async () => {
  await withDir(async (dir) => {
    await writeKubeconfig(`${dir}/kc`, {
      server: "https://10.0.0.1:6443",
      certData: CERT,
      keyFile: `${dir}/missing.key`,
    });
    assert.throws(
      () => loadClientConfig({ kubeconfigPath: `${dir}/kc` }),
      (e: unknown) =>
        e instanceof KubeConfigError && e.file === `${dir}/kc` &&
        e.field === 'users["kube-proxy"].client-key' && /missing\.key/.test(e.message),
    );
  });
});

Deno.test("loadClientConfig() rejects a missing file, bad YAML, bad server URL and a non-PEM CA", async () => {
  await withDir(async (dir) => {
    assert.throws(
      () => loadClientConfig({ kubeconfigPath: `${dir}/nope` }),
      (e: unknown) => e instanceof KubeConfigError && /cannot read/.test(e.message),
    );
    await Deno.writeTextFile(`${dir}/bad`, "clusters: [\n  - {");
    assert.throws(
      () => loadClientConfig({ kubeconfigPath: `${dir}/bad` }),
      (e: unknown) => e instanceof KubeConfigError && /cannot parse/.test(e.message),
    );
    await writeKubeconfig(`${dir}/url`, { server: "ftp://x" });
    assert.throws(
      () => loadClientConfig({ kubeconfigPath: `${dir}/url` }),
      (e: unknown) => e instanceof KubeConfigError && e.field === 'clusters["test"].server',
    );
    await writeKubeconfig(`${dir}/ca`, { server: "https://x", caData: "not a cert" });
    assert.throws(
      () => loadClientConfig({ kubeconfigPath: `${dir}/ca` }),
      (e: unknown) =>
        e instanceof KubeConfigError && e.field === 'clusters["test"].certificate-authority-data',
    );
  });
});

Deno.test("loadClientConfig() uses the in-cluster service account when nothing is given", async () => {
  await withDir(async (dir) => {
    const sa = `${dir}/var/run/secrets/kubernetes.io/serviceaccount`;
    await Deno.mkdir(sa, { recursive: true });
    await Deno.writeTextFile(`${sa}/ca.crt`, CA);
    await Deno.writeTextFile(`${sa}/token`, "sa-token\n");
    const saved = ["KUBERNETES_SERVICE_HOST", "KUBERNETES_SERVICE_PORT"].map((
      k,
    ) => [k, Deno.env.get(k)]);
    try {
      Deno.env.delete("KUBERNETES_SERVICE_HOST");
      assert.throws(() => loadClientConfig({ inClusterPathPrefix: dir }), KubeConfigError);
      Deno.env.set("KUBERNETES_SERVICE_HOST", "10.96.0.1");
      Deno.env.set("KUBERNETES_SERVICE_PORT", "443");
      const c = loadClientConfig({ inClusterPathPrefix: dir });
      assert.equal(c.server, "https://10.96.0.1:443");
      assert.deepEqual(c.caCerts, [CA]);
      assert.equal(c.tokenFile, `${sa}/token`);
    } finally {
      for (const [k, v] of saved) v === undefined ? Deno.env.delete(k!) : Deno.env.set(k!, v);
    }
  });
});

Deno.test("loadClientConfig() reads a users[].user.tokenFile, as in kubeadm's kube-proxy kubeconfig", async () => {
  await withDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/ca.crt`, CA);
    await Deno.writeTextFile(`${dir}/token`, "abc\n");
    await Deno.writeTextFile(
      `${dir}/kc`,
      `apiVersion: v1
kind: Config
clusters:
  - name: default
    cluster: { certificate-authority: ${dir}/ca.crt, server: "https://10.0.0.1:6443" }
contexts:
  - name: default
    context: { cluster: default, user: default }
current-context: default
users:
  - name: default
    user: { tokenFile: ${dir}/token }
`,
    );
    const c = loadClientConfig({ kubeconfigPath: `${dir}/kc` });
    assert.equal(c.tokenFile, `${dir}/token`);
    await Deno.remove(`${dir}/token`);
    assert.throws(() => loadClientConfig({ kubeconfigPath: `${dir}/kc` }), /tokenFile/);
  });
});
