import assert from "node:assert/strict";
import { hostPrefix, nftAddrType, nftFamilyWord } from "../../../src/plan/nft_vocabulary.ts";

Deno.test("nft words for IPv4 and IPv6: table family, address type, host prefix", () => {
  assert.deepEqual([nftFamilyWord(4), nftAddrType(4), hostPrefix(4)], ["ip", "ipv4_addr", 32]);
  assert.deepEqual([nftFamilyWord(6), nftAddrType(6), hostPrefix(6)], ["ip6", "ipv6_addr", 128]);
});
