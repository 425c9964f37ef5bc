/**
 * `explain`: how the proxy treats one packet, reasoned over the same model
 * the renderer uses (validated service ports, merged endpoints, the same
 * endpoint categorisation and the same family context). The end-to-end test
 * of explain holds these answers against real packets.
 *
 * @module
 */

import type { ClusterState } from "../source/cluster_state.ts";
import type { Node } from "../model/kube_types.ts";
import { type NodeInfo, readNode } from "../model/node_info.ts";
import { firewallRanges, readService, type ServicePortInfo } from "../model/service_port.ts";
import { readServiceCidrs } from "../model/service_cidr.ts";
import { AddressClaims } from "../model/address_claims.ts";
import {
  type EndpointInfo,
  isIgnoredSlice,
  mergeEndpointSlices,
  portKey,
  sliceServiceKey,
} from "../model/endpoints.ts";
import { cidrContains, type IpAddr } from "../model/ip.ts";
import type { Protocol } from "../model/problems.ts";
import type { EndpointSlice } from "../model/kube_types.ts";
import { detectorFor, familyContexts, type ProxySettings } from "../plan/proxy_settings.ts";
import type { FamilyContext } from "../plan/family_context.ts";
import {
  decideServicePort,
  type EntryAction,
  type MasqueradeRule,
  mayHairpin,
} from "../plan/service_policy.ts";

/** The packet to explain. */
export interface PacketQuery {
  src: IpAddr;
  dst: IpAddr;
  port: number;
  protocol: Protocol;
}

/** What the proxy does with the packet. */
export interface Explanation {
  packet: string;
  entryPoint?: string;
  service?: string;
  source: string;
  policies: string[];
  candidates: { address: string; port: number; node: string; state: string }[];
  masquerade?: { yes: boolean; reason: string };
  affinity?: string;
  verdict: "DNAT" | "REJECT" | "DROP" | "NOT A SERVICE";
  reason: string;
}

type Source = "pod" | "node" | "external";

function sourceKind(src: IpAddr, node: NodeInfo, s: ProxySettings): { kind: Source; text: string } {
  if (node.addresses.some((a) => a.text === src.text)) {
    return { kind: "node", text: "this node (a node address)" };
  }
  // The same detector the renderer turns into the ruleset's pod-source match.
  const detector = detectorFor(s, node);
  if (detector && detector.kind !== "cidrs") {
    return {
      kind: "external",
      text:
        `not a node address; pod detection is by interface (${s.detectLocalMode}), which an address cannot tell: assuming not a pod`,
    };
  }
  const fam = (detector?.cidrs ?? []).filter((c) => c.family === src.family);
  if (fam.length === 0) {
    return {
      kind: "external",
      text: "no local-traffic detection for this family: treated as not a pod",
    };
  }
  const hit = fam.find((c) => cidrContains(c, src));
  return hit ? { kind: "pod", text: `a pod (inside ${hit.text}, ${s.detectLocalMode})` } : {
    kind: "external",
    text: `not a pod (outside ${fam.map((c) => c.text).join(", ")}) and not a node address`,
  };
}

function describe(eps: readonly EndpointInfo[]) {
  return eps.map((e) => ({
    address: e.ip.text,
    port: e.port,
    node: e.nodeName || "(unknown)",
    state: e.ready ? "ready" : e.serving && e.terminating ? "serving, terminating" : "not serving",
  }));
}

