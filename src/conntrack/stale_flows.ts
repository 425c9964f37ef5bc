/**
 * Which UDP conntrack entries are stale, with upstream kube-proxy's rule
 * (pkg/proxy/conntrack/cleanup.go): an entry addressed to a service IP and
 * port, or to a NodePort on a local address, whose reply does not come from
 * a serving endpoint of that service port. Service ports without any serving
 * endpoint are left alone: their entries go once the first endpoint appears
 * (entries created while nothing answered, e.g. before the rules existed).
 *
 * @module
 */

import { type ConntrackFlow, endpointKey, type FlowFamily, IPPROTO_UDP } from "./flow.ts";
import type { UdpServicePortState } from "./udp_state.ts";

interface FamilyIndex {
  /** `endpointKey(serviceIP, port)` → serving endpoints. */
  byAddress: Map<string, Set<string>>;
  /** NodePort → serving endpoints. */
  byNodePort: Map<number, Set<string>>;
}

function addAll(
  map: Map<string | number, Set<string>>,
  key: string | number,
  eps: Iterable<string>,
) {
  let set = map.get(key);
  if (!set) map.set(key, set = new Set());
  for (const e of eps) set.add(e);
}

/** Indexes the desired state by family; ports without serving endpoints are left out. */
function index(desired: Iterable<UdpServicePortState>): Map<FlowFamily, FamilyIndex> {
  const out = new Map<FlowFamily, FamilyIndex>();
  for (const s of desired) {
    if (s.servingEndpoints.size === 0) continue;
    let fam = out.get(s.family);
    if (!fam) out.set(s.family, fam = { byAddress: new Map(), byNodePort: new Map() });
    // Two ports claiming one address:port (a conflict in the cluster) share their endpoints,
    // which keeps more flows rather than cutting one port's.
    for (const ip of s.serviceIPs) {
      addAll(fam.byAddress, endpointKey(ip, s.port), s.servingEndpoints);
    }
    if (s.nodePort > 0) addAll(fam.byNodePort, s.nodePort, s.servingEndpoints);
  }
  return out;
}

/** The families that have at least one UDP service port with a serving endpoint. */
export function familiesToReconcile(desired: Iterable<UdpServicePortState>): FlowFamily[] {
  return [...index(desired).keys()].sort();
}

/**
 * The stale entries among `flows`.
 *
 * @param flows conntrack entries (any protocol; only UDP ones are considered)
 * @param desired the full desired UDP state
 * @param localAddresses this host's addresses: NodePort entries are those addressed to one of them
 */
export function findStaleFlows(
  flows: Iterable<ConntrackFlow>,
  desired: Iterable<UdpServicePortState>,
  localAddresses: ReadonlySet<string>,
): ConntrackFlow[] {
  const idx = index(desired);
  const stale: ConntrackFlow[] = [];
  for (const f of flows) {
    if (f.proto !== IPPROTO_UDP) continue;
    const fam = idx.get(f.family);
    if (!fam) continue;
    const replyFrom = endpointKey(f.reply.src, f.reply.sport);
    const viaAddress = fam.byAddress.get(endpointKey(f.orig.dst, f.orig.dport));
    if (viaAddress) {
      if (!viaAddress.has(replyFrom)) stale.push(f);
      continue;
    }
    const viaNodePort = fam.byNodePort.get(f.orig.dport);
    if (viaNodePort && localAddresses.has(f.orig.dst) && !viaNodePort.has(replyFrom)) {
      stale.push(f);
    }
  }
  return stale;
}
