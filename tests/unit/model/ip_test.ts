import assert from "node:assert/strict";
import {
  cidrContains,
  ipFromBytes,
  IpParseError,
  parseCidr,
  parseIp,
  tryParseCidr,
  tryParseIp,
} from "../../../src/model/ip.ts";

Deno.test("tryParseIp() reads sloppy IPv4 literals as decimal and trims spaces", () => {
  const cases: [string, string][] = [
    ["172.30.0.041", "172.30.0.41"],
    ["010.000.000.001", "10.0.0.1"],
    [" 203.0.113.7 ", "203.0.113.7"],
    ["\t192.0.2.1\n", "192.0.2.1"],
    ["0.0.0.0", "0.0.0.0"],
    ["255.255.255.255", "255.255.255.255"],
    // A zero is canonical alone, not before another digit (the canonical text is reused as is).
    ["10.0.0.00", "10.0.0.0"],
    ["00.1.2.3", "0.1.2.3"],
    ["10.20.0.09", "10.20.0.9"],
    ["10.0.0.10", "10.0.0.10"],
  ];
  for (const [input, want] of cases) {
    const ip = tryParseIp(input);
    assert.ok(ip, `expected ${JSON.stringify(input)} to parse`);
    assert.equal(ip.family, 4);
    assert.equal(ip.text, want, `input ${JSON.stringify(input)}`);
    assert.equal(ip.bytes.length, 4);
  }
  assert.deepEqual([...tryParseIp("172.30.0.041")!.bytes], [172, 30, 0, 41]);
});

Deno.test("tryParseIp() writes IPv6 in RFC 5952 form", () => {
  const cases: [string, string][] = [
    ["2001:db8:0:0:0:0:0:1", "2001:db8::1"],
    ["2001:0DB8:0000:0000:0000:ff00:0042:8329", "2001:db8::ff00:42:8329"],
    ["::", "::"],
    ["::1", "::1"],
    ["fe80::", "fe80::"],
    ["1:0:0:2:0:0:0:3", "1:0:0:2::3"], // the longest zero run is compressed
    ["1:0:0:2:3:0:0:4", "1::2:3:0:0:4"], // on a tie, the first
    ["1:0:2:3:4:5:6:7", "1:0:2:3:4:5:6:7"], // a single zero group is not compressed
    [" fd00:10::0001 ", "fd00:10::1"],
    ["64:ff9b::192.0.2.33", "64:ff9b::c000:221"],
    ["::ffff:10.0.0.1", "::ffff:a00:1"],
    ["1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:102:304"],
  ];
  for (const [input, want] of cases) {
    const ip = tryParseIp(input);
    assert.ok(ip, `expected ${JSON.stringify(input)} to parse`);
    assert.equal(ip.family, 6);
    assert.equal(ip.text, want, `input ${JSON.stringify(input)}`);
    assert.equal(ip.bytes.length, 16);
  }
  const mapped = tryParseIp("::ffff:10.0.0.1")!;
  assert.deepEqual([...mapped.bytes.slice(10)], [0xff, 0xff, 10, 0, 0, 1]);
});

Deno.test("tryParseIp() rejects garbage and nft syntax", () => {
  const bad: unknown[] = [
    "",
    "   ",
    "10.0.0.1; flush ruleset",
    "1.2.3.4 }",
    "1.2.3.4 . tcp . 80",
    "10.0.0.1\nflush ruleset",
    "10.0.0.256",
    "10.0.0",
    "10.0.0.1.2",
    "10.0.0.-1",
    "0x0a.0.0.1",
    "1e1.0.0.1",
    "10.0.0.1/32",
    "١٠.0.0.1",
    "fe80::1%eth0",
    "1::2::3",
    "1:2:3:4:5:6:7:8:9",
    "1:2:3:4:5:6:7",
    ":1:2:3:4:5:6:7",
    "12345::1",
    "g::1",
    "::1.2.3",
    "1.2.3.4::",
    "::1.2.3.4:5",
    "::ffff:300.1.1.1",
    "a".repeat(46),
    undefined,
    null,
    42,
    ["10.0.0.1"],
  ];
  for (const input of bad) {
    assert.equal(tryParseIp(input), undefined, `accepted ${JSON.stringify(input)}`);
  }
});

Deno.test("parseIp() throws IpParseError naming the input", () => {
  assert.throws(() => parseIp("10.0.0.1 }"), (e: unknown) => {
    assert.ok(e instanceof IpParseError);
    assert.match((e as Error).message, /"10\.0\.0\.1 }"/);
    return true;
  });
  assert.equal(parseIp("192.0.2.010").text, "192.0.2.10");
});

