/**
 * Builders of Kubernetes objects for tests: Services, EndpointSlices, Nodes
 * and ServiceCIDRs as the API server would serve them, and a writer that
 * puts them in a manifest file for `--manifests`.
 *
 * @module
 */

import type { EndpointSlice, KubeObject, Node, Service } from "../../src/model/kube_types.ts";

/** One endpoint of a slice. */
export interface EndpointArg {
  ip: string;
  node?: string;
  ready?: boolean | null;
  serving?: boolean | null;
  terminating?: boolean | null;
  zone?: string;
  forZones?: string[];
  forNodes?: string[];
}

/** A port of a Service: name, protocol, port, target port, node port. */
export interface PortArg {
  name?: string;
  protocol?: "TCP" | "UDP" | "SCTP";
  port: number;
  targetPort?: number;
  nodePort?: number;
}

/** A v1 Service. `spec` fields override the defaults. */
export function service(
  name: string,
  clusterIPs: string[],
  ports: PortArg[],
  spec: Service["spec"] = {},
  extra: Partial<Service> = {},
): Service {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name, namespace: "default", resourceVersion: "1" },
    spec: {
      type: "ClusterIP",
      clusterIP: clusterIPs[0],
      clusterIPs,
      ipFamilies: clusterIPs.map((ip) => (ip.includes(":") ? "IPv6" : "IPv4")),
      ports: ports.map((p) => ({
        name: p.name,
        protocol: p.protocol ?? "TCP",
        port: p.port,
        targetPort: p.targetPort ?? p.port,
        nodePort: p.nodePort,
      })),
      ...spec,
    },
    ...extra,
  };
}

/** A discovery.k8s.io/v1 EndpointSlice of Service `svc`. */
export function endpointSlice(
  name: string,
  svc: string,
  family: 4 | 6,
  ports: { name?: string; protocol?: "TCP" | "UDP" | "SCTP"; port: number }[],
  endpoints: EndpointArg[],
): EndpointSlice {
  return {
    apiVersion: "discovery.k8s.io/v1",
    kind: "EndpointSlice",
    metadata: {
      name,
      namespace: "default",
      labels: { "kubernetes.io/service-name": svc },
      resourceVersion: "1",
    },
    addressType: family === 4 ? "IPv4" : "IPv6",
    ports: ports.map((p) => ({ name: p.name ?? "", protocol: p.protocol ?? "TCP", port: p.port })),
    endpoints: endpoints.map((e) => ({
      addresses: [e.ip],
      conditions: {
        ready: e.ready === undefined ? true : e.ready,
        serving: e.serving,
        terminating: e.terminating,
      },
      nodeName: e.node ?? "node",
      zone: e.zone,
      hints: e.forZones || e.forNodes
        ? {
          forZones: e.forZones?.map((z) => ({ name: z })),
          forNodes: e.forNodes?.map((n) => ({ name: n })),
        }
        : undefined,
    })),
  };
}

/** A v1 Node with addresses, pod CIDRs and a zone. */
export function node(name: string, addresses: string[], podCIDRs: string[], zone = "zone-a"): Node {
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name, labels: { "topology.kubernetes.io/zone": zone }, resourceVersion: "1" },
    spec: { podCIDR: podCIDRs[0], podCIDRs },
    status: { addresses: addresses.map((address) => ({ type: "InternalIP", address })) },
  };
}

/** A networking.k8s.io/v1 ServiceCIDR. */
export function serviceCIDR(name: string, cidrs: string[]): KubeObject {
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "ServiceCIDR",
    metadata: { name, resourceVersion: "1" },
    spec: { cidrs },
  } as KubeObject;
}

/** Writes objects as a `kind: List` JSON manifest (valid YAML) atomically. */
export async function writeManifest(path: string, objects: KubeObject[]): Promise<void> {
  const tmp = `${path}.tmp`;
  await Deno.writeTextFile(
    tmp,
    JSON.stringify({ apiVersion: "v1", kind: "List", items: objects }, null, 1),
  );
  await Deno.rename(tmp, path);
}
