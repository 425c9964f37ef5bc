import assert from "node:assert/strict";
import { disjointCidrs } from "../../../src/plan/disjoint_cidrs.ts";
import { type Cidr, cidrContains, parseCidr, parseIp } from "../../../src/model/ip.ts";

const texts = (cs: Cidr[]) => cs.map((c) => c.text);
const of = (...ts: string[]) => disjointCidrs(ts.map(parseCidr));

Deno.test("disjointCidrs() keeps only the outermost of nested and duplicate CIDRs, sorted", () => {
  assert.deepEqual(texts(of("0.0.0.0/0", "203.0.113.7/32", "10.0.0.0/8")), ["0.0.0.0/0"]);
  assert.deepEqual(texts(of("10.1.0.0/16", "10.0.0.0/8", "10.1.2.0/24")), ["10.0.0.0/8"]);
  assert.deepEqual(texts(of("203.0.113.0/24", "203.0.113.0/24")), ["203.0.113.0/24"]);
  assert.deepEqual(
    texts(of("203.0.114.0/24", "203.0.113.0/24", "192.0.2.0/24")),
    ["192.0.2.0/24", "203.0.113.0/24", "203.0.114.0/24"],
    "adjacent and separate CIDRs all stay",
  );
  assert.deepEqual(texts(of("::/0", "2001:db8::/32")), ["::/0"]);
  assert.deepEqual(texts(of("2001:db8:1::/48", "2001:db8::/32", "fd00::/8")), [
    "2001:db8::/32",
    "fd00::/8",
  ]);
  assert.deepEqual(disjointCidrs([]), []);
});

Deno.test("disjointCidrs() covers exactly the union of its input, with pairwise disjoint CIDRs", () => {
  let s = 7;
  const rnd = (n: number) => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) % n;
  for (let round = 0; round < 200; round++) {
    const input = Array.from(
      { length: 1 + rnd(8) },
      () => parseCidr(`10.${rnd(4)}.${rnd(4)}.${rnd(4) * 64}/${[8, 14, 16, 24, 26, 32][rnd(6)]}`),
    );
    const out = disjointCidrs(input);
    for (let i = 0; i < out.length; i++) {
      for (let j = i + 1; j < out.length; j++) {
        assert.ok(!cidrContains(out[i], out[j].addr) && !cidrContains(out[j], out[i].addr));
      }
    }
    for (let probe = 0; probe < 50; probe++) {
      const ip = parseIp(`10.${rnd(4)}.${rnd(4)}.${rnd(256)}`);
      assert.equal(
        out.some((c) => cidrContains(c, ip)),
        input.some((c) => cidrContains(c, ip)),
        `${ip.text} in ${texts(input)} -> ${texts(out)}`,
      );
    }
    assert.ok(out.every((c) => input.some((i) => i.text === c.text)), "no CIDR is invented");
  }
});
