/**
 * The desired UDP state the reconciler compares conntrack with: for every UDP
 * service port and IP family, the service addresses, the NodePort and the
 * serving endpoints.
 *
 * "Serving" is the only test, as upstream: traffic policies, topology and
 * terminating state decide where NEW flows go, never whether an existing flow
 * must go. A terminating endpoint that still serves keeps its flows.
 *
 * @module
 */

import type { EndpointSlice, Service } from "../model/kube_types.ts";
import { readService } from "../model/service_port.ts";
import {
  isIgnoredSlice,
  mergeEndpointSlices,
  portKey,
  sliceServiceKey,
} from "../model/endpoints.ts";
import { parseProtocol } from "../model/problems.ts";
import { endpointKey, type FlowFamily } from "./flow.ts";

/** One UDP service port in one IP family. */
export interface UdpServicePortState {
  family: FlowFamily;
  /** ClusterIPs, external IPs and load-balancer IPs of this family (canonical text). */
  serviceIPs: string[];
  port: number;
  /** 0 when the port has no NodePort. */
  nodePort: number;
  /**
   * {@linkcode endpointKey}`(ip, port)` of every serving endpoint of this family: ready or not,
   * terminating or not, on any node.
   */
  servingEndpoints: ReadonlySet<string>;
}

function hasUdpPort(svc: Service): boolean {
  const ports = svc.spec?.ports;
  return Array.isArray(ports) && ports.some((p) => parseProtocol(p?.protocol) === "udp");
}

const ignoreProblems = () => {};

/**
 * The desired UDP state of a cluster: every UDP port of every programmed
 * Service, per family. Invalid fields are skipped silently here (the proxier
 * reports them); Services without UDP ports cost one look at their ports.
 */
export function udpServiceStates(
  services: Iterable<Service>,
  slices: Iterable<EndpointSlice>,
): UdpServicePortState[] {
  const udpServices = new Map<string, Service>();
  for (const svc of services) {
    if (!hasUdpPort(svc)) continue;
    udpServices.set(`${svc.metadata?.namespace}/${svc.metadata?.name}`, svc);
  }
  if (udpServices.size === 0) return [];
  const slicesBy = new Map<string, EndpointSlice[]>();
  for (const slice of slices) {
    const key = sliceServiceKey(slice);
    if (!key || !udpServices.has(key) || isIgnoredSlice(slice)) continue;
    let list = slicesBy.get(key);
    if (!list) slicesBy.set(key, list = []);
    list.push(slice);
  }
  const out: UdpServicePortState[] = [];
  for (const [key, svc] of udpServices) {
    const { ports } = readService(svc, ignoreProblems);
    const udpPorts = ports.filter((p) => p.protocol === "udp");
    if (udpPorts.length === 0) continue;
    const endpoints = mergeEndpointSlices(slicesBy.get(key) ?? [], ignoreProblems);
    for (const sp of udpPorts) {
      const eps = (endpoints.get(portKey("udp", sp.portName)) ?? []).filter((e) => e.serving);
      for (const family of [4, 6] as const) {
        // A family is served only where the Service has a ClusterIP of it (as upstream's
        // per-family service maps).
        if (!sp.clusterIPs.some((ip) => ip.family === family)) continue;
        const serviceIPs = [...sp.clusterIPs, ...sp.externalIPs, ...sp.loadBalancerIPs]
          .filter((ip) => ip.family === family).map((ip) => ip.text);
        out.push({
          family,
          serviceIPs,
          port: sp.port,
          nodePort: sp.nodePort,
          servingEndpoints: new Set(
            eps.filter((e) => e.ip.family === family).map((e) => endpointKey(e.ip.text, e.port)),
          ),
        });
      }
    }
  }
  return out;
}
