/**
 * The subset of Kubernetes object shapes the proxy reads, as they appear in
 * JSON from the API server or in YAML manifests. Every field is optional and
 * untrusted: the model validates each one before use.
 *
 * @module
 */

/** Object metadata. */
export interface ObjectMeta {
  name?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  /** RFC 3339 time, e.g. `2024-05-01T10:00:00Z`; decides who owns a contested address. */
  creationTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  deletionTimestamp?: string;
}

/** Any object with metadata. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
}

/** v1 ServicePort. */
export interface ServicePortSpec {
  name?: string;
  protocol?: string;
  port?: number;
  targetPort?: number | string;
  nodePort?: number;
  appProtocol?: string;
}

/** v1 Service. */
export interface Service extends KubeObject {
  spec?: {
    type?: string;
    clusterIP?: string;
    clusterIPs?: string[];
    ipFamilies?: string[];
    ports?: ServicePortSpec[];
    externalIPs?: string[];
    externalName?: string;
    loadBalancerIP?: string;
    loadBalancerSourceRanges?: string[];
    sessionAffinity?: string;
    sessionAffinityConfig?: { clientIP?: { timeoutSeconds?: number } };
    externalTrafficPolicy?: string;
    internalTrafficPolicy?: string;
    healthCheckNodePort?: number;
    trafficDistribution?: string;
  };
  status?: {
    loadBalancer?: { ingress?: { ip?: string; hostname?: string; ipMode?: string }[] };
  };
}

/** discovery.k8s.io/v1 Endpoint. */
export interface EndpointSpec {
  addresses?: string[];
  conditions?: { ready?: boolean | null; serving?: boolean | null; terminating?: boolean | null };
  nodeName?: string;
  zone?: string;
  hints?: { forZones?: { name?: string }[]; forNodes?: { name?: string }[] };
}

/** discovery.k8s.io/v1 EndpointPort. */
export interface EndpointPortSpec {
  name?: string | null;
  protocol?: string;
  port?: number | null;
  appProtocol?: string;
}

/** discovery.k8s.io/v1 EndpointSlice. */
export interface EndpointSlice extends KubeObject {
  addressType?: string;
  endpoints?: EndpointSpec[] | null;
  ports?: EndpointPortSpec[] | null;
}

/** v1 Node. */
export interface Node extends KubeObject {
  spec?: { podCIDR?: string; podCIDRs?: string[] };
  status?: { addresses?: { type?: string; address?: string }[] };
}

/** networking.k8s.io/v1 ServiceCIDR. */
export interface ServiceCIDR extends KubeObject {
  spec?: { cidrs?: string[] };
}

/** Label naming the proxy that owns a Service; set means "not ours". */
export const SERVICE_PROXY_NAME_LABEL = "service.kubernetes.io/service-proxy-name";
/** Label on EndpointSlices of headless Services. */
export const HEADLESS_LABEL = "service.kubernetes.io/headless";
/** Label linking an EndpointSlice to its Service. */
export const SERVICE_NAME_LABEL = "kubernetes.io/service-name";
/** Node label carrying the topology zone. */
export const ZONE_LABEL = "topology.kubernetes.io/zone";
