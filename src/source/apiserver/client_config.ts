/**
 * Loads how to reach the API server: a kubeconfig file (`--kubeconfig`), a
 * `--master` URL override, or the in-cluster service account. Parsing is done
 * by `@kubernetes/client-node`'s KubeConfig; this module turns the result into
 * plain PEM strings and a token so the watch code can use Deno's fetch.
 *
 * @module
 */

import { KubeConfig } from "@kubernetes/client-node";
import { KubeConfigError } from "./errors.ts";
import {
  isYamlError,
  rawUserField,
  readKubeconfig,
  safeReason,
  yamlErrorLine,
} from "./kubeconfig_file.ts";

/** Everything needed to talk to the API server. */
export interface ClientConfig {
  /** Server URL without a trailing slash, e.g. `https://10.0.0.1:6443`. */
  server: string;
  /**
   * CA certificates (PEM) of the server: with them, only they are trusted
   * (as client-go does); without them, the system roots.
   */
  caCerts?: string[];
  /** Name the server certificate is verified against (`tls-server-name`). */
  tlsServerName?: string;
  /** Client certificate and key (PEM), for mTLS. */
  cert?: string;
  key?: string;
  /** Static bearer token. */
  token?: string;
  /** File holding a bearer token; re-read periodically (service-account tokens rotate). */
  tokenFile?: string;
  /** Basic auth. */
  username?: string;
  password?: string;
  /** HTTP(S) proxy URL from the kubeconfig. */
  proxyUrl?: string;
  insecureSkipTlsVerify: boolean;
  /** Where the configuration came from, for logs. */
  origin: string;
  /** Settings that could not be honoured; the caller should log them. */
  warnings: string[];
}

/** Options of {@linkcode loadClientConfig}. */
export interface LoadClientConfigOptions {
  /** Path of a kubeconfig file. */
  kubeconfigPath?: string;
  /** Overrides the server URL (kube-proxy's `--master`). */
  master?: string;
  /** Prefix of the service-account directory, for tests. @default "" */
  inClusterPathPrefix?: string;
}

function readFile(file: string, field: string, path: string): string {
  try {
    return Deno.readTextFileSync(path);
  } catch (e) {
    throw new KubeConfigError(file, field, `cannot read ${path}: ${(e as Error).message}`, {
      cause: e,
    });
  }
}

function pem(file: string, field: string, text: string, what: string): string {
  if (!text.includes("-----BEGIN")) {
    throw new KubeConfigError(file, field, `does not contain a PEM ${what}`);
  }
  return text;
}

function decodeData(file: string, field: string, data: string): string {
  try {
    return atob(data.replace(/\s+/g, ""));
  } catch (e) {
    throw new KubeConfigError(file, field, "is not valid base64", { cause: e });
  }
}

/** Reads PEM material from inline `*-data` (base64) or from a file path. */
function material(
  file: string,
  field: string,
  data: string | undefined | null,
  path: string | undefined | null,
  what: string,
): string | undefined {
  if (data) return pem(file, `${field}-data`, decodeData(file, `${field}-data`, data), what);
  if (path) return pem(file, field, readFile(file, field, path), what);
  return undefined;
}

function checkServer(file: string, field: string, server: string | undefined): string {
  if (!server) throw new KubeConfigError(file, field, "no server URL");
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    // Not quoted: a kubeconfig's values are not logged (a URL may carry credentials).
    throw new KubeConfigError(file, field, "is not a valid URL");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new KubeConfigError(file, field, `must be an http or https URL, not ${url.protocol}`);
  }
  return server.replace(/\/+$/, "");
}

function loadKubeConfig(
  opts: LoadClientConfigOptions,
): { kc: KubeConfig; file: string; doc?: unknown } {
  const kc = new KubeConfig();
  if (opts.kubeconfigPath) {
    const file = opts.kubeconfigPath;
    // Parsed here first so that a syntax error is reported without the file's content.
    const doc = readKubeconfig(file);
    try {
      kc.loadFromFile(file);
    } catch (e) {
      // client-node's messages may quote the file (its YAML parser's do): never pass them on.
      const detail = isYamlError(e) ? safeReason(e) : (e as Error)?.name ?? "error";
      throw new KubeConfigError(file, undefined, `cannot load: ${detail}`, {
        line: yamlErrorLine(e),
      });
    }
    return { kc, file, doc };
  }
  const host = Deno.env.get("KUBERNETES_SERVICE_HOST");
  const port = Deno.env.get("KUBERNETES_SERVICE_PORT");
  if (!host || !port) {
    throw new KubeConfigError(
      "in-cluster",
      "KUBERNETES_SERVICE_HOST/KUBERNETES_SERVICE_PORT",
      "no --kubeconfig or --master given and not running in a cluster (variables unset)",
    );
  }
  kc.loadFromCluster(opts.inClusterPathPrefix ?? "");
  return { kc, file: "in-cluster" };
}

