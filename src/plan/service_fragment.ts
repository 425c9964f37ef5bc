/**
 * Renders one service port, in one family, into a fragment: its chains and
 * its elements in the shared maps. This is the one place that decides how a
 * Service's entry points, policies, masquerading and endpoint choice look in
 * nft.
 *
 * Layout (all per-service state lives in elements of shared maps, so that
 * the kernel's cost stays linear in the number of services):
 * - `service-ips[clusterIP . proto . port] = goto svc-<id>`; external IPs and
 *   LB IPs map to `goto ext-<id>`, NodePorts via `service-nodeports`.
 * - An endpoint set is a block of slots; choosing an endpoint is
 *   `ct mark set numgen random mod N offset base`, then `goto endpoint-dnat`,
 *   whose single rule DNATs through the shared `slots` map.
 * - Entry points without any usable endpoint get an element in
 *   `no-endpoint-services` / `no-endpoint-nodeports` (rejected); Local-policy
 *   entry points with endpoints elsewhere only get one in
 *   `no-local-endpoint-services` / `-nodeports` (dropped unless DNATed).
 *
 * @module
 */

import type { ServicePortInfo } from "../model/service_port.ts";
import type { EndpointInfo } from "../model/endpoints.ts";
import { type CategorizedEndpoints, categorizeEndpoints } from "../model/categorize.ts";
import type { FamilyContext } from "./family_context.ts";
import { addElement, emptyFragment, type Fragment } from "./fragment.ts";
import { CHAIN, endpointsChain, externalChain, serviceChain, SET } from "./names.ts";
import type { SlotAllocator } from "./slot_allocator.ts";
import { cidrContains } from "../model/ip.ts";

/** What a fragment tells the rest of the proxy (health checks, metrics). */
export interface ServicePortSummary {
  categorized: CategorizedEndpoints;
  /** Local endpoints usable for external traffic (for health-check node ports). */
  localEndpointCount: number;
}

/** A rendered service port in one family. */
export interface ServicePortFragment {
  fragment: Fragment;
  summary?: ServicePortSummary;
  /** Slot owners this fragment holds (to release when it goes away). */
  slotOwners: string[];
}

