/**
 * Everything the renderer needs to know about one IP family's table,
 * resolved once from the configuration and this node: names, address
 * types, the masquerade mark, local-traffic detection and NodePort addresses.
 *
 * @module
 */

import type { Cidr, Family, IpAddr } from "../model/ip.ts";
import { nftAddrType, nftFamilyWord } from "./nft_vocabulary.ts";

/** Default table name, in both the `ip` and the `ip6` family. */
export const DEFAULT_TABLE_NAME = "kube-nft-proxy";

/** How pod traffic is recognised (the upstream `--detect-local-mode`), resolved per family. */
export type LocalDetector =
  | { kind: "cidrs"; cidrs: Cidr[] }
  | { kind: "interface"; name: string }
  | { kind: "interface-prefix"; prefix: string };

/** Renderer settings for one family. */
export interface FamilyContext {
  family: Family;
  /** `ip` or `ip6`: both the table family and the payload keyword. */
  nftFamily: "ip" | "ip6";
  addrType: "ipv4_addr" | "ipv6_addr";
  table: string;
  /** The masquerade bit as a hex mark, e.g. `0x00004000`. */
  masqMark: string;
  masqueradeAll: boolean;
  /** nft match for "from a pod", or undefined when detection is off for this family. */
  podSource?: string;
  /** nft match for "not from a pod". */
  nonPodSource?: string;
  /** NodePorts on every local address of this family. */
  nodePortAll: boolean;
  /** NodePorts on these addresses (when not nodePortAll). */
  nodePortIPs: IpAddr[];
  /** Service CIDRs of this family (unallocated addresses inside are dropped). */
  serviceCIDRs: Cidr[];
  /** This node's addresses of this family. */
  nodeIPs: IpAddr[];
  /** This node, for endpoint categorisation. */
  node: { name: string; zone: string };
  /** Most clients remembered per endpoint of a ClientIP-affinity Service. */
  affinityMaxClients: number;
}

/** Default of {@linkcode FamilyContext.affinityMaxClients}. */
export const DEFAULT_AFFINITY_MAX_CLIENTS = 65536;

/** Inputs of {@linkcode makeFamilyContext}. */
export interface FamilyContextInputs {
  family: Family;
  table?: string;
  masqueradeBit: number;
  masqueradeAll: boolean;
  localDetector?: LocalDetector;
  nodePortAll: boolean;
  nodePortIPs: IpAddr[];
  serviceCIDRs: Cidr[];
  nodeIPs: IpAddr[];
  node: { name: string; zone: string };
  /** @default 65536 */
  affinityMaxClients?: number;
}

/** Builds the context of one family; inputs must be validated already. */
export function makeFamilyContext(inputs: FamilyContextInputs): FamilyContext {
  if (
    !Number.isInteger(inputs.masqueradeBit) || inputs.masqueradeBit < 0 || inputs.masqueradeBit > 31
  ) {
    throw new RangeError(
      `Cannot render: 'masqueradeBit' must be 0..31, got ${inputs.masqueradeBit}`,
    );
  }
  const word = nftFamilyWord(inputs.family);
  const affinityMaxClients = inputs.affinityMaxClients ?? DEFAULT_AFFINITY_MAX_CLIENTS;
  if (!Number.isInteger(affinityMaxClients) || affinityMaxClients < 1) {
    throw new RangeError(
      `Cannot render: 'affinityMaxClients' must be an integer >= 1, got ${affinityMaxClients}`,
    );
  }
  const ctx: FamilyContext = {
    family: inputs.family,
    nftFamily: word,
    addrType: nftAddrType(inputs.family),
    table: inputs.table ?? DEFAULT_TABLE_NAME,
    masqMark: "0x" + ((1 << inputs.masqueradeBit) >>> 0).toString(16).padStart(8, "0"),
    masqueradeAll: inputs.masqueradeAll,
    nodePortAll: inputs.nodePortAll,
    nodePortIPs: inputs.nodePortIPs.filter((a) => a.family === inputs.family),
    serviceCIDRs: inputs.serviceCIDRs.filter((c) => c.family === inputs.family),
    nodeIPs: inputs.nodeIPs.filter((a) => a.family === inputs.family),
    node: inputs.node,
    affinityMaxClients,
  };
  const d = inputs.localDetector;
  if (d?.kind === "cidrs") {
    const cidrs = d.cidrs.filter((c) => c.family === inputs.family).map((c) => c.text);
    if (cidrs.length > 0) {
      const set = cidrs.length === 1 ? cidrs[0] : `{ ${cidrs.join(", ")} }`;
      ctx.podSource = `${word} saddr ${set}`;
      ctx.nonPodSource = `${word} saddr != ${set}`;
    }
  } else if (d?.kind === "interface") {
    ctx.podSource = `iifname "${d.name}"`;
    ctx.nonPodSource = `iifname != "${d.name}"`;
  } else if (d?.kind === "interface-prefix") {
    ctx.podSource = `iifname "${d.prefix}*"`;
    ctx.nonPodSource = `iifname != "${d.prefix}*"`;
  }
  return ctx;
}

/** Whether a string is a safe Linux interface name (or prefix) to quote in nft. */
export function isInterfaceName(name: string): boolean {
  return /^[A-Za-z0-9_.-]{1,15}$/.test(name);
}
