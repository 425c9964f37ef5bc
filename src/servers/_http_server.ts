/**
 * The small, strict HTTP/1.1 server behind the proxy's `/healthz`,
 * `/metrics` and health check node ports, on `Deno.listen`.
 *
 * `Deno.serve` was not used because it offers no request-header timeout, no
 * connection cap and no hook for accept errors: a Slowloris client holds a
 * connection forever, and when file descriptors run out its accept loop
 * rejects a promise nobody handles and the process exits. Here:
 * - each connection serves one request under deadlines (see
 *   `_http_connection.ts`);
 * - at most `maxConnections` are open (or a {@linkcode ConnectionBudget}
 *   shared by several servers); more are accepted and closed at once;
 * - a failed accept (EMFILE, ENFILE, ...) is logged and retried after a pause
 *   doubling from `acceptBackoffMinMs` to `acceptBackoffMaxMs`, as Go's
 *   net/http does; the server never stops on it;
 * - a wildcard host listens on both families (see `listen_tcp.ts`).
 *
 * @module
 */

import { type Logger, silentLogger } from "../log/logger.ts";
import { formatHostPort } from "../config/host_port.ts";
import { Backoff } from "../util/backoff.ts";
import {
  closeQuietly,
  type ConnectionContext,
  type HttpHandler,
  serveConnection,
} from "./_http_connection.ts";
import { ConnectionBudget, type HttpLimits, resolveHttpLimits } from "./http_limits.ts";
import { type ListenFn, listenTcp } from "./listen_tcp.ts";

export type { HttpHandler };
export { jsonResponse } from "./_http_response.ts";

/** A running HTTP server. */
export interface HttpServerHandle {
  /** The host asked for (IPv6 without brackets); a wildcard covers both families. */
  readonly hostname: string;
  /** The bound port; the real one when 0 (ephemeral) was asked for. */
  readonly port: number;
  /** `host:port`, with brackets around IPv6. */
  readonly address: string;
  /** Each listening socket's address, e.g. `["[::]:10256"]` for a dual-stack wildcard. */
  readonly listening: readonly string[];
  /** Stops accepting, closes open connections and waits until all is closed. Idempotent. */
  stop(): Promise<void>;
}

/** Error raised when a server cannot bind its address. */
export class ServerStartError extends Error {
  /** The address that could not be bound, as `host:port`. */
  readonly address: string;
  constructor(what: string, address: string, options?: ErrorOptions) {
    const why = options?.cause instanceof Error ? `: ${options.cause.message}` : "";
    super(`Cannot start ${what} on ${address}${why}`, options);
    this.name = "ServerStartError";
    this.address = address;
  }
}

/** Options of {@linkcode serveHttp}. */
export interface ServeHttpOptions {
  /** What the server is, for messages, e.g. "healthz server". */
  what: string;
  /** IP literal to bind; `0.0.0.0` and `::` listen on every address of both families. */
  hostname: string;
  /** Port; 0 picks a free one. */
  port: number;
  /** Answers each GET/HEAD request. */
  handler: HttpHandler;
  /** @default DEFAULT_HTTP_LIMITS */
  limits?: HttpLimits;
  /** Connection cap shared with other servers. @default a budget of `limits.maxConnections` */
  budget?: ConnectionBudget;
  /** @default silentLogger */
  logger?: Logger;
  /** Opens listeners (tests inject failures here). @default Deno.listen */
  listen?: ListenFn;
}

/** Validates a port: an integer in 0-65535 (0 asks for an ephemeral port). */
export function checkPort(what: string, port: unknown): number {
  if (typeof port !== "number" || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`Cannot start ${what}: 'port' must be an integer 0-65535, got ${port}`);
  }
  return port;
}

/** Logs at most once per this many ms for a repeating condition (accept errors, refusals). */
const LOG_EVERY_MS = 10_000;

class HttpServer implements HttpServerHandle {
  readonly hostname: string;
  readonly port: number;
  readonly address: string;
  readonly listening: readonly string[];
  #listeners: Deno.Listener[];
  #ctx: ConnectionContext;
  #budget: ConnectionBudget;
  #conns = new Set<Deno.Conn>();
  #tasks = new Set<Promise<void>>();
  #loops: Promise<void>[];
  #wakers = new Set<() => void>();
  #stopped = false;
  #stopping?: Promise<void>;
  #lastLog = new Map<string, { at: number; suppressed: number }>();

