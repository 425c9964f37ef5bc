/**
 * The facts about this node that the proxy needs: its name, addresses,
 * pod CIDRs and topology zone, read from its Node object.
 *
 * @module
 */

import type { Node } from "./kube_types.ts";
import { ZONE_LABEL } from "./kube_types.ts";
import { type Cidr, type IpAddr, tryParseCidr, tryParseIp } from "./ip.ts";
import type { ProblemSink } from "./problems.ts";

/** This node, as the proxy sees it. */
export interface NodeInfo {
  name: string;
  /** InternalIP addresses first, then ExternalIP; one primary per family comes first. */
  addresses: IpAddr[];
  /** spec.podCIDRs (or podCIDR). */
  podCIDRs: Cidr[];
  /** topology.kubernetes.io/zone label, or "". */
  zone: string;
}

/** A node we know only by name (no Node object seen yet). */
export function unknownNode(name: string): NodeInfo {
  return { name, addresses: [], podCIDRs: [], zone: "" };
}

/** Reads a Node object. Bad addresses and CIDRs are skipped and reported. */
export function readNode(name: string, node: Node | undefined, report: ProblemSink): NodeInfo {
  if (!node) return unknownNode(name);
  const obj = `Node ${name}`;
  const addresses: IpAddr[] = [];
  const seen = new Set<string>();
  const byType = (type: string) =>
    (node.status?.addresses ?? []).map((a, i) => ({ a, i })).filter((x) => x.a?.type === type);
  for (const type of ["InternalIP", "ExternalIP"]) {
    for (const { a, i } of byType(type)) {
      const ip = tryParseIp(a.address);
      if (!ip) {
        report({
          object: obj,
          field: `status.addresses[${i}].address`,
          message: `invalid IP ${JSON.stringify(a.address)}`,
        });
        continue;
      }
      if (!seen.has(ip.text)) {
        seen.add(ip.text);
        addresses.push(ip);
      }
    }
  }
  const cidrTexts = node.spec?.podCIDRs?.length
    ? node.spec.podCIDRs
    : node.spec?.podCIDR
    ? [node.spec.podCIDR]
    : [];
  const podCIDRs: Cidr[] = [];
  cidrTexts.forEach((t, i) => {
    const c = tryParseCidr(t);
    if (c) podCIDRs.push(c);
    else {report({
        object: obj,
        field: `spec.podCIDRs[${i}]`,
        message: `invalid CIDR ${JSON.stringify(t)}`,
      });}
  });
  return { name, addresses, podCIDRs, zone: node.metadata?.labels?.[ZONE_LABEL] ?? "" };
}

/** The node's primary address of a family: the first InternalIP (or ExternalIP) of that family. */
export function primaryAddress(node: NodeInfo, family: 4 | 6): IpAddr | undefined {
  return node.addresses.find((a) => a.family === family);
}