Deno.test("tryParseCidr() trims, clears host bits and canonicalises", () => {
  const cases: [string, string, number][] = [
    [" 203.0.113.0/25", "203.0.113.0/25", 25],
    ["203.0.113.200/25", "203.0.113.128/25", 25],
    [" 10.1.2.3 / 8 ", "10.0.0.0/8", 8],
    ["172.30.0.041/32", "172.30.0.41/32", 32],
    ["192.0.2.1/0", "0.0.0.0/0", 0],
    ["2001:db8::1/64", "2001:db8::/64", 64],
    ["2001:db8:ffff:ffff::/33", "2001:db8:8000::/33", 33],
    ["fd00::1/128", "fd00::1/128", 128],
  ];
  for (const [input, want, prefix] of cases) {
    const c = tryParseCidr(input);
    assert.ok(c, `expected ${JSON.stringify(input)} to parse`);
    assert.equal(c.text, want, `input ${JSON.stringify(input)}`);
    assert.equal(c.prefix, prefix);
    assert.equal(c.addr.text, want.split("/")[0]);
  }
});

Deno.test("tryParseCidr() rejects bad prefixes, missing slashes and nft syntax", () => {
  const bad: unknown[] = [
    "10.0.0.0",
    "10.0.0.0/33",
    "fd00::/129",
    "10.0.0.0/-1",
    "10.0.0.0/8/8",
    "10.0.0.0/ab",
    "10.0.0.0/8 }",
    "10.0.0.0/8, 0.0.0.0/0",
    "10.0.0.0/8; flush ruleset",
    "/8",
    "",
    undefined,
    8,
  ];
  for (const input of bad) {
    assert.equal(tryParseCidr(input), undefined, `accepted ${JSON.stringify(input)}`);
  }
  assert.throws(() => parseCidr("10.0.0.0/40"), IpParseError);
});

Deno.test("cidrContains() checks prefix bits and family", () => {
  const c = parseCidr("203.0.113.128/25");
  assert.equal(cidrContains(c, parseIp("203.0.113.128")), true);
  assert.equal(cidrContains(c, parseIp("203.0.113.255")), true);
  assert.equal(cidrContains(c, parseIp("203.0.113.127")), false);
  assert.equal(cidrContains(c, parseIp("203.0.114.200")), false);
  assert.equal(cidrContains(parseCidr("0.0.0.0/0"), parseIp("198.51.100.1")), true);
  assert.equal(cidrContains(parseCidr("0.0.0.0/0"), parseIp("::1")), false, "family differs");
  const v6 = parseCidr("2001:db8:8000::/33");
  assert.equal(cidrContains(v6, parseIp("2001:db8:8000::1")), true);
  assert.equal(cidrContains(v6, parseIp("2001:db8:7fff::1")), false);
  assert.equal(cidrContains(parseCidr("10.0.0.1/32"), parseIp("10.0.0.1")), true);
  assert.equal(cidrContains(parseCidr("10.0.0.1/32"), parseIp("10.0.0.2")), false);
});

Deno.test("model/ip.ts speaks of addresses only: the nft vocabulary lives in plan/", async () => {
  const ipModule = await import("../../../src/model/ip.ts");
  const nftWords = Object.keys(ipModule).filter((name) => /^nft/i.test(name));
  assert.deepEqual(nftWords, [], "nftAddrType/nftFamilyWord belong to src/plan/nft_vocabulary.ts");
});

Deno.test("ipFromBytes() reads 4 or 16 network-order bytes, canonically, and nothing else", () => {
  assert.equal(ipFromBytes(new Uint8Array([192, 168, 0, 1]))?.text, "192.168.0.1");
  const v6 = new Uint8Array(16);
  v6.set([0xfd, 0x00], 0);
  v6[15] = 0x0a;
  assert.equal(ipFromBytes(v6)?.text, "fd00::a");
  assert.equal(ipFromBytes(v6)?.family, 6);
  assert.equal(ipFromBytes(new Uint8Array(0)), undefined);
  assert.equal(ipFromBytes(new Uint8Array(15)), undefined);
  const bytes = new Uint8Array([10, 0, 0, 1]);
  const ip = ipFromBytes(bytes)!;
  bytes[3] = 2;
  assert.equal(ip.text, "10.0.0.1", "the address does not alias the caller's buffer");
});
