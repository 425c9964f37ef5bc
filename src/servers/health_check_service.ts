/**
 * What one health check node port reports, and its validation.
 *
 * The count is upstream's `LocalReadyEndpoints`: the number of unique IP
 * addresses among the Service's ready endpoints on this node, over all of
 * its ports. A pod behind a Service with ports 80 and 443 is one endpoint
 * here, not two. {@linkcode countUniqueIPs} computes it from endpoint
 * addresses.
 *
 * @module
 */

/** What one health check port reports. */
export interface HealthCheckService {
  namespace: string;
  name: string;
  /**
   * Unique IP addresses of the Service's ready endpoints on this node, over
   * all its ports (a pod serving two ports counts once).
   */
  localEndpointIPs?: number;
  /** @deprecated the same count under its old name; use {@linkcode localEndpointIPs}. */
  localEndpoints?: number;
}

/** A validated {@linkcode HealthCheckService} with the count in `localEndpoints`. */
export interface NormalizedHealthCheckService {
  namespace: string;
  name: string;
  localEndpoints: number;
}

/** Counts the distinct addresses in `ips` (e.g. the local ready endpoints of every port). */
export function countUniqueIPs(ips: Iterable<string>): number {
  return new Set(ips).size;
}

function countOf(svc: HealthCheckService): number | undefined {
  return svc.localEndpointIPs ?? svc.localEndpoints;
}

/**
 * Checks one `port → Service` entry.
 *
 * @throws {RangeError} naming the port and Service when the port is not
 * 1-65535, the namespace or name is empty, or the count is not an integer >= 0
 * (or both count fields are given and differ).
 */
export function checkHealthCheckEntry(port: number, svc: HealthCheckService): void {
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new RangeError(`Cannot serve health checks: port must be 1-65535, got ${port}`);
  }
  if (
    typeof svc?.namespace !== "string" || svc.namespace === "" || typeof svc.name !== "string" ||
    svc.name === ""
  ) {
    throw new RangeError(
      `Cannot serve health checks on port ${port}: namespace and name are required`,
    );
  }
  const n = countOf(svc);
  if (!Number.isInteger(n) || n! < 0) {
    throw new RangeError(
      `Cannot serve health checks for ${svc.namespace}/${svc.name}: localEndpointIPs must be an integer >= 0, got ${n}`,
    );
  }
  if (
    svc.localEndpointIPs !== undefined && svc.localEndpoints !== undefined &&
    svc.localEndpointIPs !== svc.localEndpoints
  ) {
    throw new RangeError(
      `Cannot serve health checks for ${svc.namespace}/${svc.name}: localEndpointIPs (${svc.localEndpointIPs}) and localEndpoints (${svc.localEndpoints}) differ`,
    );
  }
}

/** A copy of a checked entry, detached from the caller's object. */
export function normalizeHealthCheckService(svc: HealthCheckService): NormalizedHealthCheckService {
  return { namespace: svc.namespace, name: svc.name, localEndpoints: countOf(svc)! };
}
