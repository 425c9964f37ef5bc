/**
 * One conntrack entry as the reconciler sees it: the original and reply
 * tuples, plus what identifies the entry for a precise deletion.
 *
 * @module
 */

/** IP family of a flow. */
export type FlowFamily = 4 | 6;

/** One direction of a flow: addresses in canonical text, ports as numbers. */
export interface FlowTuple {
  src: string;
  dst: string;
  sport: number;
  dport: number;
}

/** A conntrack entry. */
export interface ConntrackFlow {
  family: FlowFamily;
  /** IP protocol number (17 for UDP). */
  proto: number;
  /** The tuple of the first packet: client → service address. */
  orig: FlowTuple;
  /** The tuple of answers: endpoint (after DNAT) → client. */
  reply: FlowTuple;
  /** Conntrack zone. @default 0 */
  zone?: number;
  /**
   * The kernel's id of the entry, when known. A deletion that carries it
   * cannot remove a newer entry that reuses the same tuple.
   */
  id?: number;
}

/** The IP protocol number of UDP. */
export const IPPROTO_UDP = 17;

/** `ip:port`, with IPv6 in brackets: how endpoints and flow sources are keyed. */
export function endpointKey(ip: string, port: number): string {
  return ip.includes(":") ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** A one-line description of a flow for logs. */
export function describeFlow(flow: ConntrackFlow): string {
  return `${endpointKey(flow.orig.src, flow.orig.sport)} -> ${
    endpointKey(flow.orig.dst, flow.orig.dport)
  }` +
    ` (reply from ${endpointKey(flow.reply.src, flow.reply.sport)})`;
}