  constructor(
    hostname: string,
    listeners: Deno.Listener[],
    ctx: ConnectionContext,
    budget: ConnectionBudget,
  ) {
    this.#listeners = listeners;
    this.#ctx = ctx;
    this.#budget = budget;
    this.hostname = hostname;
    this.port = (listeners[0].addr as Deno.NetAddr).port;
    this.address = formatHostPort({ hostname, port: this.port });
    this.listening = listeners.map((l) => formatHostPort(l.addr as Deno.NetAddr));
    this.#loops = listeners.map((l) => this.#acceptLoop(l));
  }

  async #acceptLoop(listener: Deno.Listener): Promise<void> {
    const { acceptBackoffMinMs, acceptBackoffMaxMs } = this.#ctx.limits;
    // No jitter: one pause sequence per listener, as Go's http.Server.
    const backoff = new Backoff({
      initialMs: acceptBackoffMinMs,
      maxMs: acceptBackoffMaxMs,
      jitter: 0,
    });
    while (!this.#stopped) {
      let conn: Deno.Conn;
      try {
        conn = await listener.accept();
      } catch (err) {
        if (this.#stopped) return;
        if (err instanceof Deno.errors.BadResource) return; // closed under us
        const delay = backoff.next();
        this.#throttledLog(
          "accept",
          (suppressed) =>
            this.#ctx.logger.error(`${this.#ctx.what}: accept failed; retrying`, {
              address: this.address,
              retryInMs: delay,
              suppressed,
              err,
            }),
        );
        await this.#sleep(delay);
        continue;
      }
      backoff.reset();
      if (this.#stopped) {
        closeQuietly(conn);
        return;
      }
      if (!this.#budget.tryAcquire()) {
        closeQuietly(conn);
        this.#throttledLog(
          "cap",
          (suppressed) =>
            this.#ctx.logger.warn(`${this.#ctx.what}: too many connections; closing new ones`, {
              address: this.address,
              max: this.#budget.max,
              suppressed,
            }),
        );
        continue;
      }
      this.#conns.add(conn);
      const task: Promise<void> = serveConnection(conn, this.#ctx).finally(() => {
        this.#conns.delete(conn);
        this.#tasks.delete(task);
        this.#budget.release();
      });
      this.#tasks.add(task);
    }
  }

  /** Logs via `log` unless the same kind was logged in the last LOG_EVERY_MS. */
  #throttledLog(kind: string, log: (suppressed: number) => void): void {
    const now = Date.now();
    const last = this.#lastLog.get(kind);
    if (last && now - last.at < LOG_EVERY_MS) {
      last.suppressed++;
      return;
    }
    log(last?.suppressed ?? 0);
    this.#lastLog.set(kind, { at: now, suppressed: 0 });
  }

  /** Waits `ms`, or less when the server stops. */
  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#wakers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#wakers.add(done);
    });
  }

  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      this.#stopped = true;
      for (const l of this.#listeners) closeQuietly(l);
      for (const wake of [...this.#wakers]) wake();
      for (const c of this.#conns) closeQuietly(c);
      await Promise.all(this.#loops);
      await Promise.all([...this.#tasks]);
    })();
    return this.#stopping;
  }
}

/**
 * Starts a server and returns once it is listening.
 *
 * @throws {RangeError} for an invalid hostname, port or limit.
 * @throws {ServerStartError} when the address cannot be bound (its `cause`
 * is the bind error, e.g. `Deno.errors.AddrInUse`).
 */
export function serveHttp(options: ServeHttpOptions): HttpServerHandle {
  const { what, hostname, port } = options;
  if (typeof hostname !== "string" || hostname === "") {
    throw new RangeError(`Cannot start ${what}: 'hostname' must be a non-empty IP address`);
  }
  checkPort(what, port);
  if (typeof options.handler !== "function") {
    throw new TypeError(`Cannot start ${what}: 'handler' must be a function`);
  }
  const limits = resolveHttpLimits(what, options.limits);
  const budget = options.budget ?? new ConnectionBudget(limits.maxConnections);
  let listeners: Deno.Listener[];
  try {
    listeners = listenTcp(hostname, port, options.listen);
  } catch (cause) {
    throw new ServerStartError(what, formatHostPort({ hostname, port }), { cause });
  }
  const logger = options.logger ?? silentLogger;
  return new HttpServer(hostname, listeners, {
    what,
    limits,
    handler: options.handler,
    logger,
  }, budget);
}