/**
 * Explains one packet against the cluster state and settings.
 *
 * @example Which endpoint may a pod reach through a ClusterIP?
 * ```ts
 * import assert from "node:assert/strict";
 * import { explainPacket, formatExplanation } from "./explain_packet.ts";
 * import { ClusterState } from "../source/cluster_state.ts";
 * import { parseCidr, parseIp } from "../model/ip.ts";
 * import type { EndpointSlice, Service } from "../model/kube_types.ts";
 *
 * const service: Service = {
 *   metadata: { namespace: "default", name: "web" },
 *   spec: { clusterIP: "10.96.0.10", ports: [{ name: "http", port: 80 }] },
 * };
 * const slice: EndpointSlice = {
 *   metadata: {
 *     namespace: "default",
 *     name: "web-1",
 *     labels: { "kubernetes.io/service-name": "web" },
 *   },
 *   addressType: "IPv4",
 *   ports: [{ name: "http", port: 8080 }],
 *   endpoints: [{ addresses: ["10.244.1.5"], nodeName: "worker-0" }],
 * };
 * const state = new ClusterState();
 * state.upsert("Service", service);
 * state.upsert("EndpointSlice", slice);
 * const e = explainPacket(state, {
 *   nodeName: "worker-0",
 *   masqueradeBit: 14,
 *   masqueradeAll: false,
 *   detectLocalMode: "ClusterCIDR",
 *   clusterCIDRs: [parseCidr("10.244.0.0/16")],
 *   bridgeInterface: "",
 *   interfaceNamePrefix: "",
 *   nodePortAddresses: "primary",
 *   serviceCIDRs: [],
 * }, { src: parseIp("10.244.2.7"), dst: parseIp("10.96.0.10"), port: 80, protocol: "tcp" });
 * assert.equal(e.verdict, "DNAT");
 * assert.deepEqual(e.candidates.map((c) => `${c.address}:${c.port}`), ["10.244.1.5:8080"]);
 * assert.match(formatExplanation(e), /^verdict: +DNAT/m);
 * ```
 */
