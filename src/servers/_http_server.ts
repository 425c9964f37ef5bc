/**
 * A small wrapper over `Deno.serve` shared by the proxy's HTTP servers:
 * quiet start, typed start errors, the bound address, and an awaited stop.
 *
 * @module
 */

import { formatBindAddress } from "./bind_address.ts";

/** A running HTTP server. */
export interface HttpServerHandle {
  /** The address the server is bound to (IPv6 without brackets). */
  readonly hostname: string;
  /** The bound port; the real one when 0 (ephemeral) was asked for. */
  readonly port: number;
  /** `host:port`, with brackets around IPv6. */
  readonly address: string;
  /** Stops accepting connections and waits until the server has closed. */
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

/** Validates a port: an integer in 0-65535 (0 asks for an ephemeral port). */
export function checkPort(what: string, port: unknown): number {
  if (typeof port !== "number" || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`Cannot start ${what}: 'port' must be an integer 0-65535, got ${port}`);
  }
  return port;
}

/** Starts `handler` on `hostname:port`; throws {@linkcode ServerStartError} if bind fails. */
export function serveHttp(
  what: string,
  hostname: string,
  port: number,
  handler: (req: Request) => Response | Promise<Response>,
): HttpServerHandle {
  if (typeof hostname !== "string" || hostname === "") {
    throw new RangeError(`Cannot start ${what}: 'hostname' must be a non-empty string`);
  }
  checkPort(what, port);
  let server: Deno.HttpServer<Deno.NetAddr>;
  try {
    server = Deno.serve({ hostname, port, onListen() {} }, handler);
  } catch (cause) {
    throw new ServerStartError(what, formatBindAddress({ hostname, port }), { cause });
  }
  const bound = { hostname: server.addr.hostname, port: server.addr.port };
  let stopping: Promise<void> | undefined;
  return {
    ...bound,
    address: formatBindAddress(bound),
    stop() {
      stopping ??= server.shutdown().then(() => server.finished);
      return stopping;
    },
  };
}

/** A JSON response with upstream's headers. */
export function jsonResponse(status: number, body: string): Response {
  return new Response(body, {
    status,
    headers: { "content-type": "application/json", "x-content-type-options": "nosniff" },
  });
}
