/**
 * Bodies the fake API server answers with: metav1.Status errors and the
 * discovery documents (`/version`, `/api`, `/apis`, `/api/v1`, ...).
 *
 * @module
 */

import { apiVersionOf, type ResourceDef } from "./resources.ts";

/** A metav1.Status failure body. */
export function statusBody(code: number, reason: string, message: string): Record<string, unknown> {
  return {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message,
    reason,
    code,
  };
}

/** The `/version` document. */
export function versionInfo(): Record<string, unknown> {
  return {
    major: "1",
    minor: "33",
    gitVersion: "v1.33.0-fake",
    gitCommit: "0000000000000000000000000000000000000000",
    gitTreeState: "clean",
    buildDate: "2025-01-01T00:00:00Z",
    goVersion: "go1.24.0",
    compiler: "gc",
    platform: "linux/amd64",
  };
}

/** The `/api` document (core group versions). */
export function coreVersions(serverAddress: string): Record<string, unknown> {
  return {
    kind: "APIVersions",
    versions: ["v1"],
    serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress }],
  };
}

/** The `/apis` document (named groups of the enabled resources). */
export function groupList(defs: readonly ResourceDef[]): Record<string, unknown> {
  const groups = new Map<string, Set<string>>();
  for (const d of defs) {
    if (d.group) groups.set(d.group, (groups.get(d.group) ?? new Set()).add(d.version));
  }
  return {
    kind: "APIGroupList",
    apiVersion: "v1",
    groups: [...groups].map(([name, versions]) => {
      const vs = [...versions].map((v) => ({ groupVersion: `${name}/${v}`, version: v }));
      return { name, versions: vs, preferredVersion: vs[0] };
    }),
  };
}

/** An APIResourceList for one group/version, or undefined when nothing is served there. */
export function resourceList(
  defs: readonly ResourceDef[],
  group: string,
  version: string,
): Record<string, unknown> | undefined {
  const here = defs.filter((d) => d.group === group && d.version === version);
  if (here.length === 0 && !(group === "" && version === "v1")) return undefined;
  return {
    kind: "APIResourceList",
    apiVersion: "v1",
    groupVersion: group ? `${group}/${version}` : version,
    resources: here.map((d) => ({
      name: d.resource,
      singularName: d.singular,
      namespaced: d.namespaced,
      kind: d.kind,
      verbs: ["get", "list", "watch"],
    })),
  };
}

/** The list document for a resource. */
export function listBody(
  def: ResourceDef,
  resourceVersion: number,
  items: unknown[],
  cont?: string,
): Record<string, unknown> {
  const metadata: Record<string, unknown> = { resourceVersion: String(resourceVersion) };
  if (cont) metadata.continue = cont;
  return { kind: `${def.kind}List`, apiVersion: apiVersionOf(def), metadata, items };
}
