/**
 * The fixed address plan of every harness topology. All topologies use the same
 * plan; they are isolated from each other by living in different namespaces.
 *
 * | what | IPv4 | IPv6 |
 * |---|---|---|
 * | lan (node uplinks, external clients) | 198.51.100.0/24 | 2001:db8:100::/64 |
 * | "node" addresses | .10 (primary), .11 (secondary) | ::10, ::11 (deprecated, never a default source) |
 * | "node2" addresses | .20, .21 | ::20, ::21 |
 * | external client i | .(100+i) | ::(100+i) |
 * | unowned default gateway of the nodes | .1 | ::1 |
 * | pod CIDR of node / node2 | 10.244.1.0/24 / 10.244.2.0/24 | 2001:db8:244:1::/64 / 2001:db8:244:2::/64 |
 * | pod gateway (on cbr0) | .1 | ::1 |
 * | pod k | .(10+k) | ::(10+k) |
 * | services (routed to "node") | 10.96.0.0/12 | 2001:db8:96::/112 |
 * | load-balancer / external IPs (routed to "node") | 203.0.113.0/24 | 2001:db8:203::/64 |
 * @module
 */

/** IP family. */
export type Family = 4 | 6;
/** The two node namespaces a pod can live on. */
export type NodeRole = "node" | "node2";

/** Service CIDRs; external clients route them to the node's primary address. */
export const SERVICE_CIDRS: Readonly<Record<Family, string>> = {
  4: "10.96.0.0/12",
  6: "2001:db8:96::/112",
};
/** Load-balancer / external IP ranges; external clients route them to the node. */
export const LB_CIDRS: Readonly<Record<Family, string>> = {
  4: "203.0.113.0/24",
  6: "2001:db8:203::/64",
};
/** The shared "lan" subnet. */
export const LAN_CIDRS: Readonly<Record<Family, string>> = {
  4: "198.51.100.0/24",
  6: "2001:db8:100::/64",
};
/** Default gateway of the nodes; no namespace owns it (unrouted traffic is lost). */
export const LAN_GATEWAY: Readonly<Record<Family, string>> = {
  4: "198.51.100.1",
  6: "2001:db8:100::1",
};
/** Highest number of pods one node can hold over a topology's lifetime. */
export const MAX_PODS_PER_NODE = 240;
/** Highest number of external clients. */
export const MAX_EXTERNALS = 100;

const NODE_NUMBER: Readonly<Record<NodeRole, number>> = { node: 1, node2: 2 };

/** Prefix length of a lan / pod address. */
export function prefixLength(family: Family): number {
  return family === 4 ? 24 : 64;
}

/** Pod CIDR of `node`, e.g. `10.244.1.0/24`. */
export function podCidr(node: NodeRole, family: Family): string {
  const n = NODE_NUMBER[node];
  return family === 4 ? `10.244.${n}.0/24` : `2001:db8:244:${n}::/64`;
}

/** Gateway address of `node`'s pods (held by its `cbr0`). */
export function podGateway(node: NodeRole, family: Family): string {
  const n = NODE_NUMBER[node];
  return family === 4 ? `10.244.${n}.1` : `2001:db8:244:${n}::1`;
}

/** Address of the `index`-th pod (0-based) ever created on `node`. */
export function podAddress(node: NodeRole, index: number, family: Family): string {
  if (!Number.isInteger(index) || index < 0 || index >= MAX_PODS_PER_NODE) {
    throw new RangeError(`Cannot address pod: index ${index} must be in [0, ${MAX_PODS_PER_NODE})`);
  }
  const n = NODE_NUMBER[node];
  return family === 4 ? `10.244.${n}.${10 + index}` : `2001:db8:244:${n}::${10 + index}`;
}

/** Address of a node on the lan: its primary one, or its secondary one. */
export function nodeAddress(node: NodeRole, family: Family, secondary = false): string {
  const host = NODE_NUMBER[node] * 10 + (secondary ? 1 : 0);
  return family === 4 ? `198.51.100.${host}` : `2001:db8:100::${host}`;
}

/** Address of the `index`-th (0-based) external client. */
export function externalAddress(index: number, family: Family): string {
  if (!Number.isInteger(index) || index < 0 || index >= MAX_EXTERNALS) {
    throw new RangeError(
      `Cannot address external: index ${index} must be in [0, ${MAX_EXTERNALS})`,
    );
  }
  return family === 4 ? `198.51.100.${100 + index}` : `2001:db8:100::${100 + index}`;
}

/** Family of an address or CIDR written in text. */
export function familyOf(address: string): Family {
  return address.includes(":") ? 6 : 4;
}
