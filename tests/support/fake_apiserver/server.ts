/**
 * An in-process fake kube-apiserver for tests: serves list and watch for
 * Services, EndpointSlices, Nodes and ServiceCIDRs over HTTP or HTTPS (with
 * client-certificate and/or bearer-token auth), with a control API to change
 * objects, compact history and cut watch connections.
 *
 * Built on `node:http`/`node:https` because Deno.serve cannot request client
 * certificates, and because node sockets give access to the raw TCP socket
 * under TLS (needed to send FIN without close_notify, or RST).
 *
 * @module
 */

import http from "node:http";
import https from "node:https";
import type { Socket } from "node:net";
import type { TLSSocket } from "node:tls";
import { type FakeObject, FakeStore } from "./store.ts";
import { type ResourceDef, RESOURCES } from "./resources.ts";
import { type CutMode, OpenWatch } from "./watch.ts";
import { handleGet, type ListTransform, type Reply } from "./handlers.ts";

export type { CutMode } from "./watch.ts";
export type { ListTransform } from "./handlers.ts";
export type { FakeObject } from "./store.ts";

/** Options of {@linkcode FakeApiServer}. */
export interface FakeApiServerOptions {
  /** Serve HTTPS with this server key pair (PEM). Omit for plain HTTP. */
  tls?: {
    cert: string;
    key: string;
    /** CA (PEM) that client certificates must chain to; enables client-cert auth. */
    clientCa?: string;
    /** Refuse the TLS handshake without a valid client cert. @default true unless `token` is set */
    requireClientCert?: boolean;
  };
  /** Accept `Authorization: Bearer <token>`; other requests without a valid client cert get 401. */
  token?: string;
  /** How a watch from a compacted resourceVersion fails: HTTP 410 or an ERROR event. @default "http" */
  tooOldMode?: "http" | "event";
  /** Interval of BOOKMARK events when asked for. @default 1000 */
  bookmarkIntervalMs?: number;
  /** Watch duration when the client sends no timeoutSeconds. @default 1800 */
  defaultWatchTimeoutSeconds?: number;
  /** Events kept for watches. @default 1000 */
  maxHistory?: number;
  /** Resources answered with 404 (e.g. ["servicecidrs"] for an old cluster). */
  disabledResources?: string[];
  /** @default 0 (any free port) */
  port?: number;
}

/** One request the server saw. */
export interface RequestRecord {
  method: string;
  path: string;
  query: Record<string, string>;
  watch: boolean;
  /** Authenticated user name (client cert CN, "token-user" or "system:anonymous"). */
  user?: string;
  /** CN of the verified client certificate, if any. */
  clientCN?: string;
  status: number;
}

/** The fake API server. Create with {@linkcode FakeApiServer.start}. */
export class FakeApiServer {
  /** Objects and history; survives {@linkcode stop} and {@linkcode listen}. */
  readonly store: FakeStore;
  /** Every request seen, in order. */
  readonly requests: RequestRecord[] = [];
  /** Failed TLS handshakes (e.g. missing client certificate). */
  tlsErrors = 0;
  /** How too-old watches fail; may be changed at any time. */
  tooOldMode: "http" | "event";
  /** Rewrites every list body before it is sent (e.g. to add malformed items); may be changed at any time. */
  listTransform?: ListTransform;
  readonly #opts: FakeApiServerOptions;
  readonly #enabled: readonly ResourceDef[];
  #server?: http.Server;
  #port: number;
  #sockets = new Set<Socket>();
  #watches = new Set<OpenWatch>();

  private constructor(opts: FakeApiServerOptions) {
    this.#opts = opts;
    this.store = new FakeStore({ maxHistory: opts.maxHistory });
    this.tooOldMode = opts.tooOldMode ?? "http";
    this.#port = opts.port ?? 0;
    const disabled = new Set(opts.disabledResources ?? []);
    this.#enabled = RESOURCES.filter((r) => !disabled.has(r.resource));
  }

  /** Creates a server and starts listening on 127.0.0.1. */
  static async start(opts: FakeApiServerOptions = {}): Promise<FakeApiServer> {
    const s = new FakeApiServer(opts);
    await s.listen();
    return s;
  }

  /** `http(s)://127.0.0.1:PORT`. */
  get url(): string {
    return `${this.#opts.tls ? "https" : "http"}://127.0.0.1:${this.#port}`;
  }

  /** Whether the server accepts connections. */
  get listening(): boolean {
    return this.#server !== undefined;
  }

