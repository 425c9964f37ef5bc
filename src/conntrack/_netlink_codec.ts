/**
 * Encoding and decoding of the ctnetlink messages the reconciler needs (a
 * dump of one family's UDP entries, and the deletion of exact entries), as
 * plain bytes: no I/O here, so it is tested without root.
 *
 * Layout (linux/netlink.h, linux/netfilter/nfnetlink*.h): a 16-byte
 * `nlmsghdr` in host byte order, a 4-byte `nfgenmsg`, then attributes
 * (`nlattr`: length and type in host order, payload padded to 4 bytes).
 * Addresses, ports, ids and zones in payloads are big-endian.
 *
 * @module
 */

import { ipFromBytes } from "../model/ip.ts";
import type { ConntrackFlow, FlowFamily, FlowTuple } from "./flow.ts";

/** Netlink and ctnetlink constants used here. */
export const NL = {
  AF_INET: 2,
  AF_INET6: 10,
  NLMSG_NOOP: 1,
  NLMSG_ERROR: 2,
  NLMSG_DONE: 3,
  NLMSG_OVERRUN: 4,
  F_REQUEST: 0x1,
  F_MULTI: 0x2,
  F_ACK: 0x4,
  F_DUMP: 0x300,
  /** (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_NEW: what a dump returns. */
  CT_NEW: (1 << 8) | 0,
  CT_GET: (1 << 8) | 1,
  CT_DELETE: (1 << 8) | 2,
} as const;

const NLA_F_NESTED = 0x8000;
const NLA_TYPE_MASK = 0x3fff;
const CTA = {
  TUPLE_ORIG: 1,
  TUPLE_REPLY: 2,
  ID: 12,
  ZONE: 18,
  FILTER: 25,
  TUPLE_IP: 1,
  TUPLE_PROTO: 2,
  IP_V4_SRC: 1,
  IP_V4_DST: 2,
  IP_V6_SRC: 3,
  IP_V6_DST: 4,
  PROTO_NUM: 1,
  PROTO_SRC_PORT: 2,
  PROTO_DST_PORT: 3,
  FILTER_ORIG_FLAGS: 1,
  FILTER_REPLY_FLAGS: 2,
  /** CTA_FILTER_FLAG(CTA_PROTO_NUM). */
  FILTER_FLAG_PROTO_NUM: 1 << 3,
} as const;

/** Host byte order (netlink headers use it): true on every platform Deno ships for. */
const LE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Builds attribute trees into bytes. */
class AttrWriter {
  #parts: Uint8Array[] = [];
  #length = 0;

  #push(bytes: Uint8Array): void {
    this.#parts.push(bytes);
    this.#length += bytes.length;
  }

  /** A leaf attribute. */
  attr(type: number, payload: Uint8Array): this {
    const len = 4 + payload.length;
    const padded = (len + 3) & ~3;
    const buf = new Uint8Array(padded);
    const dv = new DataView(buf.buffer);
    dv.setUint16(0, len, LE);
    dv.setUint16(2, type, LE);
    buf.set(payload, 4);
    this.#push(buf);
    return this;
  }

  /** A nested attribute whose children `build` writes. */
  nested(type: number, build: (w: AttrWriter) => void): this {
    const inner = new AttrWriter();
    build(inner);
    return this.attr(type | NLA_F_NESTED, inner.bytes());
  }

  bytes(): Uint8Array {
    const out = new Uint8Array(this.#length);
    let at = 0;
    for (const p of this.#parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
}

function be16(n: number): Uint8Array {
  return new Uint8Array([(n >> 8) & 0xff, n & 0xff]);
}

function be32(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n >>> 0, false);
  return b;
}

function hostU32(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n >>> 0, LE);
  return b;
}

/** Wraps attributes into one ctnetlink message. */
function message(type: number, flags: number, seq: number, family: FlowFamily, attrs: Uint8Array) {
  const len = 16 + 4 + attrs.length;
  const buf = new Uint8Array(len);
  const dv = new DataView(buf.buffer);
  dv.setUint32(0, len, LE);
  dv.setUint16(4, type, LE);
  dv.setUint16(6, flags, LE);
  dv.setUint32(8, seq >>> 0, LE);
  dv.setUint32(12, 0, LE);
  buf[16] = family === 4 ? NL.AF_INET : NL.AF_INET6;
  buf[17] = 0; // NFNETLINK_V0; res_id stays 0
  buf.set(attrs, 20);
  return buf;
}

/**
 * A dump request for one family's entries of one IP protocol. The kernel
 * filters by protocol itself (CTA_FILTER, Linux 5.9+); older kernels ignore
 * the filter and the caller filters again.
 */
export function encodeDumpRequest(family: FlowFamily, proto: number, seq: number): Uint8Array {
  const attrs = new AttrWriter()
    .nested(CTA.FILTER, (w) => {
      w.attr(CTA.FILTER_ORIG_FLAGS, hostU32(CTA.FILTER_FLAG_PROTO_NUM));
      w.attr(CTA.FILTER_REPLY_FLAGS, hostU32(0));
    })
    .nested(CTA.TUPLE_ORIG, (w) => {
      w.nested(CTA.TUPLE_PROTO, (p) => p.attr(CTA.PROTO_NUM, new Uint8Array([proto])));
    })
    .bytes();
  return message(NL.CT_GET, NL.F_REQUEST | NL.F_DUMP, seq, family, attrs);
}

/** A dump request without any filter: every entry of the family. */
export function encodePlainDumpRequest(family: FlowFamily, seq: number): Uint8Array {
  return message(NL.CT_GET, NL.F_REQUEST | NL.F_DUMP, seq, family, new Uint8Array(0));
}

