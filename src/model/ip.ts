/**
 * IP address and CIDR parsing with Kubernetes' legacy leniency: IPv4 octets
 * with leading zeros (`172.30.0.041`) are read as decimal, and surrounding
 * spaces are trimmed. Everything else is strict, and the result is always
 * a canonical string that is safe to place in an nft script.
 *
 * @module
 */

/** IP family. */
export type Family = 4 | 6;

/** A parsed IP address. */
export interface IpAddr {
  family: Family;
  /** Canonical text: dotted quad, or RFC 5952 IPv6. */
  text: string;
  /**
   * 4 or 16 bytes, network order. A plain array: one is built per endpoint address, and a
   * typed array costs several times more to allocate.
   */
  bytes: readonly number[];
}

/** A parsed CIDR with the host bits cleared. */
export interface Cidr {
  family: Family;
  prefix: number;
  /** Network address. */
  addr: IpAddr;
  /** Canonical `addr/prefix`. */
  text: string;
}

/** Raised for an IP or CIDR literal that cannot be read. */
export class IpParseError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "IpParseError";
  }
}

function parseV4(s: string): number[] | undefined {
  // Hand-written: this runs for every endpoint address, 100k times at scale.
  const out = [0, 0, 0, 0];
  let part = 0, value = 0, digits = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      value = value * 10 + (c - 48);
      if (++digits > 3) return undefined;
    } else if (c === 46) {
      if (digits === 0 || value > 255 || part === 3) return undefined;
      out[part++] = value;
      value = 0;
      digits = 0;
    } else return undefined;
  }
  if (digits === 0 || value > 255 || part !== 3) return undefined;
  out[3] = value;
  return out;
}

/** Whether a valid dotted quad has an octet with a leading zero ("041"), read as decimal. */
function hasLeadingZero(s: string): boolean {
  for (let i = 0; i + 1 < s.length; i++) {
    if (
      s.charCodeAt(i) === 48 && (i === 0 || s.charCodeAt(i - 1) === 46) &&
      s.charCodeAt(i + 1) !== 46
    ) {
      return true;
    }
  }
  return false;
}

function parseV6(s: string): number[] | undefined {
  if (!/^[0-9a-fA-F:.]+$/.test(s)) return undefined;
  let tail: number[] | undefined;
  let head = s;
  const lastColon = s.lastIndexOf(":");
  if (s.includes(".")) {
    tail = parseV4(s.slice(lastColon + 1));
    if (!tail) return undefined;
    head = s.slice(0, lastColon + 1) + "0:0";
  }
  const halves = head.split("::");
  if (halves.length > 2) return undefined;
  const toGroups = (x: string) => (x === "" ? [] : x.split(":"));
  const left = toGroups(halves[0]);
  const right = halves.length === 2 ? toGroups(halves[1]) : [];
  const missing = 8 - left.length - right.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const groups = [...left, ...Array(halves.length === 2 ? missing : 0).fill("0"), ...right];
  const out: number[] = new Array(16).fill(0);
  for (let i = 0; i < 8; i++) {
    const g = groups[i];
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    const n = Number.parseInt(g, 16);
    out[2 * i] = n >> 8;
    out[2 * i + 1] = n & 0xff;
  }
  if (tail) out.splice(12, 4, ...tail);
  return out;
}

function formatV6(b: readonly number[]): string {
  const groups: number[] = [];
  for (let i = 0; i < 8; i++) groups.push((b[2 * i] << 8) | b[2 * i + 1]);
  // Longest run of zero groups (length >= 2) becomes "::".
  let bestStart = -1, bestLen = 0;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (gs: number[]) => gs.map((g) => g.toString(16)).join(":");
  if (bestStart < 0) return hex(groups);
  return `${hex(groups.slice(0, bestStart))}::${hex(groups.slice(bestStart + bestLen))}`;
}

/**
 * The address of 4 or 16 network-order bytes (as netlink carries them), with
 * its canonical text. Any other length is not an address.
 *
 * @example Read addresses from bytes
 * ```ts
 * import assert from "node:assert/strict";
 * import { ipFromBytes } from "./ip.ts";
 *
 * assert.equal(ipFromBytes(new Uint8Array([10, 96, 0, 10]))?.text, "10.96.0.10");
 * assert.equal(ipFromBytes(new Uint8Array(16))?.text, "::");
 * assert.equal(ipFromBytes(new Uint8Array(5)), undefined);
 * ```
 */
export function ipFromBytes(bytes: Uint8Array): IpAddr | undefined {
  return bytes.length === 4 || bytes.length === 16 ? fromBytes(Array.from(bytes)) : undefined;
}

