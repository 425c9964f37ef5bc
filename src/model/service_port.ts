/**
 * Reads a v1 Service into the service ports the proxy programs. Skips what
 * the proxy must ignore (headless, ExternalName, other proxies' services) and
 * type-checks and validates every field it reads: the input is any JSON
 * value, and the function never throws. A bad field is reported and skipped;
 * a Service that cannot be programmed at all (no valid ClusterIP, bad name)
 * is reported and yields no ports.
 *
 * `spec.trafficDistribution` is deliberately not read: as upstream, the
 * proxy follows the EndpointSlice hints that the EndpointSlice controller
 * derives from it (see `categorize.ts`).
 *
 * @module
 */

import { HEADLESS_LABEL, SERVICE_PROXY_NAME_LABEL } from "./kube_types.ts";
import type { Cidr, Family, IpAddr } from "./ip.ts";
import {
  isDnsLabel,
  isPort,
  isPortName,
  parseProtocol,
  type ProblemSink,
  type Protocol,
} from "./problems.ts";
import { describe, hasLabel, isObject, labelsOf, typeName } from "./_json.ts";
import { type FieldReporter, fieldReporter } from "./_reporter.ts";
import { readIpList, readLoadBalancerIngress, readSourceRanges } from "./_service_addresses.ts";
import { readAffinity, readAge, readClusterIPs, readPolicy } from "./_service_fields.ts";
import type { ServiceClaims } from "./address_claims.ts";

export { DEFAULT_AFFINITY_TIMEOUT_SECONDS } from "./_service_fields.ts";

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
  /** At most one per family, primary family first. */
  clusterIPs: IpAddr[];
  externalIPs: IpAddr[];
  /** status.loadBalancer.ingress IPs in VIP mode (ipMode unset or `VIP`). */
  loadBalancerIPs: IpAddr[];
  /**
   * The valid loadBalancerSourceRanges of both families (LoadBalancer
   * Services only); invalid ones are reported and left out, as upstream
   * ignores them. Read them per family with {@linkcode firewallRanges}.
   */
  loadBalancerSourceRanges: Cidr[];
  /**
   * @deprecated Not per family: true when some valid range exists in either
   * family. Use {@linkcode firewallRanges}: a family with no valid range has
   * no firewall.
   */
  hasSourceRanges: boolean;
  /** 0 when there is no ClientIP affinity. */
  affinityTimeoutSeconds: number;
  /** externalTrafficPolicy Local on a NodePort/LoadBalancer Service or one with external IPs. */
  externalPolicyLocal: boolean;
  /** internalTrafficPolicy Local. */
  internalPolicyLocal: boolean;
  /** 0 when none. */
  healthCheckNodePort: number;
}

/**
 * The loadBalancerSourceRanges that firewall this port's load-balancer IPs
 * of `family`. Empty means no firewall for that family: as upstream, ranges
 * of the other family and invalid ones do not count, so an IPv4 load balancer
 * whose ranges are all IPv6 accepts every IPv4 client.
 */
export function firewallRanges(sp: ServicePortInfo, family: Family): Cidr[] {
  return sp.loadBalancerSourceRanges.filter((c) => c.family === family);
}

/** Why a whole Service was not programmed, when it is deliberate (not an error). */
export type SkipReason = "headless" | "external-name" | "other-proxy" | "no-cluster-ip";

/** Result of reading a Service. */
export interface ReadServiceResult {
  ports: ServicePortInfo[];
  skipped?: SkipReason;
  /**
   * The addresses the Service claims, for {@linkcode AddressClaims}. Set
   * whenever it has a valid ClusterIP, even when no port survived (it still
   * owns its ClusterIP).
   */
  claims?: ServiceClaims;
}

const TYPES = new Set(["ClusterIP", "NodePort", "LoadBalancer", "ExternalName"]);

/**
 * Reads one Service (any JSON value). Invalid fields are reported to `report` and skipped.
 *
 * @example Read a Service, with its problems reported by field
 * ```ts
 * import assert from "node:assert/strict";
 * import { readService } from "./service_port.ts";
 * import { formatProblem, type ModelProblem } from "./problems.ts";
 *
 * const problems: ModelProblem[] = [];
 * const { ports } = readService({
 *   metadata: { namespace: "default", name: "web" },
 *   spec: {
 *     clusterIP: "10.96.0.10",
 *     ports: [{ name: "http", port: 80 }, { name: "bad", port: 70000 }],
 *   },
 * }, (p) => problems.push(p));
 * assert.deepEqual(ports.map((p) => `${p.protocol}/${p.port}`), ["tcp/80"]);
 * assert.equal(
 *   formatProblem(problems[0]),
 *   "Service default/web: spec.ports[1].port: port out of range: 70000",
 * );
 * ```
 */
export function readService(svc: unknown, report: ProblemSink): ReadServiceResult {
  const bad = fieldReporter("Service", svc, report);
  try {
    return read(svc, bad);
  } finally {
    bad.finish();
  }
}

