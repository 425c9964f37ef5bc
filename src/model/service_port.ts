/**
 * Reads a v1 Service into the service ports the proxy programs. Skips what
 * the proxy must ignore (headless, ExternalName, other proxies' services) and
 * validates every field that reaches the ruleset.
 *
 * @module
 */

import type { Service } from "./kube_types.ts";
import { SERVICE_PROXY_NAME_LABEL } from "./kube_types.ts";
import { type Cidr, type IpAddr, tryParseCidr, tryParseIp } from "./ip.ts";
import {
  isDnsLabel,
  isPort,
  isPortName,
  parseProtocol,
  type ProblemSink,
  type Protocol,
} from "./problems.ts";

/** Default sessionAffinity ClientIP timeout, as upstream (3 hours). */
export const DEFAULT_AFFINITY_TIMEOUT_SECONDS = 10800;

/** One port of one Service, validated. */
export interface ServicePortInfo {
  /** Unique and stable: `namespace/name/protocol/portName-or-number`. */
  id: string;
  /** `namespace/name` of the Service. */
  serviceKey: string;
  namespace: string;
  name: string;
  /** "" when the port is unnamed. */
  portName: string;
  protocol: Protocol;
  port: number;
  /** 0 when none. */
  nodePort: number;
  clusterIPs: IpAddr[];
  externalIPs: IpAddr[];
  /** status.loadBalancer.ingress IPs, except ipMode Proxy. */
  loadBalancerIPs: IpAddr[];
  /** Empty means no firewall. */
  loadBalancerSourceRanges: Cidr[];
  /** True when ranges were given (even if every one was invalid: then nothing is allowed). */
  hasSourceRanges: boolean;
  /** 0 when there is no ClientIP affinity. */
  affinityTimeoutSeconds: number;
  /** externalTrafficPolicy Local on a NodePort/LoadBalancer Service. */
  externalPolicyLocal: boolean;
  /** internalTrafficPolicy Local. */
  internalPolicyLocal: boolean;
  /** 0 when none. */
  healthCheckNodePort: number;
}

/** Why a whole Service was not programmed, when it is deliberate (not an error). */
export type SkipReason = "headless" | "external-name" | "other-proxy" | "no-cluster-ip";

/** Result of reading a Service. */
export interface ReadServiceResult {
  ports: ServicePortInfo[];
  skipped?: SkipReason;
}

