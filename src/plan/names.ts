/**
 * Names of the shared sets, maps and chains in the proxy's tables, and of the
 * few objects that are created per need: the endpoint-selection chains (one per
 * endpoint count and variant) and the ClientIP-affinity objects of Services
 * that ask for it. Per-service names are built from validated Kubernetes names
 * (DNS labels, IANA port names), so they never need quoting.
 *
 * @module
 */

import type { IpAddr } from "../model/ip.ts";

/** Shared maps and sets of each family's table. */
export const SET = {
  /** `addr . proto . port : verdict`: ClusterIP, external IP and LB IP entry points. */
  serviceIps: "service-ips",
  /** `proto . port : verdict`: NodePort entry points. */
  serviceNodeports: "service-nodeports",
  /**
   * `addr . proto . port : verdict`: externalTrafficPolicy Local entry points, for traffic from
   * pods and from the node, which short-circuits to the Service's cluster-wide endpoints.
   */
  shortcutIps: "shortcut-ips",
  /** `proto . port : verdict`: the same for NodePorts. */
  shortcutNodeports: "shortcut-nodeports",
  /** `addr . port . index : addr . port`: the endpoints behind each TCP entry point. */
  endpointsTcp: "endpoints-tcp",
  /** The same for UDP entry points. */
  endpointsUdp: "endpoints-udp",
  /** The same for SCTP entry points. */
  endpointsSctp: "endpoints-sctp",
  /** `port . index : addr . port`: the endpoints behind each TCP NodePort. */
  nodeportEndpointsTcp: "nodeport-endpoints-tcp",
  /** The same for UDP NodePorts. */
  nodeportEndpointsUdp: "nodeport-endpoints-udp",
  /** The same for SCTP NodePorts. */
  nodeportEndpointsSctp: "nodeport-endpoints-sctp",
  /** Addresses NodePorts are served on. */
  nodeportIps: "nodeport-ips",
  /** `addr . proto . port`: entry points with no usable endpoint at all: rejected before DNAT. */
  noEndpointServices: "no-endpoint-services",
  /** `proto . port`: NodePorts with no usable endpoint at all: rejected before DNAT. */
  noEndpointNodeports: "no-endpoint-nodeports",
  /** `addr . proto . port`: Local-policy entry points with endpoints elsewhere only: dropped unless DNATed. */
  noLocalEndpointServices: "no-local-endpoint-services",
  /** `proto . port`: the same for NodePorts. */
  noLocalEndpointNodeports: "no-local-endpoint-nodeports",
  /** Allocated ClusterIPs: other ports are rejected; traffic from outside the pods is masqueraded. */
  clusterIps: "cluster-ips",
  /** Service CIDRs (unallocated addresses are dropped). */
  serviceCidrs: "service-cidrs",
  /** `addr . addr`: every endpoint address twice, to spot hairpin flows (the client is the endpoint). */
  hairpin: "hairpin",
  /** `addr . proto . port`: LB entry points with loadBalancerSourceRanges. */
  firewallIps: "firewall-ips",
  /** `addr . proto . port . source-range`: allowed sources of firewalled entry points. */
  firewallAllow: "firewall-allow",
} as const;

/** Shared chains of the skeleton. */
export const CHAIN = {
  services: "services",
  markMasq: "mark-for-masquerade",
  masquerading: "masquerading",
  firewallCheck: "firewall-check",
  serviceEndpointsCheck: "service-endpoints-check",
  nodeportEndpointsCheck: "nodeport-endpoints-check",
  localEndpointsCheck: "local-endpoints-check",
  clusterIpsCheck: "cluster-ips-check",
} as const;

/**
 * Where the endpoint indices of a short-circuit set start in the `endpoints`
 * maps: local and cluster endpoints of one entry point share its key, the
 * short-circuit (cluster-wide) set from this offset on.
 */
export const SHORTCUT_OFFSET = 1 << 20;

/** The most endpoints one entry point can select among (indices stay below {@linkcode SHORTCUT_OFFSET}). */
export const MAX_ENDPOINTS_PER_SET = SHORTCUT_OFFSET - 1;

/**
 * How a selection chain treats the packet before it picks an endpoint:
 * - `plain`: nothing (ClusterIP traffic, whose masquerade was decided in `services`,
 *   and external traffic of a Local policy, which keeps its source);
 * - `masq`: masquerade (external traffic of a Cluster policy);
 * - `shortcut`: masquerade when the node itself is the source (short-circuited
 *   traffic of a Local policy), then pick among the cluster-wide endpoints.
 */
export type PickVariant = "plain" | "masq" | "shortcut";

/** Which map an entry point's endpoints live in. */
export type EntryKind = "ip" | "nodeport";

/** Transport protocols, as nft names them. */
export const PROTOCOLS = ["tcp", "udp", "sctp"] as const;

/**
 * The map holding the endpoints of entry points of one kind and protocol. One
 * map per protocol: nft 1.0.6 cannot add a rule that DNATs through a map whose
 * `typeof` data says `th dport` once the map exists ("conflicting protocols"),
 * and a protocol's own `tcp dport` makes nft add a match on that protocol.
 */
export function endpointsMap(kind: EntryKind, protocol: typeof PROTOCOLS[number]): string {
  return `${kind === "ip" ? "" : "nodeport-"}endpoints-${protocol}`;
}

/** The shared chain that picks one of `endpointCount` endpoints of an entry point at random. */
export function pickChain(kind: EntryKind, variant: PickVariant, endpointCount: number): string {
  const v = variant === "plain" ? "" : `${variant}-`;
  return `${kind === "ip" ? "" : "np-"}pick-${v}${endpointCount}`;
}

/** Parses a {@linkcode pickChain} name; undefined for any other name. */
export function parsePickChain(
  name: string,
): { kind: EntryKind; variant: PickVariant; n: number } | undefined {
  const m = /^(np-)?pick-(?:(masq|shortcut)-)?([1-9][0-9]*)$/.exec(name);
  if (!m) return undefined;
  return {
    kind: m[1] ? "nodeport" : "ip",
    variant: (m[2] ?? "plain") as PickVariant,
    n: Number(m[3]),
  };
}

/** An endpoint's part in affinity object names: address bytes in hex, then the port. */
export function endpointTag(ip: IpAddr, port: number): string {
  let hex = "";
  for (const b of ip.bytes) hex += b.toString(16).padStart(2, "0");
  return `${hex}-${port}`;
}

/** Prefix of every ClientIP-affinity object of one service port. */
export function affinityPrefix(portId: string): string {
  return `aff-${portId}`;
}

/** The dynamic set of clients stuck to one endpoint of a service port. */
export function affinitySet(portId: string, tag: string): string {
  return `${affinityPrefix(portId)}-ep-${tag}`;
}

/** The chain that records a client in its endpoint's affinity set and DNATs to the endpoint. */
export function affinityEndpointChain(portId: string, tag: string): string {
  return `${affinityPrefix(portId)}-to-${tag}`;
}

/** The chain that sends a client to its endpoint of `which` set, or picks one. */
export function affinityChain(
  portId: string,
  which: "cluster" | "local",
  variant: PickVariant,
): string {
  return `${affinityPrefix(portId)}-${which}${variant === "plain" ? "" : `-${variant}`}`;
}