  /** Watches currently streaming. */
  get openWatches(): readonly OpenWatch[] {
    return [...this.#watches];
  }

  /** Starts listening (again, on the same port after {@linkcode stop}). */
  async listen(): Promise<void> {
    if (this.#server) return;
    const handler = (req: http.IncomingMessage, res: http.ServerResponse) => this.#handle(req, res);
    const tls = this.#opts.tls;
    const server = tls
      ? https.createServer({
        cert: tls.cert,
        key: tls.key,
        ca: tls.clientCa,
        requestCert: tls.clientCa !== undefined,
        rejectUnauthorized: tls.clientCa !== undefined &&
          (tls.requireClientCert ?? this.#opts.token === undefined),
      }, handler)
      : http.createServer(handler);
    server.on("connection", (s: Socket) => this.#track(s));
    server.on("secureConnection", (s: Socket) => this.#track(s));
    server.on("tlsClientError", () => this.tlsErrors++);
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.#port, "127.0.0.1", () => resolve());
    });
    this.#port = (server.address() as { port: number }).port;
    this.#server = server;
  }

  #track(s: Socket): void {
    this.#sockets.add(s);
    s.on("error", () => {});
    s.once("close", () => this.#sockets.delete(s));
  }

  /** Stops listening and drops every connection abruptly, as a crashing server does. */
  async stop(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#server = undefined;
    for (const w of this.#watches) w.cut("rst");
    for (const s of this.#sockets) s.destroy();
    this.#sockets.clear();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Creates or replaces an object (by kind or plural resource name). */
  upsert(kindOrResource: string, obj: FakeObject): FakeObject {
    return this.store.upsert(kindOrResource, obj);
  }

  /** Deletes an object by `namespace/name`, name, or object. */
  delete(kindOrResource: string, keyOrObj: string | FakeObject): boolean {
    return this.store.delete(kindOrResource, keyOrObj);
  }

  /** Drops the event history: the next watch from an older resourceVersion gets 410. */
  compact(): void {
    this.store.compact();
  }

  /** Cuts every open watch mid-stream; returns how many were cut. */
  cutWatches(mode: CutMode): number {
    if (!["fin", "rst", "tls-close"].includes(mode)) {
      throw new RangeError(`cutWatches: unknown mode "${mode}"`);
    }
    const ws = [...this.#watches];
    for (const w of ws) w.cut(mode);
    return ws.length;
  }

  /** Makes every open watch go silent forever without closing it; returns how many. */
  stallWatches(): number {
    const ws = [...this.#watches];
    for (const w of ws) w.stall();
    return ws.length;
  }

  /** Writes raw text into every open watch, or those of one resource (e.g. "services"); returns how many. */
  injectRaw(text: string, resource?: string): number {
    const ws = [...this.#watches].filter((w) => !resource || w.spec.def.resource === resource);
    for (const w of ws) w.writeRaw(text);
    return ws.length;
  }

  /** Ends every open watch cleanly (as at timeoutSeconds); returns how many. */
  endWatches(): number {
    const ws = [...this.#watches];
    for (const w of ws) w.end();
    return ws.length;
  }

  /** Resolves when `predicate()` holds, polling every 20 ms; rejects after `timeoutMs`. */
  async waitFor(predicate: () => boolean, timeoutMs = 5000, what = "condition"): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error(`fake API server: timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  #authenticate(req: http.IncomingMessage): { user?: string; clientCN?: string } {
    const tls = this.#opts.tls;
    if (tls?.clientCa) {
      const sock = req.socket as TLSSocket;
      if (sock.authorized) {
        const cn = sock.getPeerCertificate()?.subject?.CN;
        const name = Array.isArray(cn) ? cn[0] : cn;
        if (name) return { user: name, clientCN: name };
      }
    }
    const token = this.#opts.token;
    if (token !== undefined) {
      return req.headers.authorization === `Bearer ${token}` ? { user: "token-user" } : {};
    }
    return tls?.clientCa ? {} : { user: "system:anonymous" };
  }

  #handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? "/", "http://fake");
    const query = Object.fromEntries(url.searchParams);
    const auth = this.#authenticate(req);
    const watch = query.watch === "1" || query.watch === "true";
    const record: RequestRecord = {
      method: req.method ?? "GET",
      path: url.pathname,
      query,
      watch,
      user: auth.user,
      clientCN: auth.clientCN,
      status: 0,
    };
    this.requests.push(record);
    const reply: Reply = (status, body) => {
      record.status = status;
      res.writeHead(status, { "content-type": body === "ok" ? "text/plain" : "application/json" });
      res.end(typeof body === "string" ? body : JSON.stringify(body));
    };
    handleGet({
      req,
      res,
      url,
      authenticated: auth.user !== undefined,
      store: this.store,
      enabled: this.#enabled,
      tooOldMode: this.tooOldMode,
      tls: this.#opts.tls !== undefined,
      bookmarkIntervalMs: this.#opts.bookmarkIntervalMs ?? 1000,
      defaultWatchTimeoutSeconds: this.#opts.defaultWatchTimeoutSeconds ?? 1800,
      host: req.headers.host ?? `127.0.0.1:${this.#port}`,
      reply,
      listTransform: this.listTransform,
      openWatch: (spec, onStatus) => {
        record.status = onStatus;
        const w = new OpenWatch(spec, req, res, () => this.#watches.delete(w));
        this.#watches.add(w);
        return w;
      },
    });
  }
}
