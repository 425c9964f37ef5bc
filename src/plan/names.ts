/**
 * Names of the shared sets, maps and chains in the proxy's tables, and of the
 * per-service chains. Per-service names are built from validated Kubernetes
 * names (DNS labels, IANA port names), so they never need quoting.
 *
 * @module
 */

/** Shared maps and sets of each family's table. */
export const SET = {
  /** `addr . proto . port : verdict` — ClusterIP, external IP and LB IP entry points. */
  serviceIps: "service-ips",
  /** `proto . port : verdict` — NodePort entry points. */
  serviceNodeports: "service-nodeports",
  /** Addresses NodePorts are served on. */
  nodeportIps: "nodeport-ips",
  /** `addr . proto . port` — entry points with no usable endpoint at all: rejected before DNAT. */
  noEndpointServices: "no-endpoint-services",
  /** `proto . port` — NodePorts with no usable endpoint at all: rejected before DNAT. */
  noEndpointNodeports: "no-endpoint-nodeports",
  /** `addr . proto . port` — Local-policy entry points with endpoints elsewhere only: what was not DNATed is dropped. */
  noLocalEndpointServices: "no-local-endpoint-services",
  /** `proto . port` — the same for NodePorts. */
  noLocalEndpointNodeports: "no-local-endpoint-nodeports",
  /** Allocated ClusterIPs (other ports are rejected). */
  clusterIps: "cluster-ips",
  /** Service CIDRs (unallocated addresses are dropped). */
  serviceCidrs: "service-cidrs",
  /** `slot : addr . port` — every endpoint slot's address. */
  slots: "slots",
  /** `addr . slot` — for hairpin detection: the client is the chosen endpoint. */
  slotAddrs: "slot-addrs",
  /** `client . slot` with timeouts — ClientIP session affinity. */
  affinity: "affinity",
  /** `addr . proto . port` — LB entry points with loadBalancerSourceRanges. */
  firewallIps: "firewall-ips",
  /** `addr . proto . port . source-range` — allowed sources of firewalled entry points. */
  firewallAllow: "firewall-allow",
} as const;

/** Shared chains. */
export const CHAIN = {
  services: "services",
  lb: "endpoint-dnat",
  markMasq: "mark-for-masquerade",
  masquerading: "masquerading",
  firewallCheck: "firewall-check",
  serviceEndpointsCheck: "service-endpoints-check",
  nodeportEndpointsCheck: "nodeport-endpoints-check",
  localEndpointsCheck: "local-endpoints-check",
  clusterIpsCheck: "cluster-ips-check",
} as const;

/** The chain entered by ClusterIP traffic of a service port. */
export function serviceChain(portId: string): string {
  return `svc-${portId}`;
}

/** The chain entered by NodePort, external IP and LB traffic of a service port. */
export function externalChain(portId: string): string {
  return `ext-${portId}`;
}

/** The endpoint-selection chain of a set ("cluster" or "local") when it needs one (affinity). */
export function endpointsChain(portId: string, set: "cluster" | "local"): string {
  return `eps-${set}-${portId}`;
}