export function explainPacket(
  state: ClusterState,
  settings: ProxySettings,
  query: PacketQuery,
): Explanation {
  const fam = query.dst.family;
  const ignore = () => {};
  const node = readNode(
    settings.nodeName,
    state.get("Node", settings.nodeName) as Node | undefined,
    ignore,
  );
  const cidrs = readServiceCidrs(
    state.objects("ServiceCIDR").values(),
    settings.serviceCIDRs,
    ignore,
  );
  const ctx = familyContexts(settings, node, cidrs).find((c) => c.family === fam)!;
  const src = sourceKind(query.src, node, settings);
  const base: Explanation = {
    packet: `${query.src.text} -> ${
      fam === 6 ? `[${query.dst.text}]` : query.dst.text
    }:${query.port}/${query.protocol} (IPv${fam})`,
    source: src.text,
    policies: [],
    candidates: [],
    verdict: "NOT A SERVICE",
    reason: "the destination is not a service address of this proxy: packets pass untouched",
  };
  if (query.src.family !== fam) {
    return { ...base, reason: "source and destination are of different IP families" };
  }

  // Find the service port and entry point, as the dispatch maps would.
  const isNodePortAddr = ctx.nodePortAll
    ? !(fam === 4 ? query.dst.text.startsWith("127.") : query.dst.text === "::1") &&
      node.addresses.some((a) => a.text === query.dst.text)
    : ctx.nodePortIPs.some((a) => a.text === query.dst.text);
  let clusterIpOwner: ServicePortInfo | undefined;
  let match: {
    sp: ServicePortInfo;
    entry: "ClusterIP" | "NodePort" | "external IP" | "load-balancer IP";
  } | undefined;
  // The proxier's address ownership: an external or LB IP refused to a Service is not its entry point.
  const claims = new AddressClaims();
  claims.setServiceCidrs(cidrs);
  const reads = new Map<string, ReturnType<typeof readService>>();
  for (const [key, svc] of state.objects("Service")) {
    const read = readService(svc, ignore);
    reads.set(key, read);
    claims.update(key, read.claims);
  }
  for (const [key, read] of reads) {
    for (const sp of claims.filterPorts(key, read.ports)) {
      const cip = sp.clusterIPs.find((c) => c.family === fam);
      if (!cip) continue;
      if (cip.text === query.dst.text) clusterIpOwner ??= sp;
      if (sp.protocol !== query.protocol) continue;
      if (cip.text === query.dst.text && sp.port === query.port) match = { sp, entry: "ClusterIP" };
      else if (sp.port === query.port && sp.externalIPs.some((a) => a.text === query.dst.text)) {
        match = { sp, entry: "external IP" };
      } else if (
        sp.port === query.port && sp.loadBalancerIPs.some((a) => a.text === query.dst.text)
      ) {
        match = { sp, entry: "load-balancer IP" };
      } else if (sp.nodePort === query.port && isNodePortAddr) match = { sp, entry: "NodePort" };
      if (match) break;
    }
    if (match) break;
  }
  if (!match) {
    if (clusterIpOwner) {
      return {
        ...base,
        verdict: "REJECT",
        reason:
          `${query.dst.text} is the ClusterIP of Service ${clusterIpOwner.serviceKey}, which does not serve ${query.protocol}/${query.port}`,
      };
    }
    const inCidr = ctx.serviceCIDRs.find((c) => cidrContains(c, query.dst));
    if (inCidr) {
      return {
        ...base,
        verdict: "DROP",
        reason:
          `${query.dst.text} is inside the service CIDR ${inCidr.text} but allocated to no Service`,
      };
    }
    return base;
  }
  const { sp, entry } = match;
  const out: Explanation = {
    ...base,
    service: `${sp.serviceKey} port ${sp.portName || sp.port}/${sp.protocol}`,
    entryPoint: `${entry} ${
      entry === "NodePort" ? `${query.dst.text}:${sp.nodePort}` : `${query.dst.text}:${sp.port}`
    }`,
  };
  const ranges = firewallRanges(sp, fam);
  // As the renderer: only this family's ranges count; without any, there is no firewall.
  if (entry === "load-balancer IP" && ranges.length > 0) {
    const coversNode = ranges.some((r) => node.addresses.some((a) => cidrContains(r, a)));
    const allowed = ranges.some((r) => cidrContains(r, query.src)) ||
      (coversNode && sp.loadBalancerIPs.some((a) => a.text === query.src.text));
    out.policies.push(
      `loadBalancerSourceRanges ${ranges.map((r) => r.text).join(", ") || "(none in this family)"}`,
    );
    if (!allowed) {
      return { ...out, verdict: "DROP", reason: "the source is outside loadBalancerSourceRanges" };
    }
  }
  const slices = [...state.objects("EndpointSlice").values()].filter((s) =>
    sliceServiceKey(s as EndpointSlice) === sp.serviceKey && !isIgnoredSlice(s as EndpointSlice)
  ) as EndpointSlice[];
  const endpoints = mergeEndpointSlices(slices, ignore).get(portKey(sp.protocol, sp.portName)) ??
    [];
  // The renderer's own decision for this service port in this family.
  const policy = decideServicePort(sp, endpoints, {
    family: fam,
    node: ctx.node,
    servesNodePorts: ctx.nodePortAll || ctx.nodePortIPs.length > 0,
  })!;
  const cat = policy.categorized;
  if (cat.topology) {
    out.policies.push(`topology: ${cat.topology} (zone ${node.zone || "none"}, node ${node.name})`);
  }
  let action: EntryAction;
  if (entry === "ClusterIP") {
    action = policy.internal;
    out.policies.push(`internalTrafficPolicy ${sp.internalPolicyLocal ? "Local" : "Cluster"}`);
  } else {
    out.policies.push(`externalTrafficPolicy ${sp.externalPolicyLocal ? "Local" : "Cluster"}`);
    // Short-circuit: what `services` sends to `shortcut-ips` (pods, when detected, and the node).
    const shortCircuited = (src.kind === "pod" && ctx.podSource !== undefined) ||
      src.kind === "node";
    if (policy.shortcut && shortCircuited) {
      action = policy.shortcut;
      out.policies.push(`short-circuit: ${src.kind} traffic goes to cluster-wide endpoints`);
    } else action = policy.external!;
  }
  if (action.action !== "dnat") {
    return {
      ...out,
      verdict: action.action === "reject" ? "REJECT" : "DROP",
      reason: action.reason,
    };
  }
  const eps = action.endpoints;
  out.candidates = describe(eps);
  out.masquerade = masqueradeOf(action.masquerade, src.kind, settings.masqueradeAll, ctx);
  if (eps.some((e) => e.ip.text === query.src.text && mayHairpin(e, ctx.node))) {
    out.masquerade = { yes: true, reason: "hairpin: the client is one of the endpoints" };
  }
  if (sp.affinityTimeoutSeconds > 0) out.affinity = `ClientIP, ${sp.affinityTimeoutSeconds}s`;
  return {
    ...out,
    verdict: "DNAT",
    reason: `DNAT to one of ${eps.length} ${
      action.set === "local" ? "local " : ""
    }endpoint(s), chosen at random with equal weight${
      out.affinity ? " (sticky per client IP)" : ""
    }`,
  };
}

