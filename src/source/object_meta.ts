/**
 * Checks of the few fields every source relies on before an object enters
 * the cluster state: the object is a JSON object, `metadata` is an object,
 * `metadata.name` a non-empty string, `metadata.namespace` (when present) and
 * `metadata.resourceVersion` (when present) strings. Whatever an API server,
 * a proxy in front of it or a manifest file sends, an object failing them is
 * skipped with a message naming it, and every other object is kept.
 *
 * @module
 */

import type { KubeObject } from "../model/kube_types.ts";

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Options of {@linkcode objectProblem}. */
export interface ObjectProblemOptions {
  /** Check `metadata.resourceVersion` (manifests replace it, so they skip the check). @default true */
  resourceVersion?: boolean;
}

/**
 * What is wrong with `obj` as a Kubernetes object, or undefined when it can
 * be stored: e.g. `"metadata.name is not a string (number 42)"`.
 */
export function objectProblem(
  obj: unknown,
  options: ObjectProblemOptions = {},
): string | undefined {
  if (!isRecord(obj)) return `not an object (${describeValue(obj)})`;
  const meta = obj.metadata;
  if (!isRecord(meta)) {
    return meta === undefined
      ? "no metadata"
      : `metadata is not an object (${describeValue(meta)})`;
  }
  if (typeof meta.name !== "string") {
    return meta.name === undefined
      ? "no metadata.name"
      : `metadata.name is not a string (${describeValue(meta.name)})`;
  }
  if (meta.name === "") return "metadata.name is empty";
  if (
    meta.namespace !== undefined && meta.namespace !== null && typeof meta.namespace !== "string"
  ) {
    return `metadata.namespace is not a string (${describeValue(meta.namespace)})`;
  }
  const rv = meta.resourceVersion;
  if (
    options.resourceVersion !== false && rv !== undefined && rv !== null && typeof rv !== "string"
  ) {
    return `metadata.resourceVersion is not a string (${describeValue(rv)})`;
  }
  return undefined;
}

/**
 * {@linkcode objectProblem} for an object served as `kind` by the API
 * server: also an object that says it is of another kind is refused.
 */
export function servedObjectProblem(kind: string, obj: unknown): string | undefined {
  const problem = objectProblem(obj);
  if (problem) return problem;
  const k = (obj as { kind?: unknown }).kind;
  if (k !== undefined && k !== kind) return `kind is ${describeValue(k)}, not ${kind}`;
  return undefined;
}

/** Whether `obj` passes {@linkcode objectProblem}. */
export function isValidObject(obj: unknown): obj is KubeObject {
  return objectProblem(obj) === undefined;
}

/**
 * A short name for logs of an object that may be malformed: `ns/name` when
 * both are strings, else whatever string parts exist, else `(unnamed)`.
 */
export function describeObject(obj: unknown): string {
  const meta = isRecord(obj) && isRecord(obj.metadata) ? obj.metadata : undefined;
  const name = typeof meta?.name === "string" && meta.name !== "" ? meta.name : undefined;
  const ns = typeof meta?.namespace === "string" && meta.namespace !== ""
    ? meta.namespace
    : undefined;
  if (name) return ns ? `${ns}/${name}` : name;
  return ns ? `${ns}/(unnamed)` : "(unnamed)";
}

/** A value's type and a short excerpt, for messages (never more than 40 characters of it). */
export function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return `array of ${value.length}`;
  if (typeof value === "object") return "object";
  if (typeof value === "string") {
    return `string ${JSON.stringify(value.length > 40 ? value.slice(0, 40) + "…" : value)}`;
  }
  return `${typeof value} ${String(value).slice(0, 40)}`;
}