function read(svc: unknown, bad: FieldReporter): ReadServiceResult {
  const none: ReadServiceResult = { ports: [] };
  if (!isObject(svc)) return bad("", `must be an object, got ${typeName(svc)}`), none;
  const meta = svc.metadata;
  if (!isObject(meta)) return bad("metadata", `must be an object, got ${typeName(meta)}`), none;
  const labels = labelsOf(meta, bad);
  if (hasLabel(labels, SERVICE_PROXY_NAME_LABEL)) return { ports: [], skipped: "other-proxy" };
  // Upstream's informers select `!service.kubernetes.io/headless` for Services too.
  if (hasLabel(labels, HEADLESS_LABEL)) return { ports: [], skipped: "headless" };
  const spec = svc.spec;
  if (!isObject(spec)) return bad("spec", `must be an object, got ${typeName(spec)}`), none;
  let type = spec.type ?? "ClusterIP";
  if (typeof type !== "string" || !TYPES.has(type)) {
    bad("spec.type", `unknown type ${describe(type)}; read as ClusterIP`);
    type = "ClusterIP";
  }
  if (type === "ExternalName") return { ports: [], skipped: "external-name" };
  const ns = meta.namespace, name = meta.name;
  if (!isDnsLabel(ns)) return bad("metadata.namespace", `invalid namespace ${describe(ns)}`), none;
  if (!isDnsLabel(name)) return bad("metadata.name", `invalid name ${describe(name)}`), none;

  const cluster = readClusterIPs(spec, bad);
  if (cluster === "headless" || cluster === "no-cluster-ip") return { ports: [], skipped: cluster };
  if (cluster.length === 0) return none;

  const isLB = type === "LoadBalancer";
  const hasNodePorts = type === "NodePort" || isLB;
  const external = readIpList(spec.externalIPs, "spec.externalIPs", bad);
  const lb = isLB ? readLoadBalancerIngress(svc.status, bad) : { ips: [], fields: [] };
  const ranges = isLB ? readSourceRanges(spec.loadBalancerSourceRanges, bad) : [];
  const externalPolicyLocal =
    readPolicy(spec.externalTrafficPolicy, "spec.externalTrafficPolicy", bad) &&
    (hasNodePorts || external.ips.length > 0);
  const internalPolicyLocal = readPolicy(
    spec.internalTrafficPolicy,
    "spec.internalTrafficPolicy",
    bad,
  );
  const affinityTimeoutSeconds = readAffinity(spec, bad);
  let healthCheckNodePort = 0;
  const hc = spec.healthCheckNodePort;
  if (externalPolicyLocal && hc !== undefined && hc !== null && hc !== 0) {
    if (isPort(hc)) healthCheckNodePort = hc;
    else bad("spec.healthCheckNodePort", `invalid port ${describe(hc)}`);
  }

  const ports = readPorts(spec.ports, hasNodePorts, bad, {
    serviceKey: `${ns}/${name}`,
    namespace: ns,
    name,
    clusterIPs: cluster,
    externalIPs: external.ips,
    loadBalancerIPs: lb.ips,
    loadBalancerSourceRanges: ranges,
    hasSourceRanges: ranges.length > 0,
    affinityTimeoutSeconds,
    externalPolicyLocal,
    internalPolicyLocal,
    healthCheckNodePort,
  });
  const claims: ServiceClaims = {
    ...readAge(meta, bad),
    clusterIPs: cluster,
    ports: ports.map((sp) => ({ protocol: sp.protocol, port: sp.port })),
    externalIPs: external.ips.map((ip, i) => ({ ip, field: external.fields[i] })),
    loadBalancerIPs: lb.ips.map((ip, i) => ({ ip, field: lb.fields[i] })),
  };
  return { ports, claims };
}

type SharedPortFields = Omit<ServicePortInfo, "id" | "portName" | "protocol" | "port" | "nodePort">;

/** Reads `spec.ports`; every port shares `shared` (the Service's addresses and policies). */
function readPorts(
  raw: unknown,
  hasNodePorts: boolean,
  bad: FieldReporter,
  shared: SharedPortFields,
): ServicePortInfo[] {
  const ports: ServicePortInfo[] = [];
  // The API server requires ports of every Service but a headless one (skipped before this).
  if (raw === undefined || raw === null || (Array.isArray(raw) && raw.length === 0)) {
    return bad("spec.ports", "no ports: nothing to program"), ports;
  }
  if (!Array.isArray(raw)) return bad("spec.ports", `must be a list, got ${typeName(raw)}`), ports;
  const ids = new Set<string>();
  for (let i = 0; i < raw.length; i++) {
    const p = raw[i];
    const field = `spec.ports[${i}]`;
    if (!isObject(p)) {
      bad(field, `must be an object, got ${typeName(p)}`);
      continue;
    }
    const protocol = parseProtocol(p.protocol);
    if (!protocol) {
      bad(`${field}.protocol`, `unknown protocol ${describe(p.protocol)}`);
      continue;
    }
    const port = p.port;
    if (!isPort(port)) {
      bad(`${field}.port`, `port out of range: ${describe(port)}`);
      continue;
    }
    const portName = p.name ?? "";
    if (portName !== "" && !isPortName(portName)) {
      bad(`${field}.name`, `invalid port name ${describe(portName)}`);
      continue;
    }
    let nodePort = 0;
    const np = p.nodePort;
    if (hasNodePorts && np !== undefined && np !== null && np !== 0) {
      if (isPort(np)) nodePort = np;
      else bad(`${field}.nodePort`, `port out of range: ${describe(np)}`);
    }
    const id = `${shared.serviceKey}/${protocol}/${portName || String(port)}`;
    if (ids.has(id)) {
      bad(field, `duplicate port ${describe(portName || port)}/${protocol}`);
      continue;
    }
    ids.add(id);
    ports.push({ id, portName: portName as string, protocol, port, nodePort, ...shared });
  }
  return ports;
}
