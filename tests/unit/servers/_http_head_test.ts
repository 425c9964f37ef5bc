import assert from "node:assert/strict";
import {
  ClientClosedError,
  HttpRequestError,
  parseHead,
  readRequestHead,
} from "../../../src/servers/_http_head.ts";

const enc = new TextEncoder();

/** A reader that hands out `text` in chunks of `chunk` bytes, then EOF. */
function reader(text: string, chunk = 1 << 20) {
  const bytes = enc.encode(text);
  let off = 0;
  return (buf: Uint8Array): Promise<number | null> => {
    if (off >= bytes.length) return Promise.resolve(null);
    const n = Math.min(chunk, buf.length, bytes.length - off);
    buf.set(bytes.subarray(off, off + n));
    off += n;
    return Promise.resolve(n);
  };
}

function refusedWith(status: number) {
  return (err: unknown) => err instanceof HttpRequestError && err.status === status;
}

Deno.test("readRequestHead() parses a kubelet probe's GET, even one byte per read", async () => {
  const text = "GET /livez HTTP/1.1\r\nHost: 10.0.0.5:10256\r\nUser-Agent: kube-probe/1.31\r\n" +
    "Accept: */*\r\nConnection: close\r\n\r\n";
  for (const chunk of [1, 7, 4096]) {
    const head = await readRequestHead(reader(text, chunk), 8192, 64);
    assert.equal(head.method, "GET");
    assert.equal(head.target, "/livez");
    assert.equal(head.version, "HTTP/1.1");
    assert.deepEqual(head.headers[0], ["host", "10.0.0.5:10256"]);
    assert.equal(head.contentLength, 0);
    assert.equal(head.chunked, false);
    assert.equal(head.extraBytes, 0);
  }
});

Deno.test("readRequestHead() accepts bare LF line ends and counts bytes sent after the head", async () => {
  const head = await readRequestHead(reader("GET / HTTP/1.0\n\nEXTRA"), 8192, 64);
  assert.equal(head.version, "HTTP/1.0");
  assert.equal(head.extraBytes, 5);
});

Deno.test("readRequestHead() refuses a head larger than maxBytes with 431", async () => {
  const text = `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(200)}\r\n\r\n`;
  await assert.rejects(readRequestHead(reader(text, 16), 128, 64), refusedWith(431));
});

Deno.test("readRequestHead() reports a client that closes before the blank line", async () => {
  await assert.rejects(
    readRequestHead(reader("GET / HTTP/1.1\r\nHost: x\r\n"), 8192, 64),
    ClientClosedError,
  );
});

Deno.test("parseHead() refuses malformed request lines and versions", () => {
  const cases: [string, number][] = [
    ["GET /\r\n\r\n", 400], // no version
    ["GET  / HTTP/1.1\r\nHost: x\r\n\r\n", 400], // two spaces
    ["GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505],
    ["GET / HTTP/1.2\r\nHost: x\r\n\r\n", 505],
    ["GET http://evil/ HTTP/1.1\r\nHost: x\r\n\r\n", 400], // absolute-form
    ["GET * HTTP/1.1\r\nHost: x\r\n\r\n", 400],
    ["GET /a\x7fb HTTP/1.1\r\nHost: x\r\n\r\n", 400],
    ["G(T / HTTP/1.1\r\nHost: x\r\n\r\n", 400],
    ["\x16\x03\x01\x02 / HTTP/1.1\r\n\r\n", 400], // a TLS hello is not a method
  ];
  for (const [text, status] of cases) {
    assert.throws(() => parseHead(text, 64), refusedWith(status), JSON.stringify(text));
  }
});

Deno.test("parseHead() refuses malformed header fields", () => {
  const cases = [
    "GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n",
    "GET / HTTP/1.1\r\nHost : x\r\n\r\n",
    "GET / HTTP/1.1\r\nHost: x\r\nNoColon\r\n\r\n",
    "GET / HTTP/1.1\r\nHost: x\r\nX: a\x00b\r\n\r\n",
    "GET / HTTP/1.1\r\n\r\n", // HTTP/1.1 without Host
    "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
    "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
    "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
    "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
  ];
  for (const text of cases) {
    assert.throws(() => parseHead(text, 64), refusedWith(400), JSON.stringify(text));
  }
});

Deno.test("parseHead() refuses more header fields than allowed with 431", () => {
  const fields = Array.from({ length: 5 }, (_, i) => `X-${i}: v\r\n`).join("");
  assert.throws(() => parseHead(`GET / HTTP/1.1\r\nHost: x\r\n${fields}\r\n`, 4), refusedWith(431));
  assert.equal(parseHead(`GET / HTTP/1.1\r\nHost: x\r\n${fields}\r\n`, 6).headers.length, 6);
});

Deno.test("parseHead() reads Content-Length and Transfer-Encoding so the server can refuse bodies", () => {
  const withLength = parseHead(
    "POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\n",
    64,
  );
  assert.equal(withLength.method, "POST");
  assert.equal(withLength.contentLength, 3);
  const chunked = parseHead("GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n", 64);
  assert.equal(chunked.chunked, true);
  const spaced = parseHead("GET / HTTP/1.1\r\nHost:   x y  \r\n\r\n", 64);
  assert.deepEqual(spaced.headers, [["host", "x y"]]);
});
