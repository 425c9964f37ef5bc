import { strict as assert } from "node:assert";
import {
  decodeMessages,
  encodeDeleteRequest,
  encodeDumpRequest,
} from "../../../src/conntrack/_netlink_codec.ts";
import type { ConntrackFlow } from "../../../src/conntrack/flow.ts";

const u16 = (b: Uint8Array, at: number) => new DataView(b.buffer, b.byteOffset).getUint16(at, true);
const u32 = (b: Uint8Array, at: number) => new DataView(b.buffer, b.byteOffset).getUint32(at, true);

/**
 * The kernel answers a dump with CT_NEW messages carrying the same attributes a delete request
 * sends, so a delete request re-typed as CT_NEW (plus a reply tuple) reads back as a flow.
 */
function asDumpMessage(req: Uint8Array, reply: Uint8Array): Uint8Array {
  const out = new Uint8Array(req.length + reply.length);
  out.set(req);
  out.set(reply, req.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, out.length, true);
  dv.setUint16(4, (1 << 8) | 0, true);
  return out;
}

const v4: ConntrackFlow = {
  family: 4,
  proto: 17,
  orig: { src: "10.244.1.50", dst: "10.96.0.10", sport: 40000, dport: 53 },
  reply: { src: "10.244.1.11", dst: "10.244.1.50", sport: 5353, dport: 40000 },
  zone: 7,
  id: 0xdeadbeef,
};

Deno.test("encodeDumpRequest() builds one ctnetlink GET dump of a family", () => {
  const m = encodeDumpRequest(6, 17, 42);
  assert.equal(u32(m, 0), m.length);
  assert.equal(u16(m, 4), (1 << 8) | 1, "IPCTNL_MSG_CT_GET");
  assert.equal(u16(m, 6), 0x301, "NLM_F_REQUEST | NLM_F_DUMP");
  assert.equal(u32(m, 8), 42);
  assert.equal(m[16], 10, "AF_INET6");
  assert.equal(m.length % 4, 0);
});

Deno.test("encodeDeleteRequest() round-trips the original tuple, zone and id", () => {
  const req = encodeDeleteRequest(v4, 7);
  assert.equal(u16(req, 4), (1 << 8) | 2, "IPCTNL_MSG_CT_DELETE");
  assert.equal(u16(req, 6), 0x5, "NLM_F_REQUEST | NLM_F_ACK");
  // A reply tuple attribute (CTA_TUPLE_REPLY = 2) built the same way as the original one.
  const replyAsOrig = encodeDeleteRequest({ ...v4, orig: v4.reply, zone: 0, id: undefined }, 0)
    .subarray(20);
  new DataView(replyAsOrig.buffer, replyAsOrig.byteOffset).setUint16(2, 2 | 0x8000, true);
  const [m] = decodeMessages(asDumpMessage(req, replyAsOrig));
  assert.equal(m.kind, "flow");
  assert.deepEqual(m.kind === "flow" && m.flow, v4);
});

Deno.test("decodeMessages() reads IPv6 addresses in RFC 5952 form", () => {
  const f: ConntrackFlow = {
    family: 6,
    proto: 17,
    orig: { src: "2001:db8:244:1::50", dst: "fd00:10:96::a", sport: 1, dport: 53 },
    reply: { src: "2001:db8:0:0:1:0:0:1", dst: "2001:db8:244:1::50", sport: 53, dport: 1 },
    zone: 0,
  };
  const req = encodeDeleteRequest(f, 1);
  const reply = encodeDeleteRequest({ ...f, orig: f.reply }, 1).subarray(20);
  new DataView(reply.buffer, reply.byteOffset).setUint16(2, 2 | 0x8000, true);
  const [m] = decodeMessages(asDumpMessage(req, reply));
  assert.ok(m.kind === "flow");
  assert.equal(m.flow.orig.dst, "fd00:10:96::a");
  assert.equal(m.flow.reply.src, "2001:db8::1:0:0:1", "first longest zero run shortened");
});

Deno.test("decodeMessages() reads acks with their errno, and the end of a dump", () => {
  const buf = new Uint8Array(36 + 20);
  const dv = new DataView(buf.buffer);
  dv.setUint32(0, 36, true);
  dv.setUint16(4, 2, true); // NLMSG_ERROR
  dv.setUint32(8, 9, true);
  dv.setInt32(16, -2, true); // -ENOENT
  dv.setUint32(36, 20, true);
  dv.setUint16(40, 3, true); // NLMSG_DONE
  dv.setUint32(44, 10, true);
  assert.deepEqual(decodeMessages(buf), [
    { kind: "ack", seq: 9, errno: 2 },
    { kind: "done", seq: 10 },
  ]);
});

Deno.test("decodeMessages() stops at a truncated message instead of reading past it", () => {
  const req = encodeDeleteRequest(v4, 1);
  assert.deepEqual(decodeMessages(req.subarray(0, req.length - 8)), []);
});