function fromBytes(bytes: number[], canonicalText?: string): IpAddr {
  if (bytes.length === 4) {
    return {
      family: 4,
      bytes,
      text: canonicalText ?? `${bytes[0]}.${bytes[1]}.${bytes[2]}.${bytes[3]}`,
    };
  }
  // An IPv4-mapped address (::ffff:10.0.0.1) stays IPv6: family 6, written in hex groups
  // (::ffff:a00:1). Go's net.IP would turn it into the IPv4 address 10.0.0.1; here the family
  // decides which table (ip or ip6) an address goes into, and an address written in IPv6 form
  // belongs with the IPv6 ones. One spelling per address keeps equal addresses equal as text.
  return { family: 6, bytes, text: formatV6(bytes) };
}

/**
 * Parses an IP literal, leniently (see module doc). Returns undefined when invalid.
 *
 * @example Read addresses as Kubernetes does
 * ```ts
 * import assert from "node:assert/strict";
 * import { tryParseIp } from "./ip.ts";
 *
 * assert.equal(tryParseIp("172.30.0.041")?.text, "172.30.0.41"); // legacy leading zeros
 * assert.equal(tryParseIp("FD00:0::0A")?.text, "fd00::a");
 * assert.equal(tryParseIp("10.0.0.1; flush ruleset"), undefined);
 * ```
 */
export function tryParseIp(input: unknown): IpAddr | undefined {
  if (typeof input !== "string") return undefined;
  const s = input.trim();
  if (s.length === 0 || s.length > 45) return undefined;
  if (s.includes(":")) {
    const bytes = parseV6(s);
    return bytes ? fromBytes(bytes) : undefined;
  }
  const bytes = parseV4(s);
  // Most addresses are written canonically already: keep the text instead of rebuilding it.
  return bytes ? fromBytes(bytes, hasLeadingZero(s) ? undefined : s) : undefined;
}

/**
 * Parses an IP literal or throws {@linkcode IpParseError}.
 *
 * @example Parse or throw
 * ```ts
 * import assert from "node:assert/strict";
 * import { IpParseError, parseIp } from "./ip.ts";
 *
 * assert.equal(parseIp("10.96.0.10").family, 4);
 * assert.throws(() => parseIp("10.96.0"), IpParseError);
 * ```
 */
export function parseIp(input: unknown): IpAddr {
  const ip = tryParseIp(input);
  if (!ip) throw new IpParseError(`invalid IP address ${JSON.stringify(input)}`);
  return ip;
}

/**
 * Parses a CIDR (`addr/prefix`), leniently; host bits are cleared. Undefined when invalid.
 *
 * @example Host bits are cleared, as `net.ParseCIDR` does
 * ```ts
 * import assert from "node:assert/strict";
 * import { tryParseCidr } from "./ip.ts";
 *
 * assert.equal(tryParseCidr("10.244.1.7/16")?.text, "10.244.0.0/16");
 * assert.equal(tryParseCidr("0.0.0.0/0")?.prefix, 0);
 * assert.equal(tryParseCidr("10.0.0.0/33"), undefined);
 * ```
 */
export function tryParseCidr(input: unknown): Cidr | undefined {
  if (typeof input !== "string") return undefined;
  const s = input.trim();
  const slash = s.indexOf("/");
  if (slash < 0) return undefined;
  const ip = tryParseIp(s.slice(0, slash));
  const prefixText = s.slice(slash + 1).trim();
  if (!ip || !/^[0-9]{1,3}$/.test(prefixText)) return undefined;
  const prefix = Number.parseInt(prefixText, 10);
  const max = ip.family === 4 ? 32 : 128;
  if (prefix > max) return undefined;
  const bytes = [...ip.bytes];
  for (let bit = prefix; bit < max; bit++) bytes[bit >> 3] &= ~(0x80 >> (bit & 7));
  const addr = fromBytes(bytes);
  return { family: ip.family, prefix, addr, text: `${addr.text}/${prefix}` };
}

/**
 * Parses a CIDR or throws {@linkcode IpParseError}.
 *
 * @example Parse a CIDR and test membership
 * ```ts
 * import assert from "node:assert/strict";
 * import { cidrContains, parseCidr, parseIp } from "./ip.ts";
 *
 * const pods = parseCidr("fd00:10:244::/56");
 * assert.equal(cidrContains(pods, parseIp("fd00:10:244::5")), true);
 * assert.throws(() => parseCidr("fd00::/129"), /invalid CIDR/);
 * ```
 */
export function parseCidr(input: unknown): Cidr {
  const c = tryParseCidr(input);
  if (!c) throw new IpParseError(`invalid CIDR ${JSON.stringify(input)}`);
  return c;
}

/** Whether `ip` lies inside `cidr`. */
export function cidrContains(cidr: Cidr, ip: IpAddr): boolean {
  if (cidr.family !== ip.family) return false;
  for (let bit = 0; bit < cidr.prefix; bit++) {
    const mask = 0x80 >> (bit & 7);
    if ((cidr.addr.bytes[bit >> 3] & mask) !== (ip.bytes[bit >> 3] & mask)) return false;
  }
  return true;
}
