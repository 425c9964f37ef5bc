/**
 * A minimal API-server HTTP client: TLS material and a bearer token from a
 * {@linkcode ClientConfig}, GET with query parameters, and metav1.Status
 * errors turned into {@linkcode ApiStatusError}. An https server with a CA
 * (or with verification off) is reached through {@linkcode TlsTransport}: the
 * kubeconfig's CA is then the only trusted root, as with client-go. Anything
 * else (plain http, the system roots, a `proxy-url`) goes through Deno's
 * native fetch.
 *
 * @module
 */

import type { ClientConfig } from "./client_config.ts";
import { ApiStatusError } from "./errors.ts";
import { TlsTransport } from "./tls_transport.ts";

/** How often a token file is re-read. */
const TOKEN_FILE_TTL_MS = 60_000;

type FetchInit = RequestInit & { client?: Deno.HttpClient };

/** GETs from the API server; create one per source and `close()` it. */
export class ApiClient {
  readonly server: string;
  readonly #config: ClientConfig;
  readonly #http?: Deno.HttpClient;
  readonly #tls?: TlsTransport;
  #token?: { value: string; readAt: number };

  constructor(config: ClientConfig) {
    if (!config?.server) throw new TypeError("ApiClient: 'server' is required");
    this.#config = config;
    this.server = config.server;
    if (usesTlsTransport(config)) {
      this.#tls = new TlsTransport({
        caCerts: config.caCerts,
        cert: config.cert,
        key: config.key,
        serverName: config.tlsServerName,
        insecureSkipVerify: config.insecureSkipTlsVerify,
      });
      return;
    }
    const options: Deno.CreateHttpClientOptions & Partial<Deno.TlsCertifiedKeyPem> = {};
    if (config.caCerts?.length) options.caCerts = config.caCerts;
    if (config.cert && config.key) [options.cert, options.key] = [config.cert, config.key];
    if (config.proxyUrl) options.proxy = { url: config.proxyUrl };
    this.#http = Deno.createHttpClient(options);
  }

  #bearer(): string | undefined {
    const { tokenFile, token } = this.#config;
    if (!tokenFile) return token;
    const now = Date.now();
    if (!this.#token || now - this.#token.readAt > TOKEN_FILE_TTL_MS) {
      try {
        this.#token = { value: Deno.readTextFileSync(tokenFile).trim(), readAt: now };
      } catch (e) {
        // Keep the last token while the file is being rotated.
        if (!this.#token) throw e;
      }
    }
    return this.#token.value;
  }

  /**
   * GETs `path` with `query`; resolves with the response when it is 2xx.
   * @throws {ApiStatusError} for any other status (the body's Status is parsed when present).
   */
  async get(
    path: string,
    query: Record<string, string | undefined>,
    signal?: AbortSignal,
  ): Promise<Response> {
    const url = new URL(this.server + path);
    for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, v);
    const headers = new Headers({ accept: "application/json", "user-agent": "kube-nft-proxy" });
    const bearer = this.#bearer();
    if (bearer) headers.set("authorization", `Bearer ${bearer}`);
    else if (this.#config.username !== undefined) {
      headers.set(
        "authorization",
        `Basic ${btoa(`${this.#config.username}:${this.#config.password}`)}`,
      );
    }
    const res = this.#tls
      ? await this.#tls.get(url, headers, signal)
      : await fetch(url, { headers, signal, client: this.#http } as FetchInit);
    if (res.ok) return res;
    const text = await res.text().catch(() => "");
    let reason: string | undefined;
    let message = `${res.status} ${res.statusText} from GET ${url.pathname}`;
    try {
      const status = JSON.parse(text);
      if (status?.kind === "Status") {
        reason = status.reason;
        if (status.message) message += `: ${status.message}`;
      }
    } catch {
      if (text) message += `: ${text.slice(0, 200)}`;
    }
    throw new ApiStatusError(res.status, reason, message);
  }

  /** Releases the connection pool. */
  close(): void {
    this.#http?.close();
    this.#tls?.close();
  }
}

/**
 * Whether `config` is served by {@linkcode TlsTransport}: an https server
 * with a CA (trusted alone) or with verification off, not behind a
 * `proxy-url`. Everything else goes through Deno's fetch, whose roots are
 * the system's (`DENO_TLS_CA_STORE`, `DENO_CERT`); Deno's node:https does not
 * read those, so it is not used without a CA.
 */
export function usesTlsTransport(config: ClientConfig): boolean {
  return config.server.startsWith("https:") && !config.proxyUrl &&
    (config.caCerts !== undefined && config.caCerts.length > 0 || config.insecureSkipTlsVerify);
}
