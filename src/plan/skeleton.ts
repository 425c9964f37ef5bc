/**
 * The fixed part of each family's table: declarations of the shared maps and
 * sets, the base chains hooked into netfilter, and the shared chains. It
 * depends only on the configuration and this node, never on Services; the
 * per-Service state lives in elements of its maps.
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
 * - nat postrouting at 100 (srcnat): masquerade packets carrying the mark bit,
 *   and hairpin flows.
 *
 * @module
 */

import type { FamilyContext } from "./family_context.ts";
import {
  CHAIN,
  endpointsMap,
  type EntryKind,
  type PickVariant,
  PROTOCOLS,
  SET,
  SHORTCUT_OFFSET,
} from "./names.ts";

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
  /** `set NAME { ... }` / `map NAME { ... }` declarations, by name (one line each). */
  sets: Map<string, string>;
  baseChains: BaseChain[];
  /** Shared regular chains with their rules. */
  chains: Map<string, string[]>;
  /** Elements the skeleton owns: set → keys (plain sets only). */
  elements: Map<string, string[]>;
}

/** Names of the base chains every family's table holds. */
export const BASE_CHAINS = [
  "filter-prerouting",
  "filter-output",
  "nat-prerouting",
  "nat-output",
  "filter-output-post-dnat",
  "filter-input",
  "filter-forward",
  "nat-postrouting",
] as const;

/** The `addr . proto . port` key of a packet's destination. */
export function serviceKeyExpr(ctx: FamilyContext): string {
  return `${ctx.nftFamily} daddr . meta l4proto . th dport`;
}

