import assert from "node:assert/strict";
import {
  BindAddressError,
  formatBindAddress,
  isIPv6Literal,
  parseBindAddress,
} from "../../src/servers/bind_address.ts";

Deno.test("parseBindAddress() reads IPv4 and bracketed IPv6 host:port", () => {
  assert.deepEqual(parseBindAddress("0.0.0.0:10256"), { hostname: "0.0.0.0", port: 10256 });
  assert.deepEqual(parseBindAddress("127.0.0.1:10249"), { hostname: "127.0.0.1", port: 10249 });
  assert.deepEqual(parseBindAddress("[::]:10256"), { hostname: "::", port: 10256 });
  assert.deepEqual(parseBindAddress("[fd00::1]:80"), { hostname: "fd00::1", port: 80 });
  assert.deepEqual(parseBindAddress(" 10.0.0.1:65535 "), { hostname: "10.0.0.1", port: 65535 });
});

Deno.test("parseBindAddress() reads ':port' as all IPv4 interfaces", () => {
  assert.deepEqual(parseBindAddress(":10256"), { hostname: "0.0.0.0", port: 10256 });
});

Deno.test("parseBindAddress() returns null (disabled) for an empty string or port 0", () => {
  assert.equal(parseBindAddress(""), null);
  assert.equal(parseBindAddress("   "), null);
  assert.equal(parseBindAddress("0.0.0.0:0"), null);
  assert.equal(parseBindAddress("[::]:0"), null);
});

Deno.test("parseBindAddress() rejects malformed addresses with BindAddressError", () => {
  const cases: [string, RegExp][] = [
    ["0.0.0.0", /port is missing/],
    ["0.0.0.0:http", /not a number/],
    ["0.0.0.0:70000", /out of range/],
    ["0.0.0.0:-1", /not a number/],
    ["localhost:10256", /not an IPv4 address/],
    ["300.1.1.1:80", /not an IPv4 address/],
    ["010.0.0.1:80", /not an IPv4 address/],
    ["::1:80", /must be in brackets/],
    ["[::1]80", /\[ipv6\]:port/],
    ["[zz::1]:80", /not an IPv6 address/],
    ["[1.2.3.4]:80", /not an IPv6 address/],
  ];
  for (const [input, message] of cases) {
    assert.throws(() => parseBindAddress(input), (err: unknown) => {
      assert.ok(err instanceof BindAddressError, `${input}: ${err}`);
      assert.equal(err.input, input);
      assert.match(err.message, message, input);
      return true;
    });
  }
});

Deno.test("formatBindAddress() brackets IPv6 hosts and round-trips with parseBindAddress()", () => {
  for (const text of ["0.0.0.0:10256", "[::]:10256", "[fd00::1]:80"]) {
    assert.equal(formatBindAddress(parseBindAddress(text)!), text);
  }
});

Deno.test("isIPv6Literal() accepts IPv6 forms and rejects others", () => {
  for (const ok of ["::", "::1", "fd00::1", "2001:db8::ffff:1.2.3.4"]) {
    assert.ok(isIPv6Literal(ok), ok);
  }
  for (const bad of ["", "1.2.3.4", "fd00::g", ":::", "[::1]", "::1%eth0"]) {
    assert.ok(!isIPv6Literal(bad), bad);
  }
});
