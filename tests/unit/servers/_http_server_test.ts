import assert from "node:assert/strict";
import { Logger } from "../../../src/log/logger.ts";
import { serveHttp, ServerStartError } from "../../../src/servers/_http_server.ts";
import { ConnectionBudget } from "../../../src/servers/http_limits.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

const hello = () => new Response("hello", { headers: { "x-load-balancing-endpoint-weight": "3" } });

/** Reads until the server closes; returns the text and whether it ended by reset. */
async function readAll(conn: Deno.Conn): Promise<{ text: string; reset: boolean }> {
  const buf = new Uint8Array(4096);
  let text = "";
  try {
    for (;;) {
      const n = await conn.read(buf);
      if (n === null) return { text, reset: false };
      text += dec.decode(buf.subarray(0, n));
    }
  } catch {
    return { text, reset: true };
  }
}

/** Sends `raw` on a new connection and returns the whole answer. */
async function rawRequest(port: number, raw: string): Promise<string> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await conn.write(enc.encode(raw));
    return (await readAll(conn)).text;
  } finally {
    conn.close();
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

Deno.test("serveHttp() answers GET with Go-style header names, Content-Length and Connection: close", async () => {
  const server = serveHttp({ what: "test", hostname: "127.0.0.1", port: 0, handler: hello });
  try {
    const text = await rawRequest(server.port, "GET /x HTTP/1.1\r\nHost: a\r\n\r\n");
    const [head, body] = text.split("\r\n\r\n");
    assert.match(head, /^HTTP\/1\.1 200 OK\r\n/);
    assert.match(head, /\r\nX-Load-Balancing-Endpoint-Weight: 3\r\n/);
    assert.match(head, /\r\nContent-Length: 5\r\n/);
    assert.match(head, /\r\nConnection: close(\r\n|$)/);
    assert.match(head, /\r\nDate: \w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT\r\n/);
    assert.equal(body, "hello");
  } finally {
    await server.stop();
  }
});

Deno.test("serveHttp() answers HEAD without a body, other methods 405, bodies 400, garbage 400", async () => {
  const server = serveHttp({ what: "test", hostname: "127.0.0.1", port: 0, handler: hello });
  try {
    const head = await rawRequest(server.port, "HEAD / HTTP/1.1\r\nHost: a\r\n\r\n");
    assert.match(head, /Content-Length: 5\r\n/);
    assert.ok(head.endsWith("\r\n\r\n"), JSON.stringify(head));
    const post = await fetch(`http://127.0.0.1:${server.port}/metrics`, {
      method: "POST",
      body: "x".repeat(10_000),
    });
    assert.equal(post.status, 405);
    assert.equal(post.headers.get("allow"), "GET, HEAD");
    await post.body?.cancel();
    const withBody = await rawRequest(
      server.port,
      "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\nabcd",
    );
    assert.match(withBody, /^HTTP\/1\.1 400 /);
    assert.match(await rawRequest(server.port, "HELLO\r\n\r\n"), /^HTTP\/1\.1 400 Bad Request/);
    const big = `GET / HTTP/1.1\r\nHost: a\r\nX: ${"b".repeat(9000)}\r\n\r\n`;
    assert.match(await rawRequest(server.port, big), /^HTTP\/1\.1 431 /);
  } finally {
    await server.stop();
  }
});

Deno.test("serveHttp() answers 500 when the handler throws, and keeps serving", async () => {
  let fail = true;
  const lines: string[] = [];
  const server = serveHttp({
    what: "test",
    hostname: "127.0.0.1",
    port: 0,
    logger: new Logger({ write: (l) => lines.push(l) }),
    handler: () => {
      if (fail) throw new Error("handler bug");
      return hello();
    },
  });
  try {
    const res = await fetch(`http://127.0.0.1:${server.port}/`);
    assert.equal(res.status, 500);
    await res.body?.cancel();
    assert.ok(lines.some((l) => l.startsWith("E") && l.includes("handler bug")), lines.join("\n"));
    fail = false;
    assert.equal(await (await fetch(`http://127.0.0.1:${server.port}/`)).text(), "hello");
  } finally {
    await server.stop();
  }
});

Deno.test("serveHttp() cuts off a slowloris client that dribbles its head after headerTimeoutMs", async () => {
  const server = serveHttp({
    what: "test",
    hostname: "127.0.0.1",
    port: 0,
    handler: hello,
    limits: { headerTimeoutMs: 400 },
  });
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
  try {
    const started = Date.now();
    const closed = readAll(conn);
    let sent = 0;
    // One header byte every 50 ms: never idle long, never finished.
    const header = enc.encode("GET / HTTP/1.1\r\nHost: a\r\nX-Slow: " + "z".repeat(100));
    let writeFailed = false;
    const drip = (async () => {
      for (const b of header) {
        if (Date.now() - started > 2_000) break;
        try {
          await conn.write(Uint8Array.of(b));
        } catch {
          writeFailed = true;
          return;
        }
        sent++;
        await sleep(50);
      }
    })();
    const answer = await closed;
    const elapsed = Date.now() - started;
    await drip;
    assert.equal(answer.text, "", "no answer to an unfinished head");
    assert.ok(elapsed >= 350 && elapsed < 1_500, `closed after ${elapsed} ms`);
    assert.ok(sent < header.length, `the client was still sending (${sent} bytes, ${writeFailed})`);
    // The server itself goes on.
    assert.equal(await (await fetch(`http://127.0.0.1:${server.port}/`)).text(), "hello");
  } finally {
    conn.close();
    await server.stop();
  }
});

Deno.test("serveHttp() closes the connection when the answer takes longer than responseTimeoutMs", async () => {
  let release = () => {};
  const server = serveHttp({
    what: "test",
    hostname: "127.0.0.1",
    port: 0,
    limits: { responseTimeoutMs: 300 },
    handler: () => new Promise<Response>((r) => (release = () => r(hello()))),
  });
  try {
    const started = Date.now();
    const text = await rawRequest(server.port, "GET / HTTP/1.1\r\nHost: a\r\n\r\n");
    const elapsed = Date.now() - started;
    assert.equal(text, "");
    assert.ok(elapsed >= 250 && elapsed < 1_500, `closed after ${elapsed} ms`);
  } finally {
    release();
    await server.stop();
  }
});

Deno.test("serveHttp() accepts and closes connections beyond maxConnections, then serves again", async () => {
  const lines: string[] = [];
  const server = serveHttp({
    what: "test",
    hostname: "127.0.0.1",
    port: 0,
    handler: hello,
    limits: { maxConnections: 2, headerTimeoutMs: 5_000 },
    logger: new Logger({ write: (l) => lines.push(l) }),
  });
  const idle: Deno.Conn[] = [];
  try {
    for (let i = 0; i < 2; i++) {
      idle.push(await Deno.connect({ hostname: "127.0.0.1", port: server.port }));
    }
    await sleep(100); // let the server accept both
    const started = Date.now();
    const extra = await rawRequest(server.port, "GET / HTTP/1.1\r\nHost: a\r\n\r\n");
    assert.equal(extra, "", "the third connection gets no answer");
    assert.ok(Date.now() - started < 2_000, "and is closed at once, not after a timeout");
    assert.ok(lines.some((l) => l.includes("too many connections")), lines.join("\n"));
    idle.pop()!.close();
    await sleep(100);
    assert.equal(await (await fetch(`http://127.0.0.1:${server.port}/`)).text(), "hello");
  } finally {
    for (const c of idle) c.close();
    await server.stop();
  }
});

Deno.test("serveHttp() servers sharing a ConnectionBudget share its cap", async () => {
  const budget = new ConnectionBudget(1);
  const a = serveHttp({ what: "a", hostname: "127.0.0.1", port: 0, handler: hello, budget });
  const b = serveHttp({ what: "b", hostname: "127.0.0.1", port: 0, handler: hello, budget });
  const idle = await Deno.connect({ hostname: "127.0.0.1", port: a.port });
  try {
    await sleep(100);
    assert.equal(budget.open, 1);
    assert.equal(await rawRequest(b.port, "GET / HTTP/1.1\r\nHost: a\r\n\r\n"), "");
    assert.equal(budget.refused, 1);
  } finally {
    idle.close();
    await a.stop();
    await b.stop();
  }
  assert.equal(budget.open, 0, "every connection released");
});

/** A listener whose first `failures` accepts fail with EMFILE, then behaves. */
function flakyListen(failures: number, acceptTimes: number[]) {
  return (o: { hostname: string; port: number }): Deno.Listener => {
    const real = Deno.listen(o);
    let left = failures;
    return new Proxy(real, {
      get(target, prop) {
        if (prop === "accept") {
          return () => {
            acceptTimes.push(performance.now());
            if (left-- > 0) {
              return Promise.reject(
                Object.assign(new Error("Too many open files (os error 24)"), { code: "EMFILE" }),
              );
            }
            return target.accept();
          };
        }
        const v = Reflect.get(target, prop);
        return typeof v === "function" ? v.bind(target) : v;
      },
    });
  };
}

Deno.test("serveHttp() backs off on accept errors (EMFILE), logs once, and serves afterwards", async () => {
  const lines: string[] = [];
  const times: number[] = [];
  const server = serveHttp({
    what: "test",
    hostname: "127.0.0.1",
    port: 0,
    handler: hello,
    limits: { acceptBackoffMinMs: 20, acceptBackoffMaxMs: 80 },
    logger: new Logger({ write: (l) => lines.push(l) }),
    listen: flakyListen(4, times),
  });
  try {
    assert.equal(await (await fetch(`http://127.0.0.1:${server.port}/`)).text(), "hello");
    const gaps = times.slice(1, 5).map((t, i) => t - times[i]);
    // 20, 40, 80, then capped at 80 (timers may fire a little late, never early).
    for (const [i, want] of [20, 40, 80, 80].entries()) {
      assert.ok(gaps[i] >= want - 2, `pause ${i} was ${gaps[i].toFixed(1)} ms, want >= ${want}`);
    }
    const errors = lines.filter((l) => l.startsWith("E"));
    assert.equal(errors.length, 1, `one log line for the burst: ${errors.join("\n")}`);
    assert.match(errors[0], /accept failed; retrying/);
    assert.match(errors[0], /Too many open files/);
  } finally {
    await server.stop();
  }
});

Deno.test("serveHttp() stop() returns promptly during an accept backoff and closes idle connections", async () => {
  const times: number[] = [];
  const server = serveHttp({
    what: "test",
    hostname: "127.0.0.1",
    port: 0,
    handler: hello,
    limits: { acceptBackoffMinMs: 5_000, acceptBackoffMaxMs: 5_000 },
    listen: flakyListen(1, times),
  });
  await sleep(50); // the accept failed; the loop now waits 5 s
  const started = Date.now();
  await server.stop();
  assert.ok(Date.now() - started < 1_000, "stop did not wait for the backoff");
  // The port is free again.
  const again = serveHttp({
    what: "test",
    hostname: "127.0.0.1",
    port: server.port,
    handler: hello,
  });
  await again.stop();

  const busy = serveHttp({ what: "test", hostname: "127.0.0.1", port: 0, handler: hello });
  const idle = await Deno.connect({ hostname: "127.0.0.1", port: busy.port });
  await sleep(50);
  await busy.stop();
  assert.deepEqual(await readAll(idle), { text: "", reset: false });
  idle.close();
});

Deno.test("serveHttp() throws ServerStartError naming the address when the port is taken", () => {
  const occupant = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (occupant.addr as Deno.NetAddr).port;
  try {
    assert.throws(
      () => serveHttp({ what: "test", hostname: "127.0.0.1", port, handler: hello }),
      (err: unknown) =>
        err instanceof ServerStartError && err.address === `127.0.0.1:${port}` &&
        err.cause instanceof Deno.errors.AddrInUse,
    );
  } finally {
    occupant.close();
  }
});

Deno.test("serveHttp() validates its limits", () => {
  for (const limits of [{ headerTimeoutMs: 0 }, { maxConnections: 1.5 }, { maxHeaderBytes: -1 }]) {
    assert.throws(
      () => serveHttp({ what: "test", hostname: "127.0.0.1", port: 0, handler: hello, limits }),
      RangeError,
      JSON.stringify(limits),
    );
  }
  assert.throws(
    () =>
      serveHttp({
        what: "test",
        hostname: "127.0.0.1",
        port: 0,
        handler: hello,
        limits: { acceptBackoffMinMs: 100, acceptBackoffMaxMs: 10 },
      }),
    /acceptBackoffMaxMs/,
  );
});

Deno.test("serveHttp() listens on ::1 and reports IPv6 addresses in brackets", async () => {
  const server = serveHttp({ what: "test", hostname: "::1", port: 0, handler: hello });
  try {
    assert.equal(server.address, `[::1]:${server.port}`);
    assert.deepEqual(server.listening, [`[::1]:${server.port}`]);
    assert.equal(await (await fetch(`http://[::1]:${server.port}/`)).text(), "hello");
  } finally {
    await server.stop();
  }
});
