/**
 * The configuration the renderer needs, and how it combines with this
 * node's Node object and the cluster's ServiceCIDRs into the context of each
 * family's table.
 *
 * @module
 */

import type { Cidr, Family, IpAddr } from "../model/ip.ts";
import type { NodeInfo } from "../model/node_info.ts";
import { nodePortAddresses } from "../model/node_port_addresses.ts";
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
  /**
   * Addresses of this host's interfaces (NodePort addresses must be local); when unknown, the
   * Node's addresses stand in for them.
   */
  localAddresses?: IpAddr[] | (() => IpAddr[]);
  /** `--bind-address`: overrides the Node's primary IP of its family. */
  nodeIPOverride?: IpAddr[];
  /** Most clients remembered per endpoint of a ClientIP-affinity Service. @default 65536 */
  affinityMaxClients?: number;
  /** Most objects and elements one Service may add to one family's table. @default 50000 */
  maxServiceElements?: number;
}

/** How pod traffic is recognised on this node, or undefined when detection is off. */
export function detectorFor(settings: ProxySettings, node: NodeInfo): LocalDetector | undefined {
  switch (settings.detectLocalMode) {
    case "ClusterCIDR":
      return settings.clusterCIDRs.length > 0
        ? { kind: "cidrs", cidrs: settings.clusterCIDRs }
        : undefined;
    case "NodeCIDR":
      return node.podCIDRs.length > 0 ? { kind: "cidrs", cidrs: node.podCIDRs } : undefined;
    case "BridgeInterface":
      return settings.bridgeInterface
        ? { kind: "interface", name: settings.bridgeInterface }
        : undefined;
    case "InterfaceNamePrefix":
      return settings.interfaceNamePrefix
        ? { kind: "interface-prefix", prefix: settings.interfaceNamePrefix }
        : undefined;
  }
}

/**
 * The contexts of the IPv4 and IPv6 tables.
 *
 * @example The IPv4 and IPv6 tables of a dual-stack node
 * ```ts
 * import assert from "node:assert/strict";
 * import { familyContexts } from "./proxy_settings.ts";
 * import { readNode } from "../model/node_info.ts";
 * import { parseCidr } from "../model/ip.ts";
 *
 * const node = readNode("worker-0", {
 *   metadata: { name: "worker-0" },
 *   status: {
 *     addresses: [
 *       { type: "InternalIP", address: "192.168.1.10" },
 *       { type: "InternalIP", address: "fd00::10" },
 *     ],
 *   },
 * }, () => {});
 * const [v4, v6] = familyContexts({
 *   nodeName: "worker-0",
 *   masqueradeBit: 14,
 *   masqueradeAll: false,
 *   detectLocalMode: "ClusterCIDR",
 *   clusterCIDRs: [parseCidr("10.244.0.0/16")],
 *   bridgeInterface: "",
 *   interfaceNamePrefix: "",
 *   nodePortAddresses: "primary",
 *   serviceCIDRs: [parseCidr("10.96.0.0/12"), parseCidr("fd00:96::/112")],
 * }, node, []);
 * assert.deepEqual([v4.nftFamily, v6.nftFamily], ["ip", "ip6"]);
 * assert.equal(v4.masqMark, "0x00004000");
 * assert.deepEqual(v4.nodePortIPs.map((ip) => ip.text), ["192.168.1.10"]);
 * assert.equal(v6.podSource, undefined, "no IPv6 cluster CIDR: pod traffic not detected");
 * ```
 */
export function familyContexts(
  settings: ProxySettings,
  node: NodeInfo,
  serviceCIDRs: Cidr[],
): FamilyContext[] {
  const detector = detectorFor(settings, node);
  const local = typeof settings.localAddresses === "function"
    ? settings.localAddresses()
    : settings.localAddresses;
  return ([4, 6] as Family[]).map((family) => {
    const sel = nodePortAddresses(node, local, settings.nodePortAddresses, family, {
      bindAddress: settings.nodeIPOverride?.find((ip) => ip.family === family),
    });
    // Without the Node object there is no primary address yet: serve no NodePorts rather than
    // every local address (upstream's fallback, kept for a Node without an address of a family).
    const unknownNode = sel.reason === "no-primary-address" && node.addresses.length === 0;
    const nodePortAll = sel.matchAll && !unknownNode;
    const nodePortIPs = sel.addresses;
    return makeFamilyContext({
      family,
      table: settings.tableName,
      masqueradeBit: settings.masqueradeBit,
      masqueradeAll: settings.masqueradeAll,
      localDetector: detector,
      nodePortAll,
      nodePortIPs,
      serviceCIDRs,
      nodeIPs: node.addresses,
      node: { name: node.name, zone: node.zone },
      affinityMaxClients: settings.affinityMaxClients,
    });
  });
}
