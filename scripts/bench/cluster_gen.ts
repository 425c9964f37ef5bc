/**
 * Generated clusters for the benchmarks: N ClusterIP Services (TCP/80 →
 * 8080) with E endpoints each, one EndpointSlice per Service, and this
 * node's Node object, as plain Kubernetes objects.
 *
 * Address plan (all inside the netns harness plan, never routed outside):
 * Service i has ClusterIP 10.96.0.0 + 1 + i; its endpoint j is
 * 10.128.0.0 + i·E + j (cluster CIDR 10.128.0.0/9, which also holds the
 * harness pods' 10.244.1.0/24). The node is "node-a", 198.51.100.10.
 *
 * @module
 */

import type { EndpointSlice, Node, Service } from "../../src/model/kube_types.ts";
import { ClusterState } from "../../src/source/cluster_state.ts";
import { configFromFlags } from "../../src/config/resolve_config.ts";
import { proxySettingsFrom } from "../../src/config/proxy_settings_from.ts";
import type { ProxySettings } from "../../src/plan/proxy_settings.ts";

/** Node name used by every generated cluster. */
export const NODE_NAME = "node-a";
/** The node's primary address (the netns harness's "node"). */
export const NODE_IP = "198.51.100.10";
/** Cluster CIDR given to the proxy (pod traffic is not masqueraded). */
export const CLUSTER_CIDR = "10.128.0.0/9";
/** Service port and endpoint (target) port. */
export const SERVICE_PORT = 80;
export const TARGET_PORT = 8080;

/** Dotted IPv4 text of a 32-bit number. */
export function ipv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
}

const SVC_BASE = (10 << 24 | 96 << 16) >>> 0;
const EP_BASE = (10 << 24 | 128 << 16) >>> 0;

/** ClusterIP of service `i`. */
export function serviceIp(i: number): string {
  if (!Number.isInteger(i) || i < 0 || i >= 1_000_000) {
    throw new RangeError(`bad service index ${i}`);
  }
  return ipv4(SVC_BASE + 1 + i);
}

/** Address of endpoint `j` of service `i` with `perService` endpoints each. */
export function endpointIp(i: number, j: number, perService = 10): string {
  return ipv4(EP_BASE + i * perService + j);
}

/** Name of service `i`. */
export function serviceName(i: number): string {
  return `svc-${i}`;
}

/** Service `i` (namespace "bench"), TCP unless `protocol` says otherwise. */
export function makeService(i: number, protocol: "TCP" | "UDP" = "TCP"): Service {
  const ip = serviceIp(i);
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: serviceName(i), namespace: "bench", resourceVersion: "1" },
    spec: {
      type: "ClusterIP",
      clusterIP: ip,
      clusterIPs: [ip],
      ipFamilies: ["IPv4"],
      ports: [{ name: "http", protocol, port: SERVICE_PORT, targetPort: TARGET_PORT }],
    },
  };
}

/** The EndpointSlice of service `i` holding `addresses` (all ready). */
export function makeSlice(
  i: number,
  addresses: string[],
  resourceVersion = "1",
  protocol: "TCP" | "UDP" = "TCP",
): EndpointSlice {
  return {
    apiVersion: "discovery.k8s.io/v1",
    kind: "EndpointSlice",
    metadata: {
      name: `${serviceName(i)}-abcde`,
      namespace: "bench",
      resourceVersion,
      labels: { "kubernetes.io/service-name": serviceName(i) },
    },
    addressType: "IPv4",
    endpoints: addresses.map((a, j) => ({
      addresses: [a],
      conditions: { ready: true, serving: true, terminating: false },
      nodeName: j % 2 === 0 ? NODE_NAME : "node-b",
    })),
    ports: [{ name: "http", protocol, port: TARGET_PORT }],
  };
}

/** The default endpoint addresses of service `i`. */
export function defaultEndpoints(i: number, perService = 10): string[] {
  return Array.from({ length: perService }, (_, j) => endpointIp(i, j, perService));
}

/** This node's Node object. */
export function makeNode(): Node {
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name: NODE_NAME, resourceVersion: "1", labels: {} },
    spec: { podCIDR: "10.244.1.0/24", podCIDRs: ["10.244.1.0/24"] },
    status: { addresses: [{ type: "InternalIP", address: NODE_IP }] },
  };
}

/** Options of {@linkcode generateObjects}. */
export interface GenerateOptions {
  services: number;
  /** @default 10 */
  endpointsPerService?: number;
  /** Endpoint addresses of the LAST service instead of the generated ones. */
  lastServiceEndpoints?: string[];
  /**
   * Services 0..K-1 get 1..K endpoints instead of `endpointsPerService`, so that
   * every endpoint count up to K is in use, as in a real cluster (each count has
   * its shared selection chain). @default 0
   */
  spreadCounts?: number;
  /** Every n-th Service (index % n === n - 1) is UDP; 0 for none. @default 0 */
  udpEvery?: number;
}

/** Endpoint count of service `i` under options `o`. */
export function endpointCount(i: number, o: Omit<GenerateOptions, "services">): number {
  const spread = o.spreadCounts ?? 0;
  return i < spread ? i + 1 : o.endpointsPerService ?? 10;
}

/** Protocol of service `i` under options `o`. */
export function protocolOf(i: number, o: Omit<GenerateOptions, "services">): "TCP" | "UDP" {
  const n = o.udpEvery ?? 0;
  return n > 0 && i % n === n - 1 ? "UDP" : "TCP";
}

/** Every object of a generated cluster. */
export function generateObjects(
  o: GenerateOptions,
): { services: Service[]; slices: EndpointSlice[]; node: Node } {
  if (!Number.isInteger(o.services) || o.services < 1) {
    throw new RangeError(
      `generateObjects: 'services' must be a positive integer, got ${o.services}`,
    );
  }
  const per = o.endpointsPerService ?? 10;
  // Address blocks wide enough for the largest count, so that no two Services share an address.
  const stride = Math.max(per, o.spreadCounts ?? 0);
  const services: Service[] = [];
  const slices: EndpointSlice[] = [];
  for (let i = 0; i < o.services; i++) {
    const proto = protocolOf(i, o);
    services.push(makeService(i, proto));
    const last = i === o.services - 1 && o.lastServiceEndpoints;
    const eps = last
      ? o.lastServiceEndpoints!
      : defaultEndpoints(i, stride).slice(0, endpointCount(i, o));
    slices.push(makeSlice(i, eps, "1", proto));
  }
  return { services, slices, node: makeNode() };
}

/** A fresh ClusterState holding a generated cluster. */
export function generateState(o: GenerateOptions): ClusterState {
  const state = new ClusterState();
  const { services, slices, node } = generateObjects(o);
  state.upsert("Node", node);
  state.replaceAll("Service", services);
  state.replaceAll("EndpointSlice", slices);
  return state;
}

/** Proxy settings of the benchmarks (upstream defaults, cluster CIDR set). */
export function benchSettings(): ProxySettings {
  return proxySettingsFrom(
    configFromFlags([`--cluster-cidr=${CLUSTER_CIDR}`, `--hostname-override=${NODE_NAME}`]),
  );
}