/** Builds the skeleton of one family's table. */
export function buildSkeleton(ctx: FamilyContext): Skeleton {
  const w = ctx.nftFamily, a = ctx.addrType, m = ctx.masqMark;
  const svcKey = serviceKeyExpr(ctx);
  const entry = `${a} . inet_proto . inet_service`;
  const sets = new Map<string, string>([
    [SET.serviceIps, `map ${SET.serviceIps} { type ${entry} : verdict; }`],
    [
      SET.serviceNodeports,
      `map ${SET.serviceNodeports} { type inet_proto . inet_service : verdict; }`,
    ],
    [SET.shortcutIps, `map ${SET.shortcutIps} { type ${entry} : verdict; }`],
    [
      SET.shortcutNodeports,
      `map ${SET.shortcutNodeports} { type inet_proto . inet_service : verdict; }`,
    ],
    ...PROTOCOLS.flatMap((p): [string, string][] => [
      [
        endpointsMap("ip", p),
        `map ${
          endpointsMap("ip", p)
        } { typeof ${w} daddr . th dport . numgen random mod 1 : ${w} daddr . ${p} dport; }`,
      ],
      [
        endpointsMap("nodeport", p),
        `map ${
          endpointsMap("nodeport", p)
        } { typeof th dport . numgen random mod 1 : ${w} daddr . ${p} dport; }`,
      ],
    ]),
    [SET.nodeportIps, `set ${SET.nodeportIps} { type ${a}; }`],
    [SET.noEndpointServices, `set ${SET.noEndpointServices} { type ${entry}; }`],
    [SET.noEndpointNodeports, `set ${SET.noEndpointNodeports} { type inet_proto . inet_service; }`],
    [SET.noLocalEndpointServices, `set ${SET.noLocalEndpointServices} { type ${entry}; }`],
    [
      SET.noLocalEndpointNodeports,
      `set ${SET.noLocalEndpointNodeports} { type inet_proto . inet_service; }`,
    ],
    [SET.clusterIps, `set ${SET.clusterIps} { type ${a}; }`],
    [SET.serviceCidrs, `set ${SET.serviceCidrs} { type ${a}; flags interval; auto-merge; }`],
    [SET.hairpin, `set ${SET.hairpin} { type ${a} . ${a}; }`],
    [SET.firewallIps, `set ${SET.firewallIps} { type ${entry}; }`],
    [SET.firewallAllow, `set ${SET.firewallAllow} { type ${entry} . ${a}; flags interval; }`],
  ]);
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
  ): BaseChain => ({ name, type, hook, priority, rules });
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
  const nodePort = (rest: string) =>
    hasNodePorts ? [`fib daddr type local ${nodePortMatch} ${rest}`] : [];
  const npKey = "meta l4proto . th dport";

  // ClusterIP traffic from outside the pods is masqueraded (all of it with --masquerade-all),
  // whatever the port: traffic that is then rejected or dropped is never sent on anyway.
  const clusterMasq = ctx.masqueradeAll
    ? [`${w} daddr @${SET.clusterIps} jump ${CHAIN.markMasq}`]
    : ctx.nonPodSource
    ? [`${ctx.nonPodSource} ${w} daddr @${SET.clusterIps} jump ${CHAIN.markMasq}`]
    : [];
  // externalTrafficPolicy Local: pods and the node itself short-circuit to cluster-wide endpoints.
  const fromPods = ctx.podSource ? [ctx.podSource] : [];
  const shortcut = (key: string, map: string) => [
    ...fromPods.map((p) => `${p} ${key} vmap @${map}`),
    `fib saddr type local ${key} vmap @${map}`,
  ];
  const chains = new Map<string, string[]>([
    [CHAIN.services, [
      ...clusterMasq,
      ...shortcut(svcKey, SET.shortcutIps),
      `${svcKey} vmap @${SET.serviceIps}`,
      ...shortcut(npKey, SET.shortcutNodeports).flatMap((r) => nodePort(r)),
      ...nodePort(`${npKey} vmap @${SET.serviceNodeports}`),
    ]],
    // Before DNAT: load-balancer source ranges, then entry points without any endpoint.
    [CHAIN.firewallCheck, [
      `${svcKey} @${SET.firewallIps} ${svcKey} . ${w} saddr != @${SET.firewallAllow} drop`,
    ]],
    [CHAIN.serviceEndpointsCheck, [`${svcKey} @${SET.noEndpointServices} reject`]],
    [CHAIN.nodeportEndpointsCheck, nodePort(`${npKey} @${SET.noEndpointNodeports} reject`)],
    // After DNAT: what is still addressed to a Local-policy entry point had no local endpoint.
    [CHAIN.localEndpointsCheck, [
      `${svcKey} @${SET.noLocalEndpointServices} drop`,
      ...nodePort(`${npKey} @${SET.noLocalEndpointNodeports} drop`),
    ]],
    [CHAIN.clusterIpsCheck, [
      `${w} daddr @${SET.clusterIps} reject`,
      `${w} daddr @${SET.serviceCidrs} drop`,
    ]],
    [CHAIN.markMasq, [`meta mark set meta mark | ${m}`]],
    [CHAIN.masquerading, [
      // Hairpin: a pod that reached itself through a Service must see the node as the source.
      `ct status dnat ${w} saddr . ${w} daddr @${SET.hairpin} jump ${CHAIN.markMasq}`,
      `meta mark & ${m} == 0 return`,
      `meta mark set meta mark ^ ${m}`,
      "masquerade fully-random",
    ]],
  ]);
  const elements = new Map<string, string[]>([
    [SET.nodeportIps, ctx.nodePortAll ? [] : ctx.nodePortIPs.map((ip) => ip.text)],
    [SET.serviceCidrs, ctx.serviceCIDRs.map((c) => c.text)],
  ]);
  return { sets, baseChains, chains, elements };
}

/**
 * The rules of a shared selection chain: DNAT to one of `endpointCount` endpoints of the
 * packet's entry point, chosen at random (`numgen`), from the endpoints map
 * of its protocol; see {@linkcode PickVariant} for the variants.
 */
export function pickChainRules(
  ctx: FamilyContext,
  kind: EntryKind,
  variant: PickVariant,
  endpointCount: number,
): string[] {
  const w = ctx.nftFamily;
  const offset = variant === "shortcut" ? ` offset ${SHORTCUT_OFFSET}` : "";
  const key = kind === "ip" ? `${w} daddr . th dport` : "th dport";
  const rules: string[] = [];
  if (variant === "masq") rules.push(`jump ${CHAIN.markMasq}`);
  if (variant === "shortcut") rules.push(`fib saddr type local jump ${CHAIN.markMasq}`);
  for (const p of PROTOCOLS) {
    rules.push(
      `meta l4proto ${p} dnat ${w} to ${key} . numgen random mod ${endpointCount}${offset} map @${
        endpointsMap(kind, p)
      }`,
    );
  }
  return rules;
}
