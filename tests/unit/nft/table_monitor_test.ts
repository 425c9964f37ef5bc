import assert from "node:assert/strict";
import { NftEventParser } from "../../../src/nft/table_monitor.ts";

// Netlink and nf_tables constants (linux/netlink.h, linux/netfilter/nf_tables.h).
const NFNL_SUBSYS_NFTABLES = 10;
const MSG = {
  NEWTABLE: 0,
  NEWCHAIN: 3,
  NEWRULE: 6,
  DELRULE: 8,
  NEWSETELEM: 12,
  DELSETELEM: 14,
  NEWGEN: 15,
};
const AF = { INET: 1, IPV4: 2, IPV6: 10 };
const NFTA_GEN_PROC_PID = 2, NFTA_GEN_PROC_NAME = 3;

function attr(type: number, payload: Uint8Array): Uint8Array {
  const len = 4 + payload.length;
  const out = new Uint8Array((len + 3) & ~3);
  const v = new DataView(out.buffer);
  v.setUint16(0, len, true);
  v.setUint16(2, type, true);
  out.set(payload, 4);
  return out;
}

const str = (s: string) => new TextEncoder().encode(s + "\0");
const be32 = (n: number) => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n, false);
  return b;
};

/** One netlink message: nlmsghdr, nfgenmsg, attributes. */
function message(subsys: number, msg: number, family: number, attrs: Uint8Array[]): Uint8Array {
  const body = attrs.reduce((n, a) => n + a.length, 0);
  const out = new Uint8Array(20 + body);
  const v = new DataView(out.buffer);
  v.setUint32(0, out.length, true); // nlmsg_len
  v.setUint16(4, (subsys << 8) | msg, true); // nlmsg_type
  v.setUint16(6, 0, true); // nlmsg_flags
  v.setUint32(8, 7, true); // nlmsg_seq
  v.setUint32(12, 0, true); // nlmsg_pid
  out[16] = family; // nfgen_family
  out[17] = 0; // version
  v.setUint16(18, 0, false); // res_id
  let off = 20;
  for (const a of attrs) {
    out.set(a, off);
    off += a.length;
  }
  return out;
}

const onTable = (msg: number, family: number, table: string) =>
  message(NFNL_SUBSYS_NFTABLES, msg, family, [attr(1, str(table)), attr(2, str("chain-or-set"))]);
const newgen = (pid?: number, name?: string) =>
  message(NFNL_SUBSYS_NFTABLES, MSG.NEWGEN, 0, [
    attr(1, be32(42)),
    ...(pid === undefined ? [] : [attr(NFTA_GEN_PROC_PID, be32(pid))]),
    ...(name === undefined ? [] : [attr(NFTA_GEN_PROC_NAME, str(name))]),
  ]);

function datagram(...messages: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(messages.reduce((n, m) => n + m.length, 0));
  let off = 0;
  for (const m of messages) {
    out.set(m, off);
    off += m.length;
  }
  return out;
}

Deno.test("NftEventParser reports a transaction at its NEWGEN, with the tables it touched and who committed it", () => {
  const p = new NftEventParser();
  const txs = p.feed(datagram(
    onTable(MSG.NEWRULE, AF.IPV4, "kube-nft-proxy"),
    onTable(MSG.DELSETELEM, AF.IPV6, "kube-nft-proxy"),
    onTable(MSG.NEWRULE, AF.IPV4, "kube-nft-proxy"),
    newgen(1234, "nft"),
  ));
  assert.equal(txs.length, 1);
  assert.equal(txs[0].pid, 1234);
  assert.equal(txs[0].processName, "nft");
  assert.deepEqual([...txs[0].tables].sort(), ["ip kube-nft-proxy", "ip6 kube-nft-proxy"]);
});

Deno.test("NftEventParser follows a transaction across datagrams, and several in one", () => {
  const p = new NftEventParser();
  assert.deepEqual(p.feed(onTable(MSG.NEWCHAIN, AF.IPV4, "a")), []);
  assert.deepEqual(p.feed(onTable(MSG.NEWSETELEM, AF.IPV4, "b")), []);
  const [first] = p.feed(newgen(1, "x"));
  assert.deepEqual([...first.tables].sort(), ["ip a", "ip b"]);
  const two = p.feed(datagram(
    onTable(MSG.NEWTABLE, AF.IPV6, "c"),
    newgen(2, "y"),
    onTable(MSG.DELRULE, AF.INET, "d"),
    newgen(3, "z"),
  ));
  assert.deepEqual(two.map((t) => [t.pid, t.processName, [...t.tables]]), [
    [2, "y", ["ip6 c"]],
    [3, "z", ["family:1 d"]],
  ]);
  assert.equal(first.tables.size, 2, "a reported transaction is not changed by later ones");
});

Deno.test("NftEventParser takes a NEWGEN without process attributes as an unknown committer", () => {
  const [t] = new NftEventParser().feed(datagram(onTable(MSG.NEWRULE, AF.IPV4, "t"), newgen()));
  assert.equal(t.pid, 0);
  assert.equal(t.processName, "");
  const [empty] = new NftEventParser().feed(newgen(5, "nft"));
  assert.equal(empty.tables.size, 0, "a transaction that touched no table");
});

Deno.test("NftEventParser skips other subsystems and stops at a malformed message without throwing", () => {
  const p = new NftEventParser();
  const ctnetlink = message(1, 0, AF.IPV4, [attr(1, str("not-a-table"))]);
  const done = new Uint8Array(16);
  new DataView(done.buffer).setUint32(0, 16, true);
  new DataView(done.buffer).setUint16(4, 3, true); // NLMSG_DONE
  assert.deepEqual(p.feed(datagram(ctnetlink, done)), []);
  const [t] = p.feed(newgen(9, "nft"));
  assert.equal(t.tables.size, 0, "nothing was taken from other subsystems");
  // Truncated: the header claims more than the datagram holds.
  const whole = datagram(onTable(MSG.NEWRULE, AF.IPV4, "t"), newgen(1, "nft"));
  assert.deepEqual(p.feed(whole.subarray(0, whole.length - 4)), []);
  const bogus = new Uint8Array(20);
  new DataView(bogus.buffer).setUint32(0, 8, true); // shorter than a header
  assert.deepEqual(p.feed(bogus), []);
  assert.deepEqual(p.feed(new Uint8Array(0)), []);
  // Parsing goes on with the next datagram.
  const [after] = p.feed(datagram(onTable(MSG.NEWRULE, AF.IPV4, "u"), newgen(2, "nft")));
  assert.ok(after.tables.has("ip u"));
});

Deno.test("NftEventParser reads attributes at any alignment and offset in a larger buffer", () => {
  const names = ["a", "ab", "abc", "abcd", "kube-nft-proxy"];
  const msgs = names.map((n) => onTable(MSG.NEWRULE, AF.IPV4, n));
  const inner = datagram(...msgs, newgen(77, "kube-proxy-thread"));
  const outer = new Uint8Array(inner.length + 8);
  outer.set(inner, 8);
  const [t] = new NftEventParser().feed(outer.subarray(8));
  assert.deepEqual([...t.tables].sort(), names.map((n) => `ip ${n}`).sort());
  assert.equal(t.processName, "kube-proxy-thread");
});
