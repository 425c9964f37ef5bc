/**
 * Test PKI made with the `openssl` CLI: a CA, a server certificate for
 * 127.0.0.1/localhost and a kube-proxy client certificate, plus a helper that
 * writes a kubeconfig file pointing at them.
 *
 * @module
 */

/** Paths and PEM text of the generated test PKI. */
export interface TestCerts {
  /** Temporary directory holding every file. */
  dir: string;
  caCertFile: string;
  caKeyFile: string;
  serverCertFile: string;
  serverKeyFile: string;
  clientCertFile: string;
  clientKeyFile: string;
  caCert: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  /** Removes the directory. */
  cleanup(): Promise<void>;
}

/** Subject of a generated client certificate. */
export interface ClientSubject {
  /** @default "system:kube-proxy" */
  cn?: string;
  /** @default "system:node-proxier" */
  o?: string;
}

/** Raised when the `openssl` CLI fails. */
export class OpensslError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "OpensslError";
  }
}

async function openssl(dir: string, args: string[]): Promise<void> {
  const out = await new Deno.Command("openssl", {
    args,
    cwd: dir,
    stdout: "piped",
    stderr: "piped",
  })
    .output();
  if (!out.success) {
    const err = new TextDecoder().decode(out.stderr);
    throw new OpensslError(`openssl ${args[0]} failed: ${err.trim()}`);
  }
}

async function signedCert(
  dir: string,
  name: string,
  subject: string,
  ext: string,
): Promise<void> {
  await openssl(dir, [
    "req",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    `${name}.key`,
    "-out",
    `${name}.csr`,
    "-subj",
    subject,
  ]);
  await Deno.writeTextFile(`${dir}/${name}.ext`, ext);
  await openssl(dir, [
    "x509",
    "-req",
    "-in",
    `${name}.csr`,
    "-CA",
    "ca.crt",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-out",
    `${name}.crt`,
    "-days",
    "2",
    "-extfile",
    `${name}.ext`,
  ]);
}

/**
 * Generates a CA, a server certificate (SAN 127.0.0.1 and localhost) and a
 * client certificate (CN=system:kube-proxy, O=system:node-proxier by default)
 * into a new temporary directory.
 */
export async function generateTestCerts(client: ClientSubject = {}): Promise<TestCerts> {
  const dir = await Deno.makeTempDir({ prefix: "kube_nft_proxy_certs_" });
  try {
    await openssl(dir, [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      "ca.key",
      "-out",
      "ca.crt",
      "-days",
      "2",
      "-subj",
      "/CN=test-kubernetes-ca",
    ]);
    await signedCert(
      dir,
      "server",
      "/CN=kube-apiserver",
      "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n",
    );
    const cn = client.cn ?? "system:kube-proxy";
    const o = client.o ?? "system:node-proxier";
    await signedCert(dir, "client", `/CN=${cn}/O=${o}`, "extendedKeyUsage=clientAuth\n");
  } catch (e) {
    await Deno.remove(dir, { recursive: true });
    throw e;
  }
  const read = (f: string) => Deno.readTextFileSync(`${dir}/${f}`);
  return {
    dir,
    caCertFile: `${dir}/ca.crt`,
    caKeyFile: `${dir}/ca.key`,
    serverCertFile: `${dir}/server.crt`,
    serverKeyFile: `${dir}/server.key`,
    clientCertFile: `${dir}/client.crt`,
    clientKeyFile: `${dir}/client.key`,
    caCert: read("ca.crt"),
    serverCert: read("server.crt"),
    serverKey: read("server.key"),
    clientCert: read("client.crt"),
    clientKey: read("client.key"),
    cleanup: () => Deno.remove(dir, { recursive: true }).catch(() => {}),
  };
}

/** What {@linkcode writeKubeconfig} puts in the file. */
export interface KubeconfigSpec {
  server: string;
  caFile?: string;
  certFile?: string;
  keyFile?: string;
  /** Inline PEM, written as base64 `*-data` fields. */
  caData?: string;
  certData?: string;
  keyData?: string;
  token?: string;
  tokenFile?: string;
  insecureSkipTlsVerify?: boolean;
}

/** Writes a single-context kubeconfig to `path` (YAML-compatible JSON). */
export async function writeKubeconfig(path: string, spec: KubeconfigSpec): Promise<void> {
  const b64 = (s?: string) => (s === undefined ? undefined : btoa(s));
  const cluster: Record<string, unknown> = {
    server: spec.server,
    "certificate-authority": spec.caFile,
    "certificate-authority-data": b64(spec.caData),
    "insecure-skip-tls-verify": spec.insecureSkipTlsVerify,
  };
  const user: Record<string, unknown> = {
    "client-certificate": spec.certFile,
    "client-key": spec.keyFile,
    "client-certificate-data": b64(spec.certData),
    "client-key-data": b64(spec.keyData),
    token: spec.token,
    "token-file": spec.tokenFile,
  };
  const config = {
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "test", cluster }],
    users: [{ name: "kube-proxy", user }],
    contexts: [{ name: "test", context: { cluster: "test", user: "kube-proxy" } }],
    "current-context": "test",
  };
  await Deno.writeTextFile(path, JSON.stringify(config, null, 2));
}
