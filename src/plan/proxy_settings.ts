/**
 * The configuration the renderer needs, and how it combines with this
 * node's Node object and the cluster's ServiceCIDRs into the context of each
 * family's table.
 *
 * @module
 */

import { type Cidr, cidrContains, type Family, type IpAddr, tryParseCidr } from "../model/ip.ts";
import type { NodeInfo } from "../model/node_info.ts";
import { primaryAddress } from "../model/node_info.ts";
import type { ServiceCIDR } from "../model/kube_types.ts";
import type { ProblemSink } from "../model/problems.ts";
import { type FamilyContext, type LocalDetector, makeFamilyContext } from "./family_context.ts";

/** Upstream's `--detect-local-mode` values. */
export type DetectLocalMode =
  | "ClusterCIDR"
  | "NodeCIDR"
  | "BridgeInterface"
  | "InterfaceNamePrefix";

/** Settings that shape the ruleset, validated by the config layer. */
export interface ProxySettings {
  nodeName: string;
  tableName?: string;
  masqueradeBit: number;
  masqueradeAll: boolean;
  detectLocalMode: DetectLocalMode;
  clusterCIDRs: Cidr[];
  bridgeInterface: string;
  interfaceNamePrefix: string;
  /** `primary` (the default), or CIDRs selecting local addresses. */
  nodePortAddresses: "primary" | Cidr[];
  /** Used when the cluster has no ServiceCIDR objects. */
  serviceCIDRs: Cidr[];
  /** Addresses of this host's interfaces, used with CIDR `nodePortAddresses`. */
  localAddresses?: IpAddr[];
  /** Most clients remembered per endpoint of a ClientIP-affinity Service. @default 65536 */
  affinityMaxClients?: number;
  /** Most objects and elements one Service may add to one family's table. @default 50000 */
  maxServiceElements?: number;
}

/** How pod traffic is recognised on this node, or undefined when detection is off. */
export function detectorFor(s: ProxySettings, node: NodeInfo): LocalDetector | undefined {
  switch (s.detectLocalMode) {
    case "ClusterCIDR":
      return s.clusterCIDRs.length > 0 ? { kind: "cidrs", cidrs: s.clusterCIDRs } : undefined;
    case "NodeCIDR":
      return node.podCIDRs.length > 0 ? { kind: "cidrs", cidrs: node.podCIDRs } : undefined;
    case "BridgeInterface":
      return s.bridgeInterface ? { kind: "interface", name: s.bridgeInterface } : undefined;
    case "InterfaceNamePrefix":
      return s.interfaceNamePrefix
        ? { kind: "interface-prefix", prefix: s.interfaceNamePrefix }
        : undefined;
  }
}

/** Service CIDRs from ServiceCIDR objects; the configured ones when there are none. */
export function serviceCidrsFrom(
  objects: Iterable<ServiceCIDR>,
  fallback: Cidr[],
  report: ProblemSink,
): Cidr[] {
  const out: Cidr[] = [];
  let any = false;
  for (const o of objects) {
    any = true;
    (o.spec?.cidrs ?? []).forEach((t, i) => {
      const c = tryParseCidr(t);
      if (c) out.push(c);
      else {report({
          object: `ServiceCIDR ${o.metadata?.name}`,
          field: `spec.cidrs[${i}]`,
          message: `invalid CIDR ${JSON.stringify(t)}`,
        });}
    });
  }
  return any ? out : fallback;
}

/** The contexts of the IPv4 and IPv6 tables. */
export function familyContexts(
  s: ProxySettings,
  node: NodeInfo,
  serviceCIDRs: Cidr[],
): FamilyContext[] {
  const detector = detectorFor(s, node);
  return ([4, 6] as Family[]).map((family) => {
    let nodePortAll = false;
    let nodePortIPs: IpAddr[] = [];
    if (s.nodePortAddresses === "primary") {
      const p = primaryAddress(node, family);
      if (p) nodePortIPs = [p];
    } else {
      const cidrs = s.nodePortAddresses.filter((c) => c.family === family);
      nodePortAll = cidrs.some((c) => c.prefix === 0);
      const candidates = [...node.addresses, ...(s.localAddresses ?? [])];
      const seen = new Set<string>();
      for (const ip of candidates) {
        if (ip.family !== family || seen.has(ip.text)) continue;
        if (cidrs.some((c) => cidrContains(c, ip))) {
          seen.add(ip.text);
          nodePortIPs.push(ip);
        }
      }
    }
    return makeFamilyContext({
      family,
      table: s.tableName,
      masqueradeBit: s.masqueradeBit,
      masqueradeAll: s.masqueradeAll,
      localDetector: detector,
      nodePortAll,
      nodePortIPs,
      serviceCIDRs,
      nodeIPs: node.addresses,
      node: { name: node.name, zone: node.zone },
      affinityMaxClients: s.affinityMaxClients,
    });
  });
}
