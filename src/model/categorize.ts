/**
 * Endpoint categorisation: which endpoints serve cluster-wide traffic and
 * which serve node-local traffic, after readiness, the terminating fallback
 * and topology. A pure function, as upstream kube-proxy's
 * (`pkg/proxy/topology.go`).
 *
 * Topology follows the EndpointSlice hints only, as upstream: the Service's
 * `trafficDistribution` (PreferClose, PreferSameZone, PreferSameNode) reaches
 * the proxy as the hints the EndpointSlice controller derives from it. Node
 * hints (`forNodes`) apply when every ready endpoint has one and one names
 * this node; otherwise zone hints (`forZones`) under the same rule for this
 * node's zone; otherwise there is no filtering. Topology never filters the
 * Local set, and the terminating fallback ignores it.
 *
 * @module
 */

import type { EndpointInfo } from "./endpoints.ts";

/** What the categorisation needs to know about the service port. */
export interface PolicyInputs {
  internalPolicyLocal: boolean;
  externalPolicyLocal: boolean;
  /** NodePort, external IPs or load-balancer IPs exist. */
  externallyAccessible: boolean;
}

/** What the categorisation needs to know about this node. */
export interface NodeInputs {
  name: string;
  zone: string;
}

/** The endpoint sets of one service port on this node. */
export interface CategorizedEndpoints {
  /** Endpoints for traffic with Cluster policy; undefined when no traffic uses them. */
  cluster?: EndpointInfo[];
  /** Endpoints for traffic with Local policy; undefined when no traffic uses them. */
  local?: EndpointInfo[];
  /** True when some endpoint anywhere is usable (ready, or the terminating fallback applies). */
  hasAnyEndpoints: boolean;
  /** The topology mode applied to `cluster`, or "" when none. */
  topology: "" | "PreferSameZone" | "PreferSameNode";
}

/** Whether an endpoint runs on this node. */
export function isLocal(ep: EndpointInfo, node: NodeInputs): boolean {
  return ep.nodeName !== "" && ep.nodeName === node.name;
}

/** Topology mode from the hints of the ready endpoints (hints are only used when every ready one has them). */
export function topologyMode(
  endpoints: readonly EndpointInfo[],
  node: NodeInputs,
): CategorizedEndpoints["topology"] {
  let allNode = true, forNode = false, allZone = true, forZone = false, anyReady = false;
  for (const ep of endpoints) {
    if (!ep.ready) continue;
    anyReady = true;
    if (!ep.nodeHints || ep.nodeHints.size === 0) allNode = false;
    else if (ep.nodeHints.has(node.name)) forNode = true;
    if (!ep.zoneHints || ep.zoneHints.size === 0) allZone = false;
    else if (node.zone !== "" && ep.zoneHints.has(node.zone)) forZone = true;
  }
  if (!anyReady) return "";
  if (allNode && forNode) return "PreferSameNode";
  if (allZone && forZone) return "PreferSameZone";
  return "";
}

function availableForTopology(
  ep: EndpointInfo,
  mode: CategorizedEndpoints["topology"],
  node: NodeInputs,
): boolean {
  if (mode === "PreferSameNode") return ep.nodeHints?.has(node.name) ?? false;
  if (mode === "PreferSameZone") return ep.zoneHints?.has(node.zone) ?? false;
  return true;
}

/**
 * Categorises the endpoints of one service port.
 *
 * @example Local policy: only this node's ready endpoints serve local traffic
 * ```ts
 * import assert from "node:assert/strict";
 * import { categorizeEndpoints } from "./categorize.ts";
 * import { parseIp } from "./ip.ts";
 *
 * const ep = (ip: string, nodeName: string, ready = true) => ({
 *   ip: parseIp(ip), port: 8080, ready, serving: ready, terminating: false, nodeName, zone: "",
 * });
 * const endpoints = [
 *   ep("10.244.1.5", "worker-0"),
 *   ep("10.244.2.5", "worker-1"),
 *   ep("10.244.1.6", "worker-0", false), // not ready
 * ];
 * const c = categorizeEndpoints(
 *   endpoints,
 *   { internalPolicyLocal: false, externalPolicyLocal: true, externallyAccessible: true },
 *   { name: "worker-0", zone: "" },
 * );
 * assert.deepEqual(c.local?.map((e) => e.ip.text), ["10.244.1.5"]);
 * assert.deepEqual(c.cluster?.map((e) => e.ip.text), ["10.244.1.5", "10.244.2.5"]);
 * ```
 */
export function categorizeEndpoints(
  endpoints: readonly EndpointInfo[],
  policy: PolicyInputs,
  node: NodeInputs,
): CategorizedEndpoints {
  // As upstream's UsesClusterEndpoints(): any externally accessible port needs the cluster set,
  // even with externalTrafficPolicy Local, because traffic from a local pod or from the node to
  // a NodePort or LB IP short-circuits to every usable endpoint in the cluster.
  const usesCluster = !policy.internalPolicyLocal || policy.externallyAccessible;
  const usesLocal = policy.internalPolicyLocal ||
    (policy.externallyAccessible && policy.externalPolicyLocal);
  const result: CategorizedEndpoints = { hasAnyEndpoints: false, topology: "" };

  if (usesCluster) {
    const mode = topologyMode(endpoints, node);
    let cluster = endpoints.filter((ep) => ep.ready && availableForTopology(ep, mode, node));
    result.topology = mode;
    if (cluster.length === 0) {
      cluster = endpoints.filter((ep) => ep.serving && ep.terminating);
      result.topology = "";
    }
    result.cluster = cluster;
    if (cluster.length > 0) result.hasAnyEndpoints = true;
  }
  if (!usesLocal) return result;

  let localReady = false, localServingTerminating = false;
  for (const ep of endpoints) {
    if (ep.ready) result.hasAnyEndpoints = true;
    else if (ep.serving && ep.terminating) result.hasAnyEndpoints = true;
    if (!isLocal(ep, node)) continue;
    if (ep.ready) localReady = true;
    else if (ep.serving && ep.terminating) localServingTerminating = true;
  }
  if (localReady) result.local = endpoints.filter((ep) => isLocal(ep, node) && ep.ready);
  else if (localServingTerminating) {
    result.local = endpoints.filter((ep) => isLocal(ep, node) && ep.serving && ep.terminating);
  } else result.local = [];
  return result;
}
