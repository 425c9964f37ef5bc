/**
 * The nft words for an IP family: the table family and payload keyword
 * (`ip`/`ip6`), the address type, and a host prefix length. The model layer
 * speaks families; only the plan turns them into nft.
 *
 * @module
 */

import type { Family } from "../model/ip.ts";

/** The nft address type for a family. */
export function nftAddrType(family: Family): "ipv4_addr" | "ipv6_addr" {
  return family === 4 ? "ipv4_addr" : "ipv6_addr";
}

/** The nft table family and payload keyword of a family (`ip` or `ip6`). */
export function nftFamilyWord(family: Family): "ip" | "ip6" {
  return family === 4 ? "ip" : "ip6";
}

/** The prefix length of one host: 32 or 128. */
export function hostPrefix(family: Family): 32 | 128 {
  return family === 4 ? 32 : 128;
}
