import assert from "node:assert/strict";
import { formatHostPort, HostPortError, parseHostPort } from "../../../src/config/host_port.ts";

const show = (input: string, o?: Parameters<typeof parseHostPort>[1]) =>
  formatHostPort(parseHostPort(input, o));

Deno.test("parseHostPort() reads IP:PORT and [IPv6]:PORT into typed values", () => {
  assert.deepEqual(parseHostPort("0.0.0.0:10256"), { hostname: "0.0.0.0", port: 10256, family: 4 });
  assert.deepEqual(parseHostPort("[::]:10256"), { hostname: "::", port: 10256, family: 6 });
  assert.equal(show(" [FD00::0A]:53 "), "[fd00::a]:53", "canonical IPv6, trimmed");
  assert.equal(show("010.000.000.001:80"), "10.0.0.1:80", "Kubernetes' legacy leading zeros");
});

Deno.test("parseHostPort() gives a bare IP the default port, as upstream's defaulting", () => {
  assert.equal(show("0.0.0.0", { defaultPort: 10249 }), "0.0.0.0:10249");
  assert.equal(show("::", { defaultPort: 10256 }), "[::]:10256");
  assert.equal(show("[::1]", { defaultPort: 10249 }), "[::1]:10249");
  assert.equal(show("127.0.0.1:9000", { defaultPort: 10249 }), "127.0.0.1:9000");
  assert.throws(() => parseHostPort("0.0.0.0"), /the port is missing/);
});

Deno.test("parseHostPort() refuses names, a missing IP, IPv6 without brackets, and bad ports", () => {
  const bad: [string, RegExp][] = [
    ["localhost:80", /"localhost" is not an IP address/],
    ["::1:80", /needs brackets/],
    ["[10.0.0.1]:80", /is not an IPv6 address/],
    ["[::1]80", /want \[IPv6\]:PORT/],
    ["1.2.3.4:http", /port "http" is not a number/],
    ["1.2.3.4:65536", /out of range 1-65535/],
    ["1.2.3.4:0", /out of range 1-65535/],
    ["1.2.3.4:", /port "" is not a number/],
    // Upstream refuses an empty host too (validateHostPort: ParseIP("") fails).
    [":10256", /the IP is missing/],
    [":10249", /the IP is missing/],
  ];
  for (const [input, re] of bad) {
    assert.throws(() => parseHostPort(input), (e: unknown) => {
      assert.ok(e instanceof HostPortError);
      assert.equal(e.input, input);
      assert.match(e.message, re, input);
      return true;
    });
  }
  assert.equal(parseHostPort("1.2.3.4:0", { allowPortZero: true }).port, 0);
});
