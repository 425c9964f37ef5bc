import assert from "node:assert/strict";
import { isWildcardHost, listenTcp } from "../../../src/servers/listen_tcp.ts";

/** A fake `Deno.listen` that records binds and fails as `behave` says. */
function fakeListen(behave: (hostname: string) => Error | undefined) {
  const binds: string[] = [];
  const closed: string[] = [];
  const listen = (o: { hostname: string; port: number }) => {
    binds.push(`${o.hostname} ${o.port}`);
    const err = behave(o.hostname);
    if (err) throw err;
    const port = o.port || 40000;
    return {
      addr: { transport: "tcp", hostname: o.hostname, port },
      close: () => closed.push(o.hostname),
    } as unknown as Deno.Listener;
  };
  return { listen, binds, closed };
}

Deno.test("listenTcp() opens one dual-stack [::] socket for 0.0.0.0 when the kernel maps IPv4 into it", () => {
  const f = fakeListen((h) => h === "0.0.0.0" ? new Deno.errors.AddrInUse("in use") : undefined);
  const ls = listenTcp("0.0.0.0", 0, f.listen);
  assert.deepEqual(ls.map((l) => (l.addr as Deno.NetAddr).hostname), ["::"]);
  assert.deepEqual(f.binds, [":: 0", "0.0.0.0 40000"], "IPv4 tried on the port IPv6 got");
  assert.deepEqual(f.closed, []);
});

Deno.test("listenTcp() keeps both sockets when [::] is IPv6-only (bindv6only=1)", () => {
  const f = fakeListen(() => undefined);
  const ls = listenTcp("::", 10256, f.listen);
  assert.deepEqual(ls.map((l) => (l.addr as Deno.NetAddr).hostname), ["::", "0.0.0.0"]);
});

Deno.test("listenTcp() falls back to 0.0.0.0 alone when the host has no IPv6", () => {
  const f = fakeListen((h) => h === "::" ? new Deno.errors.AddrNotAvailable("no ipv6") : undefined);
  const ls = listenTcp("0.0.0.0", 10256, f.listen);
  assert.deepEqual(ls.map((l) => (l.addr as Deno.NetAddr).hostname), ["0.0.0.0"]);
});

Deno.test("listenTcp() fails with AddrInUse when the wildcard port is taken", () => {
  const f = fakeListen(() => new Deno.errors.AddrInUse("in use"));
  assert.throws(() => listenTcp("0.0.0.0", 10256, f.listen), Deno.errors.AddrInUse);
  assert.deepEqual(f.binds, [":: 10256"], "no IPv4-only fallback that would hide the conflict");
});

Deno.test("listenTcp() binds a specific address exactly once", () => {
  const f = fakeListen(() => undefined);
  assert.equal(listenTcp("10.0.0.5", 32000, f.listen).length, 1);
  assert.equal(listenTcp("fd00::5", 32000, f.listen).length, 1);
  assert.deepEqual(f.binds, ["10.0.0.5 32000", "fd00::5 32000"]);
});

Deno.test("isWildcardHost() treats 0.0.0.0, :: and the empty host alike, as Go does", () => {
  for (const h of ["0.0.0.0", "::", ""]) assert.ok(isWildcardHost(h), h);
  for (const h of ["127.0.0.1", "::1", "10.0.0.1", "0.0.0.1"]) assert.ok(!isWildcardHost(h), h);
});

Deno.test("listenTcp() on the real kernel: [::1] and 127.0.0.1 are separate, exact listeners", () => {
  const v4 = listenTcp("127.0.0.1", 0);
  const port = (v4[0].addr as Deno.NetAddr).port;
  try {
    // The same port on ::1 is free: a specific address never covers the other family.
    const v6 = listenTcp("::1", port);
    v6.forEach((l) => l.close());
  } finally {
    v4.forEach((l) => l.close());
  }
});
