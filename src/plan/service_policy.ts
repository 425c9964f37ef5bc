/**
 * The one decision both the renderer and `explain` make for a service port in
 * one family: for each kind of entry point and source, whether a new
 * connection is DNATed (to which endpoint set, masqueraded or not), rejected
 * or dropped. The renderer turns it into map elements; `explain` reads it to
 * answer for one packet. Keeping it here keeps the two in step.
 *
 * @module
 */

import type { ServicePortInfo } from "../model/service_port.ts";
import type { EndpointInfo } from "../model/endpoints.ts";
import {
  type CategorizedEndpoints,
  categorizeEndpoints,
  isLocal,
  type NodeInputs,
} from "../model/categorize.ts";
import type { Family, IpAddr } from "../model/ip.ts";

/** The two endpoint sets of a service port. */
export type EndpointSetName = "cluster" | "local";

/** Who is masqueraded when a connection is DNATed. */
export type MasqueradeRule =
  /** ClusterIP traffic: sources outside the pods (everything with --masquerade-all). */
  | "non-pod-sources"
  /** External traffic of a Cluster policy: every source. */
  | "always"
  /** External traffic of a Local policy: nobody (the client's address is kept). */
  | "never"
  /** Short-circuited traffic of a Local policy: the node itself, not pods. */
  | "node-sources";

/** What happens to a new connection at an entry point. */
export type EntryAction =
  | {
    action: "dnat";
    set: EndpointSetName;
    endpoints: EndpointInfo[];
    masquerade: MasqueradeRule;
  }
  | { action: "reject"; reason: string }
  | { action: "drop"; reason: string };

/** The decision for one service port in one family. */
export interface ServicePortPolicy {
  family: Family;
  clusterIP: IpAddr;
  /** External IPs and load-balancer IPs of this family. */
  externalIPs: IpAddr[];
  /** Load-balancer IPs of this family (a subset of `externalIPs`). */
  loadBalancerIPs: IpAddr[];
  /** The NodePort, or 0 when none (or this node serves no NodePorts in this family). */
  nodePort: number;
  categorized: CategorizedEndpoints;
  /** ClusterIP traffic, from any source. */
  internal: EntryAction;
  /** NodePort, external-IP and LB traffic; undefined when the port has none. */
  external?: EntryAction;
  /**
   * externalTrafficPolicy Local: external traffic from pods and from the node,
   * which goes to cluster-wide endpoints; undefined otherwise or when there are none.
   */
  shortcut?: EntryAction;
}

/** This family's view of the node, as the decision needs it. */
export interface PolicyContext {
  family: Family;
  node: { name: string; zone: string };
  /** Whether this node serves NodePorts in this family. */
  servesNodePorts: boolean;
}

function pick(
  cat: CategorizedEndpoints,
  set: EndpointSetName,
  masquerade: MasqueradeRule,
): EntryAction | undefined {
  const endpoints = set === "cluster" ? cat.cluster : cat.local;
  return endpoints && endpoints.length > 0
    ? { action: "dnat", set, endpoints, masquerade }
    : undefined;
}

function none(cat: CategorizedEndpoints, policy: string): EntryAction {
  return cat.hasAnyEndpoints
    ? { action: "drop", reason: `${policy} Local and no local endpoints` }
    : { action: "reject", reason: "the Service has no endpoints" };
}

/**
 * Decides a service port in one family; undefined when the port has no
 * ClusterIP of this family (then it does not exist in this family's table).
 * `allEndpoints` may hold both families; only this family's are used.
 */
export function decideServicePort(
  sp: ServicePortInfo,
  allEndpoints: readonly EndpointInfo[],
  ctx: PolicyContext,
): ServicePortPolicy | undefined {
  const clusterIP = sp.clusterIPs.find((ip) => ip.family === ctx.family);
  if (!clusterIP) return undefined;
  const externalIPs = [...sp.externalIPs, ...sp.loadBalancerIPs].filter((ip) =>
    ip.family === ctx.family
  );
  const loadBalancerIPs = sp.loadBalancerIPs.filter((ip) => ip.family === ctx.family);
  const nodePort = ctx.servesNodePorts ? sp.nodePort : 0;
  const endpoints = allEndpoints.filter((ep) => ep.ip.family === ctx.family);
  const cat = categorizeEndpoints(endpoints, {
    internalPolicyLocal: sp.internalPolicyLocal,
    externalPolicyLocal: sp.externalPolicyLocal,
    externallyAccessible: sp.nodePort > 0 || externalIPs.length > 0,
  }, ctx.node);

  const policy: ServicePortPolicy = {
    family: ctx.family,
    clusterIP,
    externalIPs,
    loadBalancerIPs,
    nodePort,
    categorized: cat,
    internal: pick(cat, sp.internalPolicyLocal ? "local" : "cluster", "non-pod-sources") ??
      none(cat, "internalTrafficPolicy"),
  };
  if (nodePort === 0 && externalIPs.length === 0) return policy;
  if (!sp.externalPolicyLocal) {
    policy.external = pick(cat, "cluster", "always") ??
      { action: "reject", reason: "the Service has no endpoints" };
  } else {
    policy.shortcut = pick(cat, "cluster", "node-sources");
    policy.external = pick(cat, "local", "never") ?? none(cat, "externalTrafficPolicy");
  }
  return policy;
}

/**
 * Whether a connection DNATed on this node can come from endpoint `ep` itself: a hairpin
 * flow, which must be masqueraded so that the endpoint's reply comes back through the NAT.
 * Only an endpoint on this node (or one whose node is not known) can be such a client: a pod
 * on another node reaches a Service through its own node's rules, and what reaches this node
 * from elsewhere is external traffic, masqueraded anyway under a Cluster policy and sent only
 * to this node's endpoints under a Local one. Upstream writes the hairpin rule for every
 * endpoint; here each one is a kernel element, and in a cluster of N nodes this keeps 1/N of
 * them.
 */
export function mayHairpin(ep: EndpointInfo, node: NodeInputs): boolean {
  return ep.nodeName === "" || isLocal(ep, node);
}

/** Endpoints a policy may DNAT to, each once (the union of its actions' sets). */
export function dnatTargets(policy: ServicePortPolicy): EndpointInfo[] {
  const seen = new Set<EndpointInfo>();
  for (const a of [policy.internal, policy.external, policy.shortcut]) {
    if (a?.action === "dnat") { for (const ep of a.endpoints) seen.add(ep); }
  }
  return [...seen];
}
