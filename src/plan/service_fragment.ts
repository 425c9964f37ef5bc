/**
 * Renders one service port, in one family, into a fragment: its elements in
 * the shared maps, and (with ClientIP affinity only) its own chains and sets.
 * The decision itself comes from {@linkcode decideServicePort}; this module
 * only says how it looks in nft.
 *
 * Layout (per-service state lives in map elements, so the kernel's cost stays
 * linear in the number of Services and a change touches elements only):
 * - `service-ips[addr . proto . port] = goto pick-N` (or `pick-masq-N`), and
 *   `endpoints-PROTO[addr . port . i] = endpoint` for i in 0..N-1: the shared
 *   chain `pick-N` DNATs through `endpoints-PROTO` with `numgen random mod N`.
 *   NodePorts use `service-nodeports` and `nodeport-endpoints-PROTO` the same way.
 * - externalTrafficPolicy Local: `shortcut-ips` sends pods and the node to
 *   `pick-shortcut-N`, whose endpoints sit at index offset SHORTCUT_OFFSET.
 * - No endpoint at all: `no-endpoint-*` (rejected); a Local policy with
 *   endpoints elsewhere only: `no-local-endpoint-*` (dropped unless DNATed).
 * - ClientIP affinity: like upstream, a dynamic set and a chain per endpoint
 *   (clients stick to an endpoint while it exists, across scaling, restarts and
 *   resyncs), and a chain per endpoint set that looks the client up or picks.
 *
 * @module
 */

import { firewallRanges, type ServicePortInfo } from "../model/service_port.ts";
import type { EndpointInfo } from "../model/endpoints.ts";
import { type Cidr, cidrContains } from "../model/ip.ts";
import type { FamilyContext } from "./family_context.ts";
import { addChain, addElement, addSet, type Fragment } from "./fragment.ts";
import {
  affinityChain,
  affinityEndpointChain,
  affinitySet,
  CHAIN,
  endpointsMap,
  endpointTag,
  type EntryKind,
  pickChain,
  type PickVariant,
  SET,
  SHORTCUT_OFFSET,
} from "./names.ts";
import {
  decideServicePort,
  dnatTargets,
  type EndpointSetName,
  type EntryAction,
  mayHairpin,
  type ServicePortPolicy,
} from "./service_policy.ts";
import { disjointCidrs } from "./disjoint_cidrs.ts";
import { hostPrefix } from "./nft_vocabulary.ts";

/** The value an endpoint has in the `endpoints` maps. */
export function endpointValue(ep: EndpointInfo): string {
  return `${ep.ip.text} . ${ep.port}`;
}

/** The previous endpoint list of an entry point (for stable placement). */
export type PreviousEndpoints = (
  map: string,
  key: string,
  base: number,
) => readonly string[] | undefined;

/**
 * Renders one service port for one family into `fragment`; returns its decision
 * (undefined when the port has no ClusterIP of this family).
 */
export function renderServicePort(
  sp: ServicePortInfo,
  allEndpoints: readonly EndpointInfo[],
  ctx: FamilyContext,
  fragment: Fragment,
  previous: PreviousEndpoints = () => undefined,
): ServicePortPolicy | undefined {
  const policy = decideServicePort(sp, allEndpoints, {
    family: ctx.family,
    node: ctx.node,
    servesNodePorts: ctx.nodePortAll || ctx.nodePortIPs.length > 0,
  });
  if (!policy) return undefined;
  const proto = sp.protocol;
  const affinity = sp.affinityTimeoutSeconds > 0;
  if (affinity) renderAffinityObjects(sp, policy, ctx, fragment);
  for (const ep of dnatTargets(policy)) {
    // Kept by address only; written as `addr . addr` (see nft_script.ts).
    if (mayHairpin(ep, ctx.node)) addElement(fragment, SET.hairpin, ep.ip.text);
  }

  const entry = (
    kind: EntryKind,
    key: string,
    listKey: string,
    action: EntryAction,
    shortcut: boolean,
  ) => {
    const vmap = kind === "ip"
      ? (shortcut ? SET.shortcutIps : SET.serviceIps)
      : (shortcut ? SET.shortcutNodeports : SET.serviceNodeports);
    if (action.action !== "dnat") {
      const set = action.action === "reject"
        ? (kind === "ip" ? SET.noEndpointServices : SET.noEndpointNodeports)
        : (kind === "ip" ? SET.noLocalEndpointServices : SET.noLocalEndpointNodeports);
      addElement(fragment, set, key);
      return;
    }
    const variant: PickVariant = shortcut
      ? "shortcut"
      : action.masquerade === "always"
      ? "masq"
      : "plain";
    if (affinity) {
      addElement(fragment, vmap, key, `goto ${affinityChain(sp.id, action.set, variant)}`);
      return;
    }
    const n = action.endpoints.length;
    addElement(fragment, vmap, key, `goto ${pickChain(kind, variant, n)}`);
    const base = shortcut ? SHORTCUT_OFFSET : 0;
    const map = endpointsMap(kind, proto);
    fragment.lists.push({
      map,
      key: listKey,
      base,
      values: placeEndpoints(action.endpoints, previous(map, listKey, base)),
    });
  };

  // ClusterIP.
  const clusterKey = `${policy.clusterIP.text} . ${proto} . ${sp.port}`;
  addElement(fragment, SET.clusterIps, policy.clusterIP.text);
  entry("ip", clusterKey, `${policy.clusterIP.text} . ${sp.port}`, policy.internal, false);
  // External IPs, LB IPs, NodePort.
  if (policy.external) {
    const keys: [EntryKind, string, string][] = policy.externalIPs.map((ip) => [
      "ip",
      `${ip.text} . ${proto} . ${sp.port}`,
      `${ip.text} . ${sp.port}`,
    ]);
    if (policy.nodePort > 0) {
      keys.push(["nodeport", `${proto} . ${policy.nodePort}`, String(policy.nodePort)]);
    }
    for (const [kind, key, listKey] of keys) {
      entry(kind, key, listKey, policy.external, false);
      if (policy.shortcut) entry(kind, key, listKey, policy.shortcut, true);
    }
    renderFirewall(sp, policy, ctx, fragment);
  }
  return policy;
}