/**
 * Builds the client configuration. With only `master`, the server is reached
 * without credentials (as kube-proxy does). Without either, the in-cluster
 * service account is used.
 *
 * @throws {KubeConfigError} naming the file and field that cannot be used.
 *
 * @example Read the server and credentials of a kubeconfig
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadClientConfig } from "./client_config.ts";
 *
 * const file = await Deno.makeTempFile();
 * try {
 *   await Deno.writeTextFile(
 *     file,
 *     `apiVersion: v1
 * kind: Config
 * clusters:
 * - name: c
 *   cluster: {server: "https://192.168.1.10:6443", insecure-skip-tls-verify: true}
 * users: [{name: kube-proxy, user: {token: "abc123"}}]
 * contexts: [{name: c, context: {cluster: c, user: kube-proxy}}]
 * current-context: c
 * `,
 *   );
 *   const config = loadClientConfig({ kubeconfigPath: file });
 *   assert.equal(config.server, "https://192.168.1.10:6443");
 *   assert.equal(config.token, "abc123");
 *   // --master alone: no kubeconfig, no credentials.
 *   const master = loadClientConfig({ master: "http://127.0.0.1:8080" });
 *   assert.equal(master.server, "http://127.0.0.1:8080");
 * } finally {
 *   await Deno.remove(file);
 * }
 * ```
 */
export function loadClientConfig(opts: LoadClientConfigOptions = {}): ClientConfig {
  if (!opts.kubeconfigPath && opts.master) {
    const server = checkServer("(none)", "--master", opts.master);
    return { server, insecureSkipTlsVerify: false, origin: `--master ${server}`, warnings: [] };
  }
  const { kc, file, doc } = loadKubeConfig(opts);
  const ctxName = kc.getCurrentContext();
  if (!ctxName || !kc.getContextObject(ctxName)) {
    throw new KubeConfigError(file, "current-context", `context "${ctxName ?? ""}" not found`);
  }
  const cluster = kc.getCurrentCluster();
  if (!cluster) {
    throw new KubeConfigError(file, `context "${ctxName}" cluster`, "cluster not found");
  }
  const cf = `clusters["${cluster.name}"]`;
  const server = opts.master
    ? checkServer(file, "--master", opts.master)
    : checkServer(file, `${cf}.server`, cluster.server);
  const warnings: string[] = [];
  const ca = material(file, `${cf}.certificate-authority`, cluster.caData, cluster.caFile, "CA");
  const proxyUrl = cluster.proxyUrl || undefined;
  if (proxyUrl && server.startsWith("https:")) {
    // Through a proxy the request goes out on Deno's fetch, whose TLS settings are coarser.
    if (ca) {
      warnings.push(
        "proxy-url is set: the certificate-authority is trusted in addition to the system roots, " +
          "not instead of them",
      );
    }
    if (cluster.skipTLSVerify) {
      warnings.push(
        "proxy-url is set: insecure-skip-tls-verify cannot be honoured; " +
          "run with --unsafely-ignore-certificate-errors=<host> to really skip verification",
      );
    }
    if (cluster.tlsServerName) {
      warnings.push("proxy-url is set: tls-server-name is not supported and is ignored");
    }
  }
  if (cluster.skipTLSVerify && ca) {
    // As client-go: a CA and "do not verify" contradict each other.
    throw new KubeConfigError(
      file,
      `${cf}.insecure-skip-tls-verify`,
      "cannot be combined with certificate-authority(-data)",
    );
  }
  if (cluster.skipTLSVerify && !proxyUrl) {
    warnings.push("insecure-skip-tls-verify is set: the server certificate is not verified");
  }
  if (cluster.tlsServerName && !ca && !proxyUrl && !cluster.skipTLSVerify) {
    warnings.push(
      "tls-server-name is only supported together with certificate-authority; it is ignored",
    );
  }
  const config: ClientConfig = {
    server,
    caCerts: ca ? [ca] : undefined,
    tlsServerName: cluster.tlsServerName || undefined,
    insecureSkipTlsVerify: cluster.skipTLSVerify === true,
    proxyUrl,
    origin: file === "in-cluster" ? "in-cluster service account" : `kubeconfig ${file}`,
    warnings,
  };
  const user = kc.getCurrentUser();
  if (!user) return config;
  const uf = `users["${user.name}"]`;
  config.cert = material(
    file,
    `${uf}.client-certificate`,
    user.certData,
    user.certFile,
    "certificate",
  );
  config.key = material(file, `${uf}.client-key`, user.keyData, user.keyFile, "private key");
  if ((config.cert === undefined) !== (config.key === undefined)) {
    const missing = config.cert ? "client-key" : "client-certificate";
    throw new KubeConfigError(
      file,
      `${uf}.${missing}`,
      "a client certificate needs both a certificate and a key",
    );
  }
  if (user.token) config.token = user.token.trim();
  // deno-lint-ignore no-explicit-any
  const provider = user.authProvider as any;
  if (provider?.name === "tokenFile" && provider.config?.tokenFile) {
    config.tokenFile = provider.config.tokenFile;
    readFile(file, `${uf}.tokenFile`, config.tokenFile!);
  } else if (provider) {
    // The provider's name (e.g. "oidc") is shown only when it looks like a name.
    const name = typeof provider.name === "string" && /^[\w.-]{1,40}$/.test(provider.name)
      ? `"${provider.name}" `
      : "";
    throw new KubeConfigError(file, `${uf}.auth-provider`, `${name}is not supported`);
  }
  if (user.exec) {
    throw new KubeConfigError(file, `${uf}.exec`, "exec credential plugins are not supported");
  }
  if (!config.token && !config.tokenFile && file !== "in-cluster") {
    // client-node 2.0.1 drops `users[].user.tokenFile` (kubeadm's kube-proxy kubeconfig uses it).
    const tokenFile = rawUserField(doc, user.name, "tokenFile");
    if (tokenFile) {
      config.tokenFile = tokenFile;
      readFile(file, `${uf}.tokenFile`, tokenFile);
    }
  }
  if (user.username) [config.username, config.password] = [user.username, user.password ?? ""];
  return config;
}
