import assert from "node:assert/strict";
import { withTempDir } from "../../../support/temp_dir.ts";
import { loadClientConfig } from "../../../../src/source/apiserver/client_config.ts";
import { KubeConfigError } from "../../../../src/source/apiserver/errors.ts";
import { writeKubeconfig } from "../../../support/certs.ts";

const CA = "-----BEGIN CERTIFICATE-----\nQ0E=\n-----END CERTIFICATE-----\n";
const CERT = "-----BEGIN CERTIFICATE-----\nQ0VSVA==\n-----END CERTIFICATE-----\n";
const KEY = "-----BEGIN PRIVATE KEY-----\nS0VZ\n-----END PRIVATE KEY-----\n";

Deno.test("loadClientConfig() reads certificate files named in a kubeconfig", async () => {
  await withTempDir("apiserver_cfg_", async (dir) => {
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
  await withTempDir("apiserver_cfg_", async (dir) => {
    await writeKubeconfig(`${dir}/kc`, {
      server: "https://a.example:6443",
      caData: CA,
      token: "abc",
    });
    const c = loadClientConfig({ kubeconfigPath: `${dir}/kc`, master: "https://b.example:443" });
    assert.equal(c.server, "https://b.example:443");
    assert.deepEqual(c.caCerts, [CA]);
    assert.equal(c.token, "abc");
    assert.equal(c.insecureSkipTlsVerify, false);
    assert.deepEqual(c.warnings, []);
  });
});

Deno.test("loadClientConfig() honours insecure-skip-tls-verify with a warning, and refuses it with a CA as client-go does", async () => {
  await withTempDir("apiserver_cfg_", async (dir) => {
    await writeKubeconfig(`${dir}/kc`, {
      server: "https://a.example",
      insecureSkipTlsVerify: true,
    });
    const c = loadClientConfig({ kubeconfigPath: `${dir}/kc` });
    assert.equal(c.insecureSkipTlsVerify, true);
    assert.match(
      c.warnings.join(),
      /insecure-skip-tls-verify is set: the server certificate is not verified/,
    );
    await writeKubeconfig(`${dir}/kc`, {
      server: "https://a.example",
      caData: CA,
      insecureSkipTlsVerify: true,
    });
    assert.throws(
      () => loadClientConfig({ kubeconfigPath: `${dir}/kc` }),
      (e: unknown) =>
        e instanceof KubeConfigError && e.field === 'clusters["test"].insecure-skip-tls-verify',
    );
  });
});

Deno.test("loadClientConfig() with only --master uses no credentials", () => {
  const c = loadClientConfig({ master: "http://127.0.0.1:8080" });
  assert.equal(c.server, "http://127.0.0.1:8080");
  assert.equal(c.cert, undefined);
  assert.equal(c.token, undefined);
});

Deno.test("loadClientConfig() names the file and field of a missing client key", async () => {
  await withTempDir("apiserver_cfg_", async (dir) => {
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
  await withTempDir("apiserver_cfg_", async (dir) => {
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
  await withTempDir("apiserver_cfg_", async (dir) => {
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
  await withTempDir("apiserver_cfg_", async (dir) => {
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

const TOKEN = "eyJhbGciOiJSUzI1NiJ9.c2VjcmV0LXRva2VuLXZhbHVl.U0lHTkFUVVJF";
const KEY_DATA = btoa(KEY);

/** A kubeadm-style kubeconfig with a token and an inline key; `userExtra` goes under `user:`. */
function kubeconfigText(userExtra: string): string {
  return `apiVersion: v1
kind: Config
clusters:
- cluster:
    certificate-authority-data: ${btoa(CA)}
    server: https://10.0.0.1:6443
  name: kubernetes
contexts:
- context:
    cluster: kubernetes
    user: kube-proxy
  name: default
current-context: default
users:
- name: kube-proxy
  user:
    client-key-data: ${KEY_DATA}
${userExtra}`;
}

Deno.test("loadClientConfig() reports a kubeconfig syntax error by file and line only, never its content", async () => {
  await withTempDir("apiserver_cfg_", async (dir) => {
    const cases: [string, number][] = [
      [`    token: ${TOKEN}\n   bad: indentation\n`, 19],
      [`    token: [${TOKEN}\n`, 19], // the end of the text
      [`    token: *${TOKEN}\n`, 18],
      [`    token: !${TOKEN} x\n`, 18],
      [`    token: ${TOKEN}\n    token: ${TOKEN}\n`, 19],
    ];
    for (const [extra, line] of cases) {
      const text = kubeconfigText(extra);
      await Deno.writeTextFile(`${dir}/kc`, text);
      assert.throws(() => loadClientConfig({ kubeconfigPath: `${dir}/kc` }), (e: unknown) => {
        assert.ok(e instanceof KubeConfigError);
        const msg = e.message;
        assert.equal(e.line, line, msg);
        assert.match(msg, new RegExp(`^kubeconfig ${dir}/kc:${line}: cannot parse: [a-z][^\\n]*$`));
        assert.ok(!msg.includes(TOKEN.slice(0, 12)), `token leaked: ${msg}`);
        assert.ok(!msg.includes(KEY_DATA.slice(0, 12)), `key leaked: ${msg}`);
        for (const l of text.split("\n").map((l) => l.trim()).filter((l) => l.length > 8)) {
          assert.ok(!msg.includes(l), `file content "${l}" in: ${msg}`);
        }
        assert.equal(e.cause, undefined, "the parser's error (which quotes the file) is not kept");
        return true;
      });
    }
  });
});

Deno.test("loadClientConfig() does not quote a bad server URL, which may carry credentials", async () => {
  await withTempDir("apiserver_cfg_", async (dir) => {
    await writeKubeconfig(`${dir}/kc`, { server: "https://admin:s3cr3t@[bad" });
    assert.throws(
      () => loadClientConfig({ kubeconfigPath: `${dir}/kc` }),
      (e: unknown) =>
        e instanceof KubeConfigError && /server: is not a valid URL$/.test(e.message) &&
        !e.message.includes("s3cr3t"),
    );
  });
});

Deno.test("loadClientConfig() passes tls-server-name on and warns only where it cannot be honoured", async () => {
  await withTempDir("apiserver_cfg_", async (dir) => {
    const text = kubeconfigText(`    token: ${TOKEN}\n`).replace(
      "    server: https://10.0.0.1:6443\n",
      "    server: https://10.0.0.1:6443\n    tls-server-name: kubernetes.default.svc\n",
    ).replace(`client-key-data: ${KEY_DATA}`, "username: x");
    await Deno.writeTextFile(`${dir}/kc`, text);
    const c = loadClientConfig({ kubeconfigPath: `${dir}/kc` });
    assert.equal(c.tlsServerName, "kubernetes.default.svc");
    assert.deepEqual(c.warnings, []);
    await Deno.writeTextFile(
      `${dir}/kc`,
      text.replace(
        "    tls-server-name:",
        "    proxy-url: http://127.0.0.1:3128\n    tls-server-name:",
      ),
    );
    const p = loadClientConfig({ kubeconfigPath: `${dir}/kc` });
    assert.equal(p.warnings.length, 2);
    assert.match(p.warnings.join("\n"), /in addition to the system roots/);
    assert.match(p.warnings.join("\n"), /tls-server-name is not supported/);
  });
});