/** Reads one Service. Invalid fields are reported to `report` and skipped. */
export function readService(svc: Service, report: ProblemSink): ReadServiceResult {
  const ns = svc.metadata?.namespace ?? "";
  const name = svc.metadata?.name ?? "";
  const object = `Service ${ns}/${name}`;
  const bad = (field: string, message: string) => report({ object, field, message });

  if (svc.metadata?.labels?.[SERVICE_PROXY_NAME_LABEL] !== undefined) {
    return { ports: [], skipped: "other-proxy" };
  }
  const spec = svc.spec ?? {};
  if (spec.type === "ExternalName") return { ports: [], skipped: "external-name" };
  if (!isDnsLabel(ns)) {
    return bad("metadata.namespace", `invalid namespace ${JSON.stringify(ns)}`), { ports: [] };
  }
  if (!isDnsLabel(name)) {
    return bad("metadata.name", `invalid name ${JSON.stringify(name)}`), { ports: [] };
  }

  const ipTexts = spec.clusterIPs?.length
    ? spec.clusterIPs
    : spec.clusterIP
    ? [spec.clusterIP]
    : [];
  if (ipTexts.some((t) => t === "None")) return { ports: [], skipped: "headless" };
  if (ipTexts.length === 0) return { ports: [], skipped: "no-cluster-ip" };
  const clusterIPs: IpAddr[] = [];
  for (const [i, t] of ipTexts.entries()) {
    const ip = tryParseIp(t);
    if (!ip) {
      bad(
        spec.clusterIPs?.length ? `spec.clusterIPs[${i}]` : "spec.clusterIP",
        `invalid IP ${JSON.stringify(t)}`,
      );
      return { ports: [] };
    }
    if (!clusterIPs.some((c) => c.family === ip.family)) clusterIPs.push(ip);
  }

  const ipList = (list: unknown, field: string): IpAddr[] => {
    if (list === undefined || list === null) return [];
    if (!Array.isArray(list)) return bad(field, "not a list"), [];
    const out: IpAddr[] = [];
    list.forEach((t, i) => {
      const ip = tryParseIp(t);
      if (!ip) bad(`${field}[${i}]`, `invalid IP ${JSON.stringify(t)}`);
      else if (!out.some((o) => o.text === ip.text)) out.push(ip);
    });
    return out;
  };
  const externalIPs = ipList(spec.externalIPs, "spec.externalIPs");

  const isLB = spec.type === "LoadBalancer";
  const loadBalancerIPs: IpAddr[] = [];
  if (isLB) {
    (svc.status?.loadBalancer?.ingress ?? []).forEach((ing, i) => {
      if (!ing?.ip) return; // hostname-only ingress: nothing to program
      if (ing.ipMode === "Proxy") return;
      const ip = tryParseIp(ing.ip);
      if (!ip) bad(`status.loadBalancer.ingress[${i}].ip`, `invalid IP ${JSON.stringify(ing.ip)}`);
      else if (!loadBalancerIPs.some((o) => o.text === ip.text)) loadBalancerIPs.push(ip);
    });
  }
  const loadBalancerSourceRanges: Cidr[] = [];
  const rangeTexts = isLB && Array.isArray(spec.loadBalancerSourceRanges)
    ? spec.loadBalancerSourceRanges
    : [];
  rangeTexts.forEach((t, i) => {
    const c = tryParseCidr(t);
    if (!c) bad(`spec.loadBalancerSourceRanges[${i}]`, `invalid CIDR ${JSON.stringify(t)}`);
    else loadBalancerSourceRanges.push(c);
  });

  const hasNodePorts = spec.type === "NodePort" || isLB;
  // Externally accessible: NodePort/LoadBalancer, or any Service with external IPs (as upstream).
  const externalPolicyLocal = (hasNodePorts || externalIPs.length > 0) &&
    spec.externalTrafficPolicy === "Local";
  let affinityTimeoutSeconds = 0;
  if (spec.sessionAffinity === "ClientIP") {
    const t = spec.sessionAffinityConfig?.clientIP?.timeoutSeconds;
    if (t === undefined || t === null) affinityTimeoutSeconds = DEFAULT_AFFINITY_TIMEOUT_SECONDS;
    else if (Number.isInteger(t) && t >= 1 && t <= 86400) affinityTimeoutSeconds = t;
    else {
      bad(
        "spec.sessionAffinityConfig.clientIP.timeoutSeconds",
        `must be 1..86400, got ${JSON.stringify(t)}`,
      );
      affinityTimeoutSeconds = DEFAULT_AFFINITY_TIMEOUT_SECONDS;
    }
  }
  let healthCheckNodePort = 0;
  if (externalPolicyLocal && spec.healthCheckNodePort !== undefined) {
    if (isPort(spec.healthCheckNodePort)) healthCheckNodePort = spec.healthCheckNodePort;
    else {bad(
        "spec.healthCheckNodePort",
        `invalid port ${JSON.stringify(spec.healthCheckNodePort)}`,
      );}
  }

  const ports: ServicePortInfo[] = [];
  const ids = new Set<string>();
  (Array.isArray(spec.ports) ? spec.ports : []).forEach((p, i) => {
    const field = `spec.ports[${i}]`;
    const protocol = parseProtocol(p?.protocol);
    if (!protocol) {
      return bad(`${field}.protocol`, `unknown protocol ${JSON.stringify(p?.protocol)}`);
    }
    if (!isPort(p?.port)) {
      return bad(`${field}.port`, `port out of range: ${JSON.stringify(p?.port)}`);
    }
    const portName = p.name ?? "";
    if (portName !== "" && !isPortName(portName)) {
      return bad(`${field}.name`, `invalid port name ${JSON.stringify(portName)}`);
    }
    let nodePort = 0;
    if (hasNodePorts && p.nodePort !== undefined && p.nodePort !== 0) {
      if (isPort(p.nodePort)) nodePort = p.nodePort;
      else bad(`${field}.nodePort`, `port out of range: ${JSON.stringify(p.nodePort)}`);
    }
    const id = `${ns}/${name}/${protocol}/${portName || String(p.port)}`;
    if (ids.has(id)) {
      return bad(field, `duplicate port ${JSON.stringify(portName || p.port)}/${protocol}`);
    }
    ids.add(id);
    ports.push({
      id,
      serviceKey: `${ns}/${name}`,
      namespace: ns,
      name,
      portName,
      protocol,
      port: p.port,
      nodePort,
      clusterIPs,
      externalIPs,
      loadBalancerIPs,
      loadBalancerSourceRanges,
      hasSourceRanges: rangeTexts.length > 0,
      affinityTimeoutSeconds,
      externalPolicyLocal,
      internalPolicyLocal: spec.internalTrafficPolicy === "Local",
      healthCheckNodePort,
    });
  });
  return { ports };
}
