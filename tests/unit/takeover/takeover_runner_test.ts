import { strict as assert } from "node:assert";
import { TakeoverNftRunner } from "../../../src/takeover/takeover_runner.ts";
import type { NftRunner } from "../../../src/nft/nft_runner.ts";
import { silentLogger } from "../../../src/log/logger.ts";

// `nft list tables` on a node that ran upstream kube-proxy in nftables mode, with iptables-nft.
const LISTING = `table ip kube-proxy
table ip6 kube-proxy
table ip nat
table ip filter
table inet cni-firewall
`;

/** A runner that records what it is asked. */
class Recorder implements NftRunner {
  applied: string[] = [];
  checked: string[] = [];
  listing = LISTING;
  fail = false;
  apply(script: string): Promise<void> {
    if (this.fail) return Promise.reject(new Error("nft failed"));
    this.applied.push(script);
    return Promise.resolve();
  }
  check(script: string): Promise<void> {
    if (this.fail) return Promise.reject(new Error("nft failed"));
    this.checked.push(script);
    return Promise.resolve();
  }
  run(): Promise<string> {
    return Promise.resolve(this.listing);
  }
}

const FULL = "add table ip own\ndelete table ip own\ntable ip own {\n\tchain p {\n\t\ttype nat " +
  "hook prerouting priority -100; policy accept;\n\t}\n}\n";

Deno.test("TakeoverNftRunner appends the removal to the first full script, once", async () => {
  const inner = new Recorder();
  let called = 0;
  const r = new TakeoverNftRunner({
    inner,
    logger: silentLogger,
    ownTable: "own",
    onTakenOver: () => called++,
  });
  await r.apply("add element ip own m { 1 }\n"); // a partial script: not the moment
  assert.equal(called, 0);
  inner.fail = true;
  await assert.rejects(r.apply(FULL));
  assert.equal(called, 0, "not after a failed apply");
  inner.fail = false;
  await r.apply(FULL);
  await r.apply(FULL);
  assert.equal(called, 1);
  assert.equal(inner.applied.length, 3);
  assert.equal(inner.applied[1], `${FULL}\nadd table ip kube-proxy\ndelete table ip kube-proxy\n`);
  assert.equal(inner.applied[2], FULL);
});

Deno.test("TakeoverNftRunner passes a dry-run check through as is, without taking over", async () => {
  const inner = new Recorder();
  let called = 0;
  const r = new TakeoverNftRunner({
    inner,
    logger: silentLogger,
    ownTable: "own",
    onTakenOver: () => called++,
  });
  await r.check(FULL); // e.g. the bisection of a rejected ruleset
  assert.deepEqual(inner.checked, [FULL]);
  assert.deepEqual(inner.applied, []);
  assert.equal(called, 0);
  assert.equal(r.tookOver, false);
  inner.fail = true;
  await assert.rejects(r.check(FULL), /nft failed/);
  inner.fail = false;
  await r.apply(FULL);
  assert.equal(r.tookOver, true, "the first full apply still takes over");
  assert.match(inner.applied[0], /delete table ip kube-proxy\n/);
});
