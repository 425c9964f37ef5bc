/**
 * Serialises web `Response` objects as HTTP/1.1 responses that close the
 * connection, with header names spelled as Go's net/http spells them
 * (`Content-Type`, `X-Load-Balancing-Endpoint-Weight`), so the proxy's answers
 * look like upstream kube-proxy's on the wire.
 *
 * @module
 */

/** Reason phrases of the statuses the proxy's servers send. */
export const STATUS_TEXT: Readonly<Record<number, string>> = Object.freeze({
  200: "OK",
  400: "Bad Request",
  404: "Not Found",
  405: "Method Not Allowed",
  408: "Request Timeout",
  413: "Content Too Large",
  431: "Request Header Fields Too Large",
  500: "Internal Server Error",
  501: "Not Implemented",
  503: "Service Unavailable",
  505: "HTTP Version Not Supported",
});

// Framing is the server's business: a handler cannot set these.
const FRAMING = new Set(["connection", "content-length", "transfer-encoding", "keep-alive"]);

/** `content-type` → `Content-Type`, as Go canonicalises header names. */
export function canonicalHeaderName(name: string): string {
  return name.toLowerCase().replace(/(^|-)([a-z])/g, (_m, dash, c) => dash + c.toUpperCase());
}

/** An HTTP date (`Mon, 02 Jan 2006 15:04:05 GMT`), as the Date header carries it. */
function httpDate(now: Date): string {
  return now.toUTCString();
}

const encoder = new TextEncoder();

/**
 * The bytes of `res` as an HTTP/1.1 response with `Date`, `Content-Length`
 * and `Connection: close`. For HEAD the body is left out (its length is still
 * announced, as for GET).
 */
export async function encodeResponse(
  res: Response,
  method: string,
  now: Date = new Date(),
): Promise<Uint8Array> {
  const body = new Uint8Array(await res.arrayBuffer());
  const reason = STATUS_TEXT[res.status] ?? "";
  const lines = [`HTTP/1.1 ${res.status} ${reason}`.trimEnd()];
  for (const [name, value] of res.headers) {
    if (!FRAMING.has(name)) lines.push(`${canonicalHeaderName(name)}: ${value}`);
  }
  if (!res.headers.has("date")) lines.push(`Date: ${httpDate(now)}`);
  lines.push(`Content-Length: ${body.length}`, "Connection: close", "", "");
  const head = encoder.encode(lines.join("\r\n"));
  if (method === "HEAD" || body.length === 0) return head;
  const out = new Uint8Array(head.length + body.length);
  out.set(head);
  out.set(body, head.length);
  return out;
}

/** A JSON response with upstream's headers (`Content-Type`, `X-Content-Type-Options`). */
export function jsonResponse(
  status: number,
  body: string,
  headers: Record<string, string> = {},
): Response {
  return new Response(body, {
    status,
    headers: {
      "content-type": "application/json",
      "x-content-type-options": "nosniff",
      ...headers,
    },
  });
}

/** A plain-text error response (`status` and a one-line reason). */
export function textResponse(
  status: number,
  text: string,
  headers: Record<string, string> = {},
): Response {
  return new Response(`${text}\n`, {
    status,
    headers: {
      "content-type": "text/plain; charset=utf-8",
      "x-content-type-options": "nosniff",
      ...headers,
    },
  });
}

/** Writes every byte of `bytes` to `conn` (a single write may take only part). */
export async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  let off = 0;
  while (off < bytes.length) off += await conn.write(bytes.subarray(off));
}
