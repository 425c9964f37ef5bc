/**
 * The fixed part of each family's table: declarations of the shared maps and
 * sets, the base chains hooked into netfilter, and the shared chains. It
 * depends only on the configuration and this node, never on Services.
 *
 * Hooks and priorities:
 * - filter prerouting/output at -110 (before DNAT): loadBalancerSourceRanges;
 * - nat prerouting/output at -100 (dstnat): service dispatch and DNAT;
 * - filter output at -90 (after local DNAT), forward and input at -10: traffic
 *   still addressed to a service after DNAT had no endpoint: reject or drop;
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
    `map ${SET.noEndpointServices} { type ${a} . inet_proto . inet_service : verdict; }`,
    `map ${SET.noEndpointNodeports} { type inet_proto . inet_service : verdict; }`,
    `set ${SET.clusterIps} { type ${a}; }`,
    `set ${SET.serviceCidrs} { type ${a}; flags interval; auto-merge; }`,
    `map ${SET.slots} { type mark : ${a} . inet_service; }`,
    `set ${SET.slotAddrs} { type ${a} . mark; }`,
    `set ${SET.affinity} { type ${a} . mark; size 1048576; flags dynamic, timeout; }`,
    `set ${SET.firewallIps} { type ${a} . inet_proto . inet_service; }`,
    `set ${SET.firewallAllow} { type ${a} . inet_proto . inet_service . ${a}; flags interval; }`,
  ];
  const newConn = "ct state new";
  const baseChains: BaseChain[] = [
    {
      name: "filter-prerouting",
      type: "filter",
      hook: "prerouting",
      priority: -110,
      rules: [`${newConn} jump ${CHAIN.firewallCheck}`],
    },
    {
      name: "filter-output",
      type: "filter",
      hook: "output",
      priority: -110,
      rules: [`${newConn} jump ${CHAIN.firewallCheck}`],
    },
    {
      name: "nat-prerouting",
      type: "nat",
      hook: "prerouting",
      priority: -100,
      rules: [`jump ${CHAIN.services}`],
    },
    {
      name: "nat-output",
      type: "nat",
      hook: "output",
      priority: -100,
      rules: [`jump ${CHAIN.services}`],
    },
    {
      name: "filter-output-post-dnat",
      type: "filter",
      hook: "output",
      priority: -90,
      rules: [
        `${newConn} jump ${CHAIN.serviceEndpointsCheck}`,
        `${newConn} jump ${CHAIN.clusterIpsCheck}`,
      ],
    },
    {
      name: "filter-input",
      type: "filter",
      hook: "input",
      priority: -10,
      rules: [
        `${newConn} jump ${CHAIN.nodeportEndpointsCheck}`,
        `${newConn} jump ${CHAIN.serviceEndpointsCheck}`,
      ],
    },
    {
      name: "filter-forward",
      type: "filter",
      hook: "forward",
      priority: -10,
      rules: [
        `${newConn} jump ${CHAIN.serviceEndpointsCheck}`,
        `${newConn} jump ${CHAIN.clusterIpsCheck}`,
      ],
    },
    {
      name: "nat-postrouting",
      type: "nat",
      hook: "postrouting",
      priority: 100,
      rules: [`jump ${CHAIN.masquerading}`],
    },
  ];

  const loopback = ctx.family === 4 ? "127.0.0.0/8" : "::1";
  const nodePortMatch = ctx.nodePortAll
    ? `${w} daddr != ${loopback}`
    : `${w} daddr @${SET.nodeportIps}`;
  const hasNodePorts = ctx.nodePortAll || ctx.nodePortIPs.length > 0;
  const chains = new Map<string, string[]>([
    [CHAIN.services, [
      `${svcKey} vmap @${SET.serviceIps}`,
      ...(hasNodePorts
        ? [
          `fib daddr type local ${nodePortMatch} meta l4proto . th dport vmap @${SET.serviceNodeports}`,
        ]
        : []),
    ]],
    [CHAIN.firewallCheck, [
      `${svcKey} @${SET.firewallIps} ${svcKey} . ${w} saddr != @${SET.firewallAllow} drop`,
    ]],
    [CHAIN.serviceEndpointsCheck, [`${svcKey} vmap @${SET.noEndpointServices}`]],
    [
      CHAIN.nodeportEndpointsCheck,
      hasNodePorts
        ? [`${nodePortMatch} meta l4proto . th dport vmap @${SET.noEndpointNodeports}`]
        : [],
    ],
    [CHAIN.clusterIpsCheck, [
      `${w} daddr @${SET.clusterIps} reject`,
      `${w} daddr @${SET.serviceCidrs} drop`,
    ]],
    [CHAIN.rejectChain, ["reject"]],
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
