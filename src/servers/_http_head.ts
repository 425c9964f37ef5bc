/**
 * A strict reader of HTTP/1.x request heads (request line and header fields),
 * for servers that only answer small GET requests. Anything unusual is
 * refused with the status a client should see rather than guessed at.
 *
 * @module
 */

/** A parsed request head. */
export interface RequestHead {
  /** The method token as sent (case-sensitive, as HTTP defines). */
  method: string;
  /** The origin-form request target, e.g. `/healthz?verbose`. */
  target: string;
  /** `HTTP/1.0` or `HTTP/1.1`. */
  version: string;
  /** Header fields in order; names lower-cased. */
  headers: [string, string][];
  /** Value of Content-Length (0 when absent). */
  contentLength: number;
  /** Whether a Transfer-Encoding header was sent (a body of unknown length follows). */
  chunked: boolean;
  /** Bytes read past the end of the head (the start of a body or of a pipelined request). */
  extraBytes: number;
}

/** A request the server refuses; `status` is the HTTP status to answer with. */
export class HttpRequestError extends Error {
  /** HTTP status code for the answer, e.g. 400 or 431. */
  readonly status: number;
  constructor(status: number, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "HttpRequestError";
    this.status = status;
  }
}

/** The client closed the connection before sending a whole head. */
export class ClientClosedError extends Error {
  constructor() {
    super("client closed the connection before the end of the request head");
    this.name = "ClientClosedError";
  }
}

/** Something that reads bytes, like a `Deno.Conn`. */
export type ByteReader = (buf: Uint8Array) => Promise<number | null>;

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const REQUEST_LINE = /^([^ ]+) ([^ ]+) HTTP\/(\d)\.(\d)$/;
// Visible ASCII only: no spaces, controls or raw non-ASCII bytes in the target.
const TARGET = /^\/[\x21-\x7e]*$/;
// Field values: visible characters, spaces, tabs and obs-text; never controls.
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/** Index just past the blank line ending the head in `buf[0..len)`, or -1. */
function headEnd(buf: Uint8Array, len: number, from: number): number {
  for (let i = Math.max(from, 1); i < len; i++) {
    if (buf[i] !== 0x0a) continue;
    // LF LF, or LF CR LF (which also ends CR LF CR LF): bare LF line ends are tolerated.
    if (buf[i - 1] === 0x0a) return i + 1;
    if (buf[i - 1] === 0x0d && i >= 2 && buf[i - 2] === 0x0a) return i + 1;
  }
  return -1;
}

/**
 * Reads one request head from `read`, at most `maxBytes` bytes and
 * `maxHeaders` fields, and parses it.
 *
 * @throws {HttpRequestError} with 400 (malformed, or HTTP/1.1 without
 * exactly one Host header, as Go answers), 431 (too large) or 505 (neither
 * HTTP/1.0 nor HTTP/1.1).
 * @throws {ClientClosedError} when the connection ends first.
 */
export async function readRequestHead(
  read: ByteReader,
  maxBytes: number,
  maxHeaders: number,
): Promise<RequestHead> {
  const buf = new Uint8Array(maxBytes);
  let len = 0;
  let end = -1;
  while (end < 0) {
    if (len === maxBytes) throw new HttpRequestError(431, `request head exceeds ${maxBytes} bytes`);
    const n = await read(buf.subarray(len));
    if (n === null) throw new ClientClosedError();
    const from = Math.max(0, len - 3);
    len += n;
    end = headEnd(buf, len, from);
  }
  // latin1 keeps every byte as one character, so obs-text survives and nothing is "repaired".
  const text = new TextDecoder("latin1").decode(buf.subarray(0, end));
  return { ...parseHead(text, maxHeaders), extraBytes: len - end };
}

/** Parses the text of a head (ending with its blank line). */
export function parseHead(text: string, maxHeaders: number): Omit<RequestHead, "extraBytes"> {
  const lines = text.split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  // A client may send empty lines before the request line (RFC 9112, 2.2).
  while (lines.length > 0 && lines[0] === "") lines.shift();
  const m = (lines.shift() ?? "").match(REQUEST_LINE);
  if (!m) throw new HttpRequestError(400, "malformed request line");
  const [, method, target, major, minor] = m;
  if (!TOKEN.test(method)) throw new HttpRequestError(400, "malformed method");
  if (major !== "1" || (minor !== "0" && minor !== "1")) {
    throw new HttpRequestError(505, `HTTP version ${major}.${minor} is not supported`);
  }
  if (!TARGET.test(target)) throw new HttpRequestError(400, "malformed request target");
  if (lines.length > maxHeaders) {
    throw new HttpRequestError(431, `more than ${maxHeaders} header fields`);
  }
  const headers: [string, string][] = [];
  for (const line of lines) {
    if (line.startsWith(" ") || line.startsWith("\t")) {
      throw new HttpRequestError(400, "obsolete line folding in header");
    }
    const colon = line.indexOf(":");
    const name = colon > 0 ? line.slice(0, colon) : "";
    if (!TOKEN.test(name)) throw new HttpRequestError(400, "malformed header field name");
    const value = line.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, "");
    if (!FIELD_VALUE.test(value)) throw new HttpRequestError(400, `malformed value of ${name}`);
    headers.push([name.toLowerCase(), value]);
  }
  const hosts = headers.filter(([n]) => n === "host");
  if (minor === "1" && hosts.length !== 1) {
    throw new HttpRequestError(400, hosts.length ? "more than one Host header" : "missing Host");
  }
  const lengths = new Set(headers.filter(([n]) => n === "content-length").map(([, v]) => v));
  if (lengths.size > 1) throw new HttpRequestError(400, "conflicting Content-Length headers");
  const [lengthText] = lengths;
  if (lengthText !== undefined && !/^\d{1,15}$/.test(lengthText)) {
    throw new HttpRequestError(400, "malformed Content-Length");
  }
  const chunked = headers.some(([n]) => n === "transfer-encoding");
  if (chunked && lengthText !== undefined) {
    throw new HttpRequestError(400, "both Transfer-Encoding and Content-Length");
  }
  return {
    method,
    target,
    version: `HTTP/${major}.${minor}`,
    headers,
    contentLength: lengthText === undefined ? 0 : Number(lengthText),
    chunked,
  };
}
