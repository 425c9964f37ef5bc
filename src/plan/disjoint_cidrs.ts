/**
 * Turns any list of CIDRs into the same address space as disjoint CIDRs, so
 * that they can be elements of one interval set: nft refuses overlapping
 * intervals ("File exists"), which would fail the whole transaction. Two
 * CIDRs are either disjoint or one contains the other, so dropping every CIDR
 * inside another (and duplicates) is enough.
 *
 * @module
 */

import type { Cidr } from "../model/ip.ts";

function compareAddr(a: Cidr, b: Cidr): number {
  const x = a.addr.bytes, y = b.addr.bytes;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return x[i] - y[i];
  return a.prefix - b.prefix; // wider first
}

function contains(outer: Cidr, inner: Cidr): boolean {
  if (outer.family !== inner.family || outer.prefix > inner.prefix) return false;
  const a = outer.addr.bytes, b = inner.addr.bytes;
  for (let bit = 0; bit < outer.prefix; bit++) {
    const mask = 0x80 >> (bit & 7);
    if ((a[bit >> 3] & mask) !== (b[bit >> 3] & mask)) return false;
  }
  return true;
}

/**
 * The disjoint CIDRs covering exactly the union of `cidrs` (of one family),
 * sorted by address.
 *
 * @example
 * ```ts
 * import { parseCidr } from "../model/ip.ts";
 * import { disjointCidrs } from "./disjoint_cidrs.ts";
 * const out = disjointCidrs(["0.0.0.0/0", "203.0.113.7/32"].map(parseCidr));
 * console.assert(out.length === 1 && out[0].text === "0.0.0.0/0");
 * ```
 */
export function disjointCidrs(cidrs: readonly Cidr[]): Cidr[] {
  const sorted = [...cidrs].sort(compareAddr);
  const out: Cidr[] = [];
  for (const c of sorted) {
    // Sorted by address with wider prefixes first, a CIDR can only be inside the last kept one.
    const last = out[out.length - 1];
    if (last && contains(last, c)) continue;
    out.push(c);
  }
  return out;
}
