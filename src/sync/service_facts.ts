/**
 * What the rest of the proxy needs to know about one Service after it is
 * rendered, as upstream's update results carry it: its health-check node
 * port with the number of local ready endpoints, its ports whose Local policy
 * has endpoints elsewhere only, and its UDP ports with their serving
 * endpoints (for conntrack cleanup). A pure function of the model and the
 * renderer's decisions.
 *
 * @module
 */

import type { ServicePortInfo } from "../model/service_port.ts";
import type { EndpointsByPort } from "../model/endpoints.ts";
import { portKey } from "../model/endpoints.ts";
import type { Family } from "../model/ip.ts";
import type { ServiceDecisions } from "../plan/family_plan.ts";

/** The health-check node port of a Service with externalTrafficPolicy Local. */
export interface HealthCheckTarget {
  port: number;
  namespace: string;
  name: string;
  /** Unique IPs of this node's ready endpoints, over all ports and families. */
  localEndpoints: number;
}

/** A UDP service port in one family, as conntrack cleanup needs it. */
export interface UdpServicePort {
  family: Family;
  /** ClusterIP, external IPs and LB IPs of this family. */
  serviceIPs: string[];
  port: number;
  /** 0 when none. */
  nodePort: number;
  /** `ip:port` (IPv6 in brackets) of every serving endpoint, whatever the policies. */
  servingEndpoints: string[];
}

/** The facts of one Service. */
export interface ServiceFacts {
  healthCheck?: HealthCheckTarget;
  /**
   * Service ports whose internal / external Local policy has no local endpoint but some
   * elsewhere, per family (counted as upstream's `no_local_endpoints_total`).
   */
  noLocalEndpoints: { family: Family; policy: "internal" | "external"; portId: string }[];
  udp: UdpServicePort[];
}

/** Derives a Service's facts from its ports, endpoints and every family's decisions. */
export function serviceFacts(
  ports: readonly ServicePortInfo[],
  endpoints: EndpointsByPort,
  decisions: readonly ServiceDecisions[],
): ServiceFacts {
  const facts: ServiceFacts = { noLocalEndpoints: [], udp: [] };
  const localIPs = new Set<string>();
  for (const sp of ports) {
    for (const d of decisions) {
      const p = d.get(sp.id);
      if (!p) continue;
      for (const ep of p.categorized.local ?? []) if (ep.ready) localIPs.add(ep.ip.text);
      if (sp.internalPolicyLocal && p.internal.action === "drop") {
        facts.noLocalEndpoints.push({ family: p.family, policy: "internal", portId: sp.id });
      }
      if (sp.externalPolicyLocal && p.external?.action === "drop") {
        facts.noLocalEndpoints.push({ family: p.family, policy: "external", portId: sp.id });
      }
      if (sp.protocol === "udp") {
        const all = endpoints.get(portKey(sp.protocol, sp.portName)) ?? [];
        facts.udp.push({
          family: p.family,
          serviceIPs: [p.clusterIP.text, ...p.externalIPs.map((ip) => ip.text)],
          port: sp.port,
          nodePort: p.nodePort,
          servingEndpoints: all.filter((ep) => ep.serving && ep.ip.family === p.family).map((
            ep,
          ) => (ep.ip.family === 6 ? `[${ep.ip.text}]:${ep.port}` : `${ep.ip.text}:${ep.port}`)),
        });
      }
    }
  }
  const hc = ports.find((sp) => sp.healthCheckNodePort > 0);
  if (hc) {
    facts.healthCheck = {
      port: hc.healthCheckNodePort,
      namespace: hc.namespace,
      name: hc.name,
      localEndpoints: localIPs.size,
    };
  }
  return facts;
}
