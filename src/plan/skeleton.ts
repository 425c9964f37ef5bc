/**
 * The fixed part of each family's table: declarations of the shared maps and
 * sets, the base chains hooked into netfilter, and the shared chains. It
 * depends only on the configuration and this node, never on Services.
 *
 * Hooks and priorities:
 * - filter prerouting/output at -110 (before DNAT): loadBalancerSourceRanges,
 *   then entry points without any endpoint are rejected (before routing, so
 *   the client gets its ICMP error from the node whatever the route);
 * - nat prerouting/output at -100 (dstnat): service dispatch and DNAT;
 * - filter output at -90 (after local DNAT), forward and input at -10: new
 *   connections still addressed to a Local-policy entry point had no local
 *   endpoint (drop), a ClusterIP's other ports are rejected and unallocated
 *   service addresses dropped;
 * - nat postrouting at 100 (srcnat): masquerade packets carrying the mark bit.
 *
 * @module
 */

import type { FamilyContext } from "./family_context.ts";
import { CHAIN, SET } from "./names.ts";

/** A base chain: hook header plus rules. */
export interface BaseChain {
  name: string;
  type: "filter" | "nat";
  hook: "prerouting" | "input" | "forward" | "output" | "postrouting";
  priority: number;
  rules: string[];
}

/** The declarations and rules of the skeleton. */
export interface Skeleton {
  /** `set NAME { ... }` / `map NAME { ... }` declarations (one line each). */
  sets: string[];
  baseChains: BaseChain[];
  /** Shared regular chains with their rules. */
  chains: Map<string, string[]>;
  /** Elements the skeleton owns: set → keys (plain sets only). */
  elements: Map<string, string[]>;
}

/** Builds the skeleton of one family's table. */
export function buildSkeleton(ctx: FamilyContext): Skeleton {
  const w = ctx.word, a = ctx.addrType, m = ctx.masqMark;
  const svcKey = `${w} daddr . meta l4proto . th dport`;
  const sets = [
    `map ${SET.serviceIps} { type ${a} . inet_proto . inet_service : verdict; }`,
    `map ${SET.serviceNodeports} { type inet_proto . inet_service : verdict; }`,
    `set ${SET.nodeportIps} { type ${a}; }`,
    `set ${SET.noEndpointServices} { type ${a} . inet_proto . inet_service; }`,
    `set ${SET.noEndpointNodeports} { type inet_proto . inet_service; }`,
    `set ${SET.noLocalEndpointServices} { type ${a} . inet_proto . inet_service; }`,
    `set ${SET.noLocalEndpointNodeports} { type inet_proto . inet_service; }`,
    `set ${SET.clusterIps} { type ${a}; }`,
    `set ${SET.serviceCidrs} { type ${a}; flags interval; auto-merge; }`,
    `map ${SET.slots} { type mark : ${a} . inet_service; }`,
    `set ${SET.slotAddrs} { type ${a} . mark; }`,
    `set ${SET.affinity} { type ${a} . mark; size 1048576; flags dynamic, timeout; }`,
    `set ${SET.firewallIps} { type ${a} . inet_proto . inet_service; }`,
    `set ${SET.firewallAllow} { type ${a} . inet_proto . inet_service . ${a}; flags interval; }`,
  ];
  const newConn = "ct state new";
  const preDnat = [
    `${newConn} jump ${CHAIN.firewallCheck}`,
    `${newConn} jump ${CHAIN.serviceEndpointsCheck}`,
    `${newConn} jump ${CHAIN.nodeportEndpointsCheck}`,
  ];
  const chain = (
    name: string,
    type: BaseChain["type"],
    hook: BaseChain["hook"],
    priority: number,
    rules: string[],
  ) => ({
    name,
    type,
    hook,
    priority,
    rules,
  });
  const baseChains: BaseChain[] = [
    chain("filter-prerouting", "filter", "prerouting", -110, preDnat),
    chain("filter-output", "filter", "output", -110, preDnat),
    chain("nat-prerouting", "nat", "prerouting", -100, [`jump ${CHAIN.services}`]),
    chain("nat-output", "nat", "output", -100, [`jump ${CHAIN.services}`]),
    chain("filter-output-post-dnat", "filter", "output", -90, [
      `${newConn} jump ${CHAIN.localEndpointsCheck}`,
      `${newConn} jump ${CHAIN.clusterIpsCheck}`,
    ]),
    chain("filter-input", "filter", "input", -10, [`${newConn} jump ${CHAIN.localEndpointsCheck}`]),
    chain("filter-forward", "filter", "forward", -10, [
      `${newConn} jump ${CHAIN.localEndpointsCheck}`,
      `${newConn} jump ${CHAIN.clusterIpsCheck}`,
    ]),
    chain("nat-postrouting", "nat", "postrouting", 100, [`jump ${CHAIN.masquerading}`]),
  ];

  const loopback = ctx.family === 4 ? "127.0.0.0/8" : "::1";
  const nodePortMatch = ctx.nodePortAll
    ? `${w} daddr != ${loopback}`
    : `${w} daddr @${SET.nodeportIps}`;
  const hasNodePorts = ctx.nodePortAll || ctx.nodePortIPs.length > 0;
  const nodePort = (
    rest: string,
  ) => (hasNodePorts ? [`fib daddr type local ${nodePortMatch} ${rest}`] : []);
  const chains = new Map<string, string[]>([
    [CHAIN.services, [
      `${svcKey} vmap @${SET.serviceIps}`,
      ...nodePort(`meta l4proto . th dport vmap @${SET.serviceNodeports}`),
    ]],
    // Before DNAT: load-balancer source ranges, then entry points without any endpoint.
    [CHAIN.firewallCheck, [
      `${svcKey} @${SET.firewallIps} ${svcKey} . ${w} saddr != @${SET.firewallAllow} drop`,
    ]],
    [CHAIN.serviceEndpointsCheck, [`${svcKey} @${SET.noEndpointServices} reject`]],
    [
      CHAIN.nodeportEndpointsCheck,
      nodePort(`meta l4proto . th dport @${SET.noEndpointNodeports} reject`),
    ],
    // After DNAT: what is still addressed to a Local-policy entry point had no local endpoint.
    [CHAIN.localEndpointsCheck, [
      `${svcKey} @${SET.noLocalEndpointServices} drop`,
      ...nodePort(`meta l4proto . th dport @${SET.noLocalEndpointNodeports} drop`),
    ]],
    [CHAIN.clusterIpsCheck, [
      `${w} daddr @${SET.clusterIps} reject`,
      `${w} daddr @${SET.serviceCidrs} drop`,
    ]],
    [CHAIN.markMasq, [`meta mark set meta mark | ${m}`]],
    [CHAIN.masquerading, [
      `meta mark & ${m} == 0 return`,
      `meta mark set meta mark ^ ${m}`,
      "masquerade fully-random",
    ]],
    [CHAIN.lb, [
      `${w} saddr . ct mark @${SET.slotAddrs} jump ${CHAIN.markMasq}`,
      `meta l4proto { tcp, udp, sctp } dnat ${w} to ct mark map @${SET.slots}`,
    ]],
  ]);
  const elements = new Map<string, string[]>([
    [SET.nodeportIps, ctx.nodePortAll ? [] : ctx.nodePortIPs.map((ip) => ip.text)],
    [SET.serviceCidrs, ctx.serviceCIDRs.map((c) => c.text)],
  ]);
  return { sets, baseChains, chains, elements };
}