/** Renders one service port for one family; returns an empty fragment when it has no IP in this family. */
export function renderServicePort(
  sp: ServicePortInfo,
  allEndpoints: readonly EndpointInfo[],
  ctx: FamilyContext,
  slots: SlotAllocator,
  previousSlot: (slot: number) => string | undefined = () => undefined,
): ServicePortFragment {
  const f = emptyFragment();
  const clusterIP = sp.clusterIPs.find((ip) => ip.family === ctx.family);
  if (!clusterIP) return { fragment: f, slotOwners: [] };
  const w = ctx.word;
  const proto = sp.protocol;
  const externalIPs = [...sp.externalIPs, ...sp.loadBalancerIPs].filter((ip) =>
    ip.family === ctx.family
  );
  const lbIPs = sp.loadBalancerIPs.filter((ip) => ip.family === ctx.family);
  const nodePort = ctx.nodePortAll || ctx.nodePortIPs.length > 0 ? sp.nodePort : 0;
  const externallyAccessible = sp.nodePort > 0 || externalIPs.length > 0;
  const endpoints = allEndpoints.filter((ep) => ep.ip.family === ctx.family);
  const cat = categorizeEndpoints(endpoints, {
    internalPolicyLocal: sp.internalPolicyLocal,
    externalPolicyLocal: sp.externalPolicyLocal,
    externallyAccessible,
  }, ctx.node);

  const owners: string[] = [];
  // Selection: the statement that picks an endpoint of a set and DNATs to it.
  const selectors = new Map<"cluster" | "local", string | undefined>();
  const selector = (which: "cluster" | "local"): string | undefined => {
    if (selectors.has(which)) return selectors.get(which);
    const eps = which === "cluster" ? cat.cluster : cat.local;
    let sel: string | undefined;
    if (eps && eps.length > 0) {
      const owner = `${ctx.family}|${sp.id}|${which}`;
      owners.push(owner);
      const block = slots.assign(owner, eps.length);
      placeInSlots(eps, block.base, previousSlot).forEach((ep, i) => {
        const slot = String(block.base + i);
        addElement(f, SET.slots, slot, `${ep.ip.text} . ${ep.port}`);
        addElement(f, SET.slotAddrs, `${ep.ip.text} . ${slot}`);
      });
      const pick = eps.length === 1
        ? `ct mark set ${block.base}`
        : `ct mark set numgen random mod ${eps.length} offset ${block.base}`;
      if (sp.affinityTimeoutSeconds > 0) {
        const chain = endpointsChain(sp.id, which);
        const remember =
          `update @${SET.affinity} { ${w} saddr . ct mark timeout ${sp.affinityTimeoutSeconds}s }`;
        const rules = eps.map((_, i) =>
          `ct mark set ${
            block.base + i
          } ${w} saddr . ct mark @${SET.affinity} ${remember} goto ${CHAIN.lb}`
        );
        rules.push(`${pick} ${remember} goto ${CHAIN.lb}`);
        f.chains.set(chain, rules);
        sel = `goto ${chain}`;
      } else {
        sel = `${pick} goto ${CHAIN.lb}`;
      }
    }
    selectors.set(which, sel);
    return sel;
  };

  // --- ClusterIP (internal traffic) ---
  const key = `${clusterIP.text} . ${proto} . ${sp.port}`;
  addElement(f, SET.clusterIps, clusterIP.text);
  const internalSel = selector(sp.internalPolicyLocal ? "local" : "cluster");
  if (internalSel) {
    const rules: string[] = [];
    if (ctx.masqueradeAll) rules.push(`jump ${CHAIN.markMasq}`);
    else if (ctx.nonPodSource) rules.push(`${ctx.nonPodSource} jump ${CHAIN.markMasq}`);
    rules.push(internalSel);
    f.chains.set(serviceChain(sp.id), rules);
    addElement(f, SET.serviceIps, key, `goto ${serviceChain(sp.id)}`);
  } else {
    // No endpoint for internal traffic: reject, or drop when Local has endpoints elsewhere.
    addElement(f, cat.hasAnyEndpoints ? SET.noLocalEndpointServices : SET.noEndpointServices, key);
  }

  // --- NodePort, external IPs, LB IPs (external traffic) ---
  if (nodePort > 0 || externalIPs.length > 0) {
    const ext = externalChain(sp.id);
    const rules: string[] = [];
    let externalVerdict: "drop" | "reject" | undefined; // for traffic that is not DNATed
    if (!sp.externalPolicyLocal) {
      const sel = selector("cluster");
      if (sel) rules.push(`jump ${CHAIN.markMasq}`, sel);
      else externalVerdict = "reject";
    } else {
      const clusterSel = selector("cluster");
      if (clusterSel) {
        if (ctx.podSource) rules.push(`${ctx.podSource} ${clusterSel}`);
        rules.push(
          `fib saddr type local jump ${CHAIN.markMasq}`,
          `fib saddr type local ${clusterSel}`,
        );
      }
      const localSel = selector("local");
      if (localSel) rules.push(localSel);
      else externalVerdict = cat.hasAnyEndpoints ? "drop" : "reject";
    }
    if (rules.length > 0) f.chains.set(ext, rules);
    for (const ip of externalIPs) {
      const k = `${ip.text} . ${proto} . ${sp.port}`;
      if (rules.length > 0) addElement(f, SET.serviceIps, k, `goto ${ext}`);
      if (externalVerdict === "reject") addElement(f, SET.noEndpointServices, k);
      if (externalVerdict === "drop") addElement(f, SET.noLocalEndpointServices, k);
    }
    if (nodePort > 0) {
      const k = `${proto} . ${nodePort}`;
      if (rules.length > 0) addElement(f, SET.serviceNodeports, k, `goto ${ext}`);
      if (externalVerdict === "reject") addElement(f, SET.noEndpointNodeports, k);
      if (externalVerdict === "drop") addElement(f, SET.noLocalEndpointNodeports, k);
    }
    // loadBalancerSourceRanges: a firewall on LB IPs only.
    if (sp.hasSourceRanges && lbIPs.length > 0) {
      const ranges = sp.loadBalancerSourceRanges.filter((c) => c.family === ctx.family);
      const coversNode = ranges.some((r) => ctx.nodeIPs.some((ip) => cidrContains(r, ip)));
      for (const ip of lbIPs) {
        const k = `${ip.text} . ${proto} . ${sp.port}`;
        addElement(f, SET.firewallIps, k);
        for (const r of ranges) addElement(f, SET.firewallAllow, `${k} . ${r.text}`);
        if (coversNode) {
          for (const src of lbIPs) {
            addElement(f, SET.firewallAllow, `${k} . ${src.text}/${ctx.family === 4 ? 32 : 128}`);
          }
        }
      }
    }
  }

  const localCount = (cat.local ?? []).filter((ep) => ep.ready).length;
  return {
    fragment: f,
    slotOwners: owners,
    summary: { categorized: cat, localEndpointCount: localCount },
  };
}

/**
 * Orders endpoints over the slots `base .. base+N-1` so that an endpoint that
 * already had one of those slots keeps it: a rollout that replaces one pod
 * changes one slot, not all of them. Any order gives the same equal weights.
 */
export function placeInSlots(
  eps: readonly EndpointInfo[],
  base: number,
  previousSlot: (slot: number) => string | undefined,
): EndpointInfo[] {
  const placed: (EndpointInfo | undefined)[] = new Array(eps.length);
  const byValue = new Map(eps.map((ep) => [`${ep.ip.text} . ${ep.port}`, ep]));
  for (let i = 0; i < eps.length; i++) {
    const prev = previousSlot(base + i);
    const ep = prev === undefined ? undefined : byValue.get(prev);
    if (ep) {
      placed[i] = ep;
      byValue.delete(prev!);
    }
  }
  const rest = byValue.values();
  for (let i = 0; i < eps.length; i++) placed[i] ??= rest.next().value;
  return placed as EndpointInfo[];
}
