/**
 * The resources the fake API server serves, and how request paths map to them.
 *
 * @module
 */

/** One served resource type. */
export interface ResourceDef {
  /** Plural resource name, as in URLs (`services`). */
  resource: string;
  singular: string;
  kind: string;
  /** API group; "" is the core group (`/api/v1`). */
  group: string;
  version: string;
  namespaced: boolean;
}

/** Every resource the fake server knows. */
export const RESOURCES: readonly ResourceDef[] = [
  {
    resource: "services",
    singular: "service",
    kind: "Service",
    group: "",
    version: "v1",
    namespaced: true,
  },
  {
    resource: "endpointslices",
    singular: "endpointslice",
    kind: "EndpointSlice",
    group: "discovery.k8s.io",
    version: "v1",
    namespaced: true,
  },
  {
    resource: "nodes",
    singular: "node",
    kind: "Node",
    group: "",
    version: "v1",
    namespaced: false,
  },
  {
    resource: "servicecidrs",
    singular: "servicecidr",
    kind: "ServiceCIDR",
    group: "networking.k8s.io",
    version: "v1",
    namespaced: false,
  },
];

/** `v1` or `group/version`. */
export function apiVersionOf(def: ResourceDef): string {
  return def.group ? `${def.group}/${def.version}` : def.version;
}

/** Finds a resource by plural name or kind (case-insensitive). */
export function resolveResource(kindOrResource: string): ResourceDef {
  const k = kindOrResource.toLowerCase();
  const def = RESOURCES.find((r) => r.resource === k || r.kind.toLowerCase() === k);
  if (!def) throw new RangeError(`fake API server: unknown resource or kind "${kindOrResource}"`);
  return def;
}

/** A request path resolved to a resource. */
export interface ResourcePath {
  def: ResourceDef;
  namespace?: string;
  name?: string;
}

/**
 * Parses `/api/v1[/namespaces/NS]/RES[/NAME]` and
 * `/apis/G/V[/namespaces/NS]/RES[/NAME]`; undefined when no resource matches.
 */
export function parseResourcePath(pathname: string): ResourcePath | undefined {
  const parts = pathname.split("/").filter((p) => p !== "").map(decodeURIComponent);
  let group: string, version: string, rest: string[];
  if (parts[0] === "api" && parts.length >= 3) {
    [group, version, rest] = ["", parts[1], parts.slice(2)];
  } else if (parts[0] === "apis" && parts.length >= 4) {
    [group, version, rest] = [parts[1], parts[2], parts.slice(3)];
  } else {
    return undefined;
  }
  let namespace: string | undefined;
  if (rest[0] === "namespaces" && rest.length >= 3) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  if (rest.length < 1 || rest.length > 2) return undefined;
  const def = RESOURCES.find((r) =>
    r.group === group && r.version === version && r.resource === rest[0]
  );
  if (!def || (namespace !== undefined && !def.namespaced)) return undefined;
  return { def, namespace, name: rest[1] };
}
