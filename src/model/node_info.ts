/**
 * The facts about this node that the proxy needs: its name, addresses (with
 * their types), pod CIDRs and topology zone, read from its Node object (any
 * JSON value; bad fields are reported and skipped, nothing throws).
 *
 * @module
 */

import { ZONE_LABEL } from "./kube_types.ts";
import { type Cidr, type Family, type IpAddr, tryParseCidr, tryParseIp } from "./ip.ts";
import type { ProblemSink } from "./problems.ts";
import { describe, isObject, labelsOf, typeName } from "./_json.ts";
import { type FieldReporter, fieldReporter } from "./_reporter.ts";

/** The type of a Node address: `InternalIP`, `ExternalIP`, or any other type holding an IP. */
export type NodeAddressType = "InternalIP" | "ExternalIP" | "other";

/** One IP address of the Node, with its type. */
export interface NodeAddress {
  ip: IpAddr;
  type: NodeAddressType;
}

/** This node, as the proxy sees it. */
export interface NodeInfo {
  name: string;
  /**
   * InternalIP addresses, then ExternalIP ones, deduplicated; the first of
   * each family is that family's primary (see {@linkcode primaryAddress}).
   * Kept for compatibility: the types are in {@linkcode NodeInfo.typedAddresses}.
   */
  addresses: IpAddr[];
  /**
   * Every valid IP of `status.addresses` with its type, in the same order as
   * `addresses` (InternalIP, then ExternalIP), then other types; each IP once.
   * Always set by {@linkcode readNode} and {@linkcode unknownNode}; optional
   * only so that NodeInfo literals written before it still type-check.
   */
  typedAddresses?: NodeAddress[];
  /** spec.podCIDRs (or podCIDR). */
  podCIDRs: Cidr[];
  /** topology.kubernetes.io/zone label, or "". */
  zone: string;
}

/** A node we know only by name (no Node object seen yet). */
export function unknownNode(name: string): NodeInfo {
  return { name, addresses: [], typedAddresses: [], podCIDRs: [], zone: "" };
}

/** Reads this node's Node object (`undefined` when none was seen). */
export function readNode(name: string, node: unknown, report: ProblemSink): NodeInfo {
  if (node === undefined || node === null) return unknownNode(name);
  // Problems name the node we asked for, whatever the object's own metadata holds.
  const bad = fieldReporter("Node", { metadata: { name } }, report);
  try {
    return read(name, node, bad);
  } finally {
    bad.finish();
  }
}

function read(name: string, node: unknown, bad: FieldReporter): NodeInfo {
  const info = unknownNode(name);
  if (!isObject(node)) return bad("", `must be an object, got ${typeName(node)}`), info;
  const typed = readAddresses(node.status, bad);
  info.typedAddresses = typed;
  info.addresses = typed.filter((a) => a.type !== "other").map((a) => a.ip);
  info.podCIDRs = readPodCIDRs(node.spec, bad);
  const labels = labelsOf(node.metadata, bad);
  const zone = labels && Object.hasOwn(labels, ZONE_LABEL) ? labels[ZONE_LABEL] : "";
  if (typeof zone === "string") info.zone = zone;
  else bad(`metadata.labels[${ZONE_LABEL}]`, `must be a string, got ${typeName(zone)}`);
  return info;
}

function readAddresses(status: unknown, bad: FieldReporter): NodeAddress[] {
  if (status === undefined || status === null) return [];
  if (!isObject(status)) return bad("status", `must be an object, got ${typeName(status)}`), [];
  const list = status.addresses;
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) {
    return bad("status.addresses", `must be a list, got ${typeName(list)}`), [];
  }
  const byType: Record<NodeAddressType, NodeAddress[]> = {
    InternalIP: [],
    ExternalIP: [],
    other: [],
  };
  const seen = new Set<string>();
  for (let i = 0; i < list.length; i++) {
    const a = list[i];
    if (!isObject(a)) {
      bad(`status.addresses[${i}]`, `must be an object, got ${typeName(a)}`);
      continue;
    }
    const type = a.type === "InternalIP" || a.type === "ExternalIP" ? a.type : "other";
    const ip = tryParseIp(a.address);
    if (!ip) {
      // Hostname, InternalDNS, ExternalDNS hold names: only the IP types must be IPs.
      if (type !== "other") {
        bad(`status.addresses[${i}].address`, `invalid IP ${describe(a.address)}`);
      }
      continue;
    }
    byType[type].push({ ip, type });
  }
  const out: NodeAddress[] = [];
  for (const a of [...byType.InternalIP, ...byType.ExternalIP, ...byType.other]) {
    if (seen.has(a.ip.text)) continue;
    seen.add(a.ip.text);
    out.push(a);
  }
  return out;
}

function readPodCIDRs(spec: unknown, bad: FieldReporter): Cidr[] {
  if (spec === undefined || spec === null) return [];
  if (!isObject(spec)) return bad("spec", `must be an object, got ${typeName(spec)}`), [];
  let texts: readonly unknown[] = [];
  let field = "spec.podCIDRs";
  const list = spec.podCIDRs;
  if (Array.isArray(list) && list.length > 0) texts = list;
  else {
    if (list !== undefined && list !== null && !Array.isArray(list)) {
      bad(field, `must be a list of CIDRs, got ${typeName(list)}; using spec.podCIDR`);
    }
    const one = spec.podCIDR;
    if (one !== undefined && one !== null && one !== "") {
      texts = [one];
      field = "spec.podCIDR";
    }
  }
  const out: Cidr[] = [];
  // At most one per family is valid; two is the API's maximum.
  for (let i = 0; i < texts.length && i < 2; i++) {
    const c = tryParseCidr(texts[i]);
    const at = field === "spec.podCIDR" ? field : `${field}[${i}]`;
    if (c) out.push(c);
    else bad(at, `invalid CIDR ${describe(texts[i])}`);
  }
  if (texts.length > 2) bad(field, `at most 2 CIDRs (one per family), got ${texts.length}`);
  return out;
}

/**
 * The node's primary address of a family, as upstream's `GetNodeHostIPs`:
 * the first InternalIP of that family, else the first ExternalIP of it.
 */
export function primaryAddress(node: NodeInfo, family: Family): IpAddr | undefined {
  return node.addresses.find((a) => a.family === family);
}