function ipBytes(text: string, family: FlowFamily): Uint8Array {
  if (family === 4) return new Uint8Array(text.split(".").map(Number));
  // Expand "::" then write 8 groups.
  const [head, tail] = text.includes("::") ? text.split("::") : [text, undefined];
  const h = head ? head.split(":") : [];
  const t = tail ? tail.split(":") : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill("0"), ...t];
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    const n = parseInt(g, 16);
    out[2 * i] = n >> 8;
    out[2 * i + 1] = n & 0xff;
  });
  return out;
}

function writeTuple(w: AttrWriter, t: FlowTuple, family: FlowFamily, proto: number): void {
  w.nested(CTA.TUPLE_IP, (ip) => {
    ip.attr(family === 4 ? CTA.IP_V4_SRC : CTA.IP_V6_SRC, ipBytes(t.src, family));
    ip.attr(family === 4 ? CTA.IP_V4_DST : CTA.IP_V6_DST, ipBytes(t.dst, family));
  });
  w.nested(CTA.TUPLE_PROTO, (p) => {
    p.attr(CTA.PROTO_NUM, new Uint8Array([proto]));
    p.attr(CTA.PROTO_SRC_PORT, be16(t.sport));
    p.attr(CTA.PROTO_DST_PORT, be16(t.dport));
  });
}

/** A request deleting exactly this entry (by original tuple, zone and, when known, id), acked. */
export function encodeDeleteRequest(flow: ConntrackFlow, seq: number): Uint8Array {
  const w = new AttrWriter().nested(
    CTA.TUPLE_ORIG,
    (t) => writeTuple(t, flow.orig, flow.family, flow.proto),
  );
  if (flow.zone) w.attr(CTA.ZONE, be16(flow.zone));
  if (flow.id !== undefined) w.attr(CTA.ID, be32(flow.id));
  return message(NL.CT_DELETE, NL.F_REQUEST | NL.F_ACK, seq, flow.family, w.bytes());
}

/** One decoded netlink message. */
export type NetlinkMessage =
  | { kind: "flow"; seq: number; flow: ConntrackFlow }
  | { kind: "ack"; seq: number; errno: number }
  | { kind: "done"; seq: number }
  | { kind: "other"; seq: number; type: number };

function attrs(view: DataView, start: number, end: number): Map<number, [number, number]> {
  const out = new Map<number, [number, number]>();
  let at = start;
  while (at + 4 <= end) {
    const len = view.getUint16(at, LE);
    if (len < 4 || at + len > end) break;
    out.set(view.getUint16(at + 2, LE) & NLA_TYPE_MASK, [at + 4, at + len]);
    at += (len + 3) & ~3;
  }
  return out;
}

function ipText(bytes: Uint8Array): string {
  return ipFromBytes(bytes)?.text ?? "";
}

function readTuple(view: DataView, buf: Uint8Array, range: [number, number]) {
  const top = attrs(view, range[0], range[1]);
  const ipR = top.get(CTA.TUPLE_IP), protoR = top.get(CTA.TUPLE_PROTO);
  if (!ipR || !protoR) return undefined;
  const ip = attrs(view, ipR[0], ipR[1]);
  const src = ip.get(CTA.IP_V4_SRC) ?? ip.get(CTA.IP_V6_SRC);
  const dst = ip.get(CTA.IP_V4_DST) ?? ip.get(CTA.IP_V6_DST);
  const pr = attrs(view, protoR[0], protoR[1]);
  const num = pr.get(CTA.PROTO_NUM);
  if (!src || !dst || !num) return undefined;
  const port = (r?: [number, number]) => (r ? view.getUint16(r[0], false) : 0);
  const tuple: FlowTuple = {
    src: ipText(buf.subarray(src[0], src[1])),
    dst: ipText(buf.subarray(dst[0], dst[1])),
    sport: port(pr.get(CTA.PROTO_SRC_PORT)),
    dport: port(pr.get(CTA.PROTO_DST_PORT)),
  };
  return { tuple, proto: buf[num[0]] };
}

/** Decodes every message in one datagram read from the socket. */
export function decodeMessages(buf: Uint8Array): NetlinkMessage[] {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const out: NetlinkMessage[] = [];
  let at = 0;
  while (at + 16 <= buf.length) {
    const len = view.getUint32(at, LE);
    if (len < 16 || at + len > buf.length) break;
    const type = view.getUint16(at + 4, LE);
    const seq = view.getUint32(at + 8, LE);
    if (type === NL.NLMSG_ERROR) {
      out.push({ kind: "ack", seq, errno: -view.getInt32(at + 16, LE) });
    } else if (type === NL.NLMSG_DONE) {
      out.push({ kind: "done", seq });
    } else if (type === NL.CT_NEW && len >= 20) {
      const family = buf[at + 16] === NL.AF_INET6 ? 6 : 4;
      const top = attrs(view, at + 20, at + len);
      const o = top.get(CTA.TUPLE_ORIG), r = top.get(CTA.TUPLE_REPLY);
      const orig = o && readTuple(view, buf, o);
      const reply = r && readTuple(view, buf, r);
      if (orig && reply) {
        const zone = top.get(CTA.ZONE), id = top.get(CTA.ID);
        out.push({
          kind: "flow",
          seq,
          flow: {
            family,
            proto: orig.proto,
            orig: orig.tuple,
            reply: reply.tuple,
            zone: zone ? view.getUint16(zone[0], false) : 0,
            id: id ? view.getUint32(id[0], false) : undefined,
          },
        });
      }
    } else {
      out.push({ kind: "other", seq, type });
    }
    at += (len + 3) & ~3;
  }
  return out;
}
