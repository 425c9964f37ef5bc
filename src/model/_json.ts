/**
 * Private helpers for reading untrusted JSON values: type guards, owned
 * label lookups, and short, single-line descriptions of bad values for
 * problem messages (a huge or multi-line value must not flood or forge logs).
 *
 * @module
 */

import type { ModelObjectKind } from "./problems.ts";

/** A JSON object: not null, not a list. */
export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** How long a quoted string may get in a message before it is cut. */
const MAX_QUOTED = 64;

/** A short, single-line description of any value, for messages. */
export function describe(v: unknown): string {
  switch (typeof v) {
    case "string":
      return v.length > MAX_QUOTED
        ? `${JSON.stringify(v.slice(0, MAX_QUOTED))}... (${v.length} characters)`
        : JSON.stringify(v);
    case "number":
    case "boolean":
      return String(v);
    case "undefined":
      return "nothing";
    case "object":
      if (v === null) return "null";
      return Array.isArray(v) ? `a list of ${v.length} item(s)` : "an object";
    default:
      return `a ${typeof v}`;
  }
}

/** The JSON type of a value, for "must be X, got Y" messages. */
export function typeName(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  switch (typeof v) {
    case "string":
      return "a string";
    case "number":
      return "a number";
    case "boolean":
      return "a boolean";
    case "object":
      return "an object";
    default:
      return `a ${typeof v}`;
  }
}

const PRINTABLE = /^[A-Za-z0-9._-]{1,253}$/;

function printable(v: unknown): string {
  return typeof v === "string" && PRINTABLE.test(v) ? v : describe(v);
}

/**
 * How problems name an object: `Service default/web`, `Node node-a`. Names
 * that are not plain (nft syntax, newlines, other types) are quoted and cut.
 */
export function objectRef(kind: ModelObjectKind, obj: unknown): string {
  const meta = isObject(obj) && isObject(obj.metadata) ? obj.metadata : undefined;
  const name = printable(meta?.name);
  if (kind === "Node" || kind === "ServiceCIDR") return `${kind} ${name}`;
  return `${kind} ${printable(meta?.namespace)}/${name}`;
}

/**
 * The labels of an object's metadata, when they form a map; undefined when
 * absent. `bad` is called when they are present but not a map.
 */
export function labelsOf(
  meta: unknown,
  bad: (field: string, message: string) => void,
): Record<string, unknown> | undefined {
  if (!isObject(meta)) return undefined;
  const labels = meta.labels;
  if (labels === undefined || labels === null) return undefined;
  if (!isObject(labels)) {
    bad("metadata.labels", `must be a map of strings, got ${typeName(labels)}`);
    return undefined;
  }
  return labels;
}

/** Whether a label map has `key` as its own key (never an inherited property). */
export function hasLabel(labels: Record<string, unknown> | undefined, key: string): boolean {
  return labels !== undefined && Object.hasOwn(labels, key);
}
