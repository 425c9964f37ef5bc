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

/** Service `i` (namespace "bench"). */
export function makeService(i: number): Service {
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
      ports: [{ name: "http", protocol: "TCP", port: SERVICE_PORT, targetPort: TARGET_PORT }],
    },
  };
}

/** The EndpointSlice of service `i` holding `addresses` (all ready). */
export function makeSlice(i: number, addresses: string[], resourceVersion = "1"): EndpointSlice {
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
    ports: [{ name: "http", protocol: "TCP", port: TARGET_PORT }],
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
  const services: Service[] = [];
  const slices: EndpointSlice[] = [];
  for (let i = 0; i < o.services; i++) {
    services.push(makeService(i));
    const last = i === o.services - 1 && o.lastServiceEndpoints;
    slices.push(makeSlice(i, last ? o.lastServiceEndpoints! : defaultEndpoints(i, per)));
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
