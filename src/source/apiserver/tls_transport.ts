/**
 * GET over HTTPS with client-go's trust rules, answering with a web
 * `Response` like `fetch`. Deno's `fetch` can only ADD a kubeconfig's CA to
 * the system roots (`Deno.createHttpClient({ caCerts })`, measured with
 * Deno 2.9.6); Deno's `node:https`, like Node's, makes `ca` the ONLY trusted
 * roots. So this transport serves https API servers given a CA (trusted
 * alone, verified against `tls-server-name` when set) or
 * `insecure-skip-tls-verify`. Without `ca` its roots are the bundled Mozilla
 * ones, not the system store (`DENO_TLS_CA_STORE`, `DENO_CERT`): the client
 * uses fetch then.
 *
 * A cut connection (FIN, RST or TLS close before the response ended) errors
 * the body stream at once, as `fetch` does; an abort ends the request.
 *
 * @module
 */

import https from "node:https";
import type { IncomingMessage } from "node:http";

/** TLS settings of {@linkcode TlsTransport}. */
export interface TlsTransportOptions {
  /** PEM CA certificates: the only roots trusted. @default node's bundled roots */
  caCerts?: string[];
  /** PEM client certificate and key, for mTLS. */
  cert?: string;
  key?: string;
  /** Name to verify the server certificate against (and send as SNI). @default the URL's host */
  serverName?: string;
  /** Skip verification of the server certificate. @default false */
  insecureSkipVerify?: boolean;
}

/** Raised when a response body ends before the server finished it. */
export class ConnectionCutError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ConnectionCutError";
  }
}

const NULL_BODY = new Set([101, 103, 204, 205, 304]);

function toHeaders(res: IncomingMessage): Headers {
  const h = new Headers();
  for (const [k, v] of Object.entries(res.headers)) {
    if (Array.isArray(v)) { for (const x of v) h.append(k, x); }
    else if (v !== undefined) h.set(k, v);
  }
  return h;
}

/** A node response as a web Response whose body errors when the connection is cut. */
function toResponse(res: IncomingMessage, signal?: AbortSignal): Response {
  const status = res.statusCode ?? 0;
  let settled = false;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      const fail = (e: unknown) => {
        if (settled) return;
        settled = true;
        signal?.removeEventListener("abort", onAbort);
        controller.error(e);
        res.destroy();
      };
      const onAbort = () => fail(signal!.reason);
      signal?.addEventListener("abort", onAbort);
      res.on("data", (chunk: Uint8Array) => {
        if (settled) return;
        controller.enqueue(new Uint8Array(chunk));
        if ((controller.desiredSize ?? 1) <= 0) res.pause();
      });
      res.on("end", () => {
        if (settled) return;
        settled = true;
        signal?.removeEventListener("abort", onAbort);
        controller.close();
      });
      const cut = () => fail(new ConnectionCutError("connection closed before the response ended"));
      res.on("aborted", cut);
      res.on("error", (e) => fail(new ConnectionCutError(`response failed: ${e.message}`)));
      res.on("close", () => {
        if (!res.complete) cut();
      });
    },
    pull() {
      res.resume();
    },
    cancel() {
      settled = true;
      res.destroy();
    },
  });
  if (NULL_BODY.has(status)) {
    res.resume();
    return new Response(null, { status, statusText: res.statusMessage, headers: toHeaders(res) });
  }
  return new Response(body, { status, statusText: res.statusMessage, headers: toHeaders(res) });
}

/** HTTPS GETs through one keep-alive agent; `close()` it when done. */
export class TlsTransport {
  readonly #agent: https.Agent;
  readonly #serverName?: string;

  constructor(options: TlsTransportOptions = {}) {
    this.#serverName = options.serverName || undefined;
    this.#agent = new https.Agent({
      keepAlive: true,
      // Node semantics: `ca` replaces the default roots; undefined keeps them.
      ca: options.caCerts?.length ? options.caCerts : undefined,
      cert: options.cert,
      key: options.key,
      rejectUnauthorized: options.insecureSkipVerify !== true,
    });
  }

  /** GETs `url`; resolves once the response headers arrived. */
  get(url: URL, headers: Headers, signal?: AbortSignal): Promise<Response> {
    if (url.protocol !== "https:") {
      return Promise.reject(new TypeError(`TlsTransport: not an https URL: ${url.origin}`));
    }
    // Reject, never throw: callers see every failure the same way, as with fetch.
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<Response>((resolve, reject) => {
      const req = https.request(url, {
        method: "GET",
        agent: this.#agent,
        headers: Object.fromEntries(headers),
        servername: this.#serverName,
      }, (res) => {
        signal?.removeEventListener("abort", onAbort);
        resolve(toResponse(res, signal));
      });
      const onAbort = () => {
        req.destroy();
        reject(signal!.reason);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      req.on("error", (e) => {
        signal?.removeEventListener("abort", onAbort);
        reject(e);
      });
      req.end();
    });
  }

  /** Closes idle and open connections. */
  close(): void {
    this.#agent.destroy();
  }
}