/** loadBalancerSourceRanges: a firewall on LB IPs only, from this family's ranges only. */
function renderFirewall(
  sp: ServicePortInfo,
  policy: ServicePortPolicy,
  ctx: FamilyContext,
  f: Fragment,
): void {
  const ranges = firewallRanges(sp, ctx.family);
  // As upstream: a family without a (valid) range of its own has no firewall.
  if (ranges.length === 0 || policy.loadBalancerIPs.length === 0) return;
  const allowed: Cidr[] = [...ranges];
  // A range covering a node address also lets the LB IPs themselves in (traffic that hairpins
  // through the load balancer arrives from them).
  if (ranges.some((r) => ctx.nodeIPs.some((ip) => cidrContains(r, ip)))) {
    const bits = hostPrefix(ctx.family);
    for (const ip of policy.loadBalancerIPs) {
      allowed.push({ family: ip.family, prefix: bits, addr: ip, text: `${ip.text}/${bits}` });
    }
  }
  const disjoint = disjointCidrs(allowed);
  for (const ip of policy.loadBalancerIPs) {
    const k = `${ip.text} . ${sp.protocol} . ${sp.port}`;
    addElement(f, SET.firewallIps, k);
    for (const r of disjoint) addElement(f, SET.firewallAllow, `${k} . ${r.text}`);
  }
}

/**
 * ClientIP affinity, as upstream: each endpoint has a dynamic set of the
 * clients that used it recently and a chain that records the client and
 * DNATs; each endpoint set has a chain that sends a known client to its
 * endpoint, or picks one at random.
 */
function renderAffinityObjects(
  sp: ServicePortInfo,
  policy: ServicePortPolicy,
  ctx: FamilyContext,
  f: Fragment,
): void {
  const w = ctx.nftFamily;
  const to = (ep: EndpointInfo) =>
    ctx.family === 6 ? `[${ep.ip.text}]:${ep.port}` : `${ep.ip.text}:${ep.port}`;
  for (const ep of dnatTargets(policy)) {
    const tag = endpointTag(ep.ip, ep.port);
    const set = affinitySet(sp.id, tag);
    addSet(
      f,
      set,
      `set ${set} { type ${ctx.addrType}; flags dynamic,timeout; size ${ctx.affinityMaxClients}; }`,
    );
    addChain(f, affinityEndpointChain(sp.id, tag), [
      `update @${set} { ${w} saddr timeout ${sp.affinityTimeoutSeconds}s }`,
      `meta l4proto ${sp.protocol} dnat ${w} to ${to(ep)}`,
    ]);
  }
  const variants = new Map<EndpointSetName, Set<PickVariant>>();
  const note = (a: EntryAction | undefined, variant: PickVariant) => {
    if (a?.action !== "dnat") return;
    if (!variants.has(a.set)) variants.set(a.set, new Set());
    variants.get(a.set)!.add(variant);
  };
  note(policy.internal, "plain");
  note(
    policy.external,
    policy.external?.action === "dnat" && policy.external.masquerade === "always"
      ? "masq"
      : "plain",
  );
  note(policy.shortcut, "shortcut");
  for (const [which, used] of variants) {
    const eps = which === "cluster" ? policy.categorized.cluster! : policy.categorized.local!;
    const main = affinityChain(sp.id, which, "plain");
    const chains = eps.map((ep) => affinityEndpointChain(sp.id, endpointTag(ep.ip, ep.port)));
    const rules = eps.map((ep, i) =>
      `${w} saddr @${affinitySet(sp.id, endpointTag(ep.ip, ep.port))} goto ${chains[i]}`
    );
    rules.push(
      chains.length === 1
        ? `goto ${chains[0]}`
        : `numgen random mod ${chains.length} vmap { ${
          chains.map((c, i) => `${i} : goto ${c}`).join(", ")
        } }`,
    );
    addChain(f, main, rules);
    if (used.has("masq")) {
      addChain(f, affinityChain(sp.id, which, "masq"), [`jump ${CHAIN.markMasq}`, `goto ${main}`]);
    }
    if (used.has("shortcut")) {
      addChain(f, affinityChain(sp.id, which, "shortcut"), [
        `fib saddr type local jump ${CHAIN.markMasq}`,
        `goto ${main}`,
      ]);
    }
  }
}

/**
 * Orders endpoints over the indices `0..N-1` of an entry point and returns
 * their values, so that an endpoint that already had one of those indices
 * keeps it: a rollout that replaces one pod changes one element, not all of
 * them. Any order gives the same equal weights.
 */
export function placeEndpoints(
  eps: readonly EndpointInfo[],
  previous: readonly string[] | undefined,
): string[] {
  const values = eps.map(endpointValue);
  if (!previous || previous.length === 0) return values;
  const placed: (string | undefined)[] = new Array(values.length);
  const wanted = new Set(values);
  for (let i = 0; i < values.length && i < previous.length; i++) {
    if (wanted.delete(previous[i])) placed[i] = previous[i];
  }
  const rest = wanted.values();
  for (let i = 0; i < values.length; i++) placed[i] ??= rest.next().value;
  return placed as string[];
}