function masqueradeOf(
  rule: MasqueradeRule,
  src: Source,
  masqueradeAll: boolean,
  ctx: FamilyContext,
): { yes: boolean; reason: string } {
  switch (rule) {
    case "always":
      return {
        yes: true,
        reason: "external traffic with externalTrafficPolicy Cluster is masqueraded",
      };
    case "never":
      return { yes: false, reason: "externalTrafficPolicy Local preserves the client's source IP" };
    case "node-sources":
      return src === "node"
        ? { yes: true, reason: "traffic from the node itself is masqueraded" }
        : { yes: false, reason: "pod traffic short-circuits to all endpoints" };
    case "non-pod-sources":
      if (masqueradeAll) return { yes: true, reason: "--masquerade-all" };
      if (!ctx.nonPodSource) {
        return {
          yes: false,
          reason: "no local-traffic detection configured: ClusterIP traffic is not masqueraded",
        };
      }
      return src === "pod"
        ? { yes: false, reason: "traffic from a pod keeps its source" }
        : { yes: true, reason: "the source is not a pod" };
  }
}

/**
 * Formats an explanation for a terminal.
 *
 * @example One line per finding, as `kube-proxy explain` prints it
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatExplanation } from "./explain_packet.ts";
 *
 * const text = formatExplanation({
 *   packet: "198.51.100.7 -> 10.96.0.99:80/tcp (IPv4)",
 *   source: "not a pod (outside 10.244.0.0/16) and not a node address",
 *   policies: [],
 *   candidates: [],
 *   verdict: "NOT A SERVICE",
 *   reason: "no Service has this address and port",
 * });
 * assert.match(text, /^packet: +198\.51\.100\.7 -> 10\.96\.0\.99:80\/tcp \(IPv4\)$/m);
 * assert.match(text, /^verdict: +NOT A SERVICE/m);
 * ```
 */
export function formatExplanation(explanation: Explanation): string {
  const lines = [`packet:      ${explanation.packet}`];
  if (explanation.entryPoint) {
    lines.push(`entry point: ${explanation.entryPoint} of Service ${explanation.service}`);
  }
  lines.push(`source:      ${explanation.source}`);
  for (const p of explanation.policies) lines.push(`policy:      ${p}`);
  if (explanation.candidates.length > 0) {
    lines.push("candidates:");
    for (const c of explanation.candidates) {
      lines.push(`  - ${c.address}:${c.port} on ${c.node} (${c.state})`);
    }
  }
  if (explanation.affinity) lines.push(`affinity:    ${explanation.affinity}`);
  if (explanation.masquerade) {
    lines.push(
      `masquerade:  ${
        explanation.masquerade.yes ? "yes" : "no"
      } (${explanation.masquerade.reason})`,
    );
  }
  lines.push(`verdict:     ${explanation.verdict}: ${explanation.reason}`);
  return lines.join("\n");
}
