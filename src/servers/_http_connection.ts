/**
 * Serves one HTTP request on one connection, under deadlines, then closes it.
 *
 * The request head must arrive within `headerTimeoutMs` (a Slowloris client
 * that dribbles header bytes is cut off then, however steadily it sends), and
 * the answer must be written within `responseTimeoutMs` after it (a client
 * that stops reading cannot hold the connection). Only GET and HEAD without a
 * body are served; every answer closes the connection, so there is no
 * keep-alive state to attack.
 *
 * @module
 */

import type { Logger } from "../log/logger.ts";
import {
  ClientClosedError,
  HttpRequestError,
  readRequestHead,
  type RequestHead,
} from "./_http_head.ts";
import { encodeResponse, textResponse, writeAll } from "./_http_response.ts";
import type { ResolvedHttpLimits } from "./http_limits.ts";

/** Handles one request; may be async. */
export type HttpHandler = (req: Request) => Response | Promise<Response>;

/** What {@linkcode serveConnection} needs from its server. */
export interface ConnectionContext {
  what: string;
  limits: ResolvedHttpLimits;
  handler: HttpHandler;
  logger: Logger;
}

/** Most bytes read and thrown away after answering, so closing does not reset the answer. */
const DRAIN_MAX_BYTES = 65_536;
/** Longest wait for the client to finish sending after the answer. */
const DRAIN_MAX_MS = 1_000;

/** Closes a connection or listener, ignoring "already closed". */
export function closeQuietly(c: { close(): void }): void {
  try {
    c.close();
  } catch {
    // Already closed.
  }
}

async function respond(head: RequestHead, ctx: ConnectionContext): Promise<Response> {
  if (head.method !== "GET" && head.method !== "HEAD") {
    return textResponse(405, "method not allowed", { allow: "GET, HEAD" });
  }
  if (head.contentLength > 0 || head.chunked) {
    return textResponse(400, "a request body is not accepted");
  }
  // The target was checked to be an origin-form path: it cannot change the URL's host.
  const req = new Request(`http://localhost${head.target}`, {
    method: head.method,
    headers: head.headers,
  });
  try {
    return await ctx.handler(req);
  } catch (err) {
    ctx.logger.error(`${ctx.what}: request handler failed`, { path: head.target, err });
    return textResponse(500, "internal server error");
  }
}

/** Shuts our side and reads what the client still sends (bounded), so close() sends FIN, not RST. */
async function drain(conn: Deno.Conn): Promise<void> {
  await conn.closeWrite();
  const scratch = new Uint8Array(4096);
  let total = 0;
  while (total < DRAIN_MAX_BYTES) {
    const n = await conn.read(scratch);
    if (n === null) return;
    total += n;
  }
}

/**
 * Reads one request from `conn`, answers it and closes `conn`. Never throws:
 * a client that closes early, times out or sends garbage only ends its own
 * connection.
 */
export async function serveConnection(conn: Deno.Conn, ctx: ConnectionContext): Promise<void> {
  const { limits } = ctx;
  let expired = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const arm = (ms: number) => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      expired = true;
      // Closing aborts the pending read or write; the code below then ends quietly.
      closeQuietly(conn);
    }, ms);
  };
  arm(limits.headerTimeoutMs);
  try {
    let res: Response;
    let method = "GET";
    let linger = false;
    try {
      const head = await readRequestHead(
        (buf) => conn.read(buf),
        limits.maxHeaderBytes,
        limits.maxHeaderCount,
      );
      arm(limits.responseTimeoutMs);
      method = head.method;
      linger = head.extraBytes > 0 || head.contentLength > 0 || head.chunked;
      res = await respond(head, ctx);
    } catch (err) {
      if (expired || err instanceof ClientClosedError || !(err instanceof HttpRequestError)) {
        if (expired) ctx.logger.v(4).info(`${ctx.what}: request head timed out`);
        return;
      }
      ctx.logger.v(4).info(`${ctx.what}: refused a malformed request`, { reason: err.message });
      arm(limits.responseTimeoutMs);
      res = textResponse(err.status, err.message);
      linger = true;
    }
    if (expired) return;
    await writeAll(conn, await encodeResponse(res, method));
    if (linger) {
      arm(Math.min(DRAIN_MAX_MS, limits.responseTimeoutMs));
      await drain(conn);
    }
  } catch {
    // The connection broke or was closed by the deadline: nothing more to do for it.
  } finally {
    clearTimeout(timer);
    closeQuietly(conn);
  }
}
