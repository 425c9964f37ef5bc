/**
 * Decodes a `KubeProxyConfiguration` file (`kubeproxy.config.k8s.io/v1alpha1`)
 * as upstream kube-proxy does: strictly first; when that fails only because of
 * unknown or duplicate fields, leniently, with a warning naming them. A value
 * of the wrong type fails, naming the field and the file.
 *
 * Decoding does not apply defaults: `draft_from_file.ts` does, as upstream's
 * `SetDefaults_KubeProxyConfiguration` (zero, empty and null mean "default").
 *
 * @module
 */

import { parse } from "yaml";
import { ConfigError, invalidValue } from "./config_error.ts";
import { parseDuration } from "./duration.ts";
import { type FieldType, FILE_FIELDS } from "./file_schema.ts";
import { fileOrigin } from "./origin.ts";

/** The API group/version this proxy reads. */
export const CONFIG_API_VERSION = "kubeproxy.config.k8s.io/v1alpha1";
/** The kind this proxy reads. */
export const CONFIG_KIND = "KubeProxyConfiguration";

/** A decoded field value: as the Go type would hold it, durations in ms, `null` for nil pointers. */
export type FieldValue =
  | string
  | boolean
  | number
  | null
  | string[]
  | Record<string, boolean>
  | unknown;

/** A decoded configuration file. */
export interface DecodedConfigFile {
  /** The path, as given to `--config`. */
  file: string;
  /** The text that was decoded (compared by the file watcher). */
  text: string;
  /** Every leaf field present in the file, by dotted path. */
  fields: Map<string, FieldValue>;
  /** Unknown fields, by dotted path (decoded leniently, as upstream). */
  unknown: string[];
  /** Warnings for the log (lenient decoding). */
  warnings: string[];
}

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function decodeLeaf(file: string, field: string, type: FieldType, v: unknown): FieldValue {
  const bad = (want: string) => invalidValue(fileOrigin(file, field), v, want);
  switch (type) {
    case "string":
      if (v === null) return "";
      if (typeof v !== "string") throw bad("want a string");
      return v;
    case "bool":
    case "bool?":
      if (v === null) return type === "bool" ? false : null;
      if (typeof v !== "boolean") throw bad("want true or false");
      return v;
    case "int":
    case "int?":
      if (v === null) return type === "int" ? 0 : null;
      if (typeof v !== "number" || !Number.isSafeInteger(v)) throw bad("want an integer");
      return v;
    case "float":
      if (v === null) return 0;
      if (typeof v !== "number" || !Number.isFinite(v)) throw bad("want a number");
      return v;
    case "duration":
    case "duration?": {
      if (v === null) return type === "duration" ? 0 : null;
      const ms = parseDuration(v);
      if (ms === undefined) throw bad("want a duration such as 30s, 1m30s or 500ms");
      return ms;
    }
    case "timeOrDuration": {
      if (v === null) return 0;
      if (typeof v === "number" && Number.isFinite(v) && v >= 0) return v / 1e6;
      const ms = parseDuration(v);
      if (ms === undefined) throw bad("want a duration such as 5s, or nanoseconds");
      return ms;
    }
    case "strings":
      if (v === null) return [];
      if (!Array.isArray(v) || !v.every((x) => typeof x === "string")) {
        throw bad("want a list of strings");
      }
      return v as string[];
    case "boolMap":
      if (v === null) return {};
      if (!isObj(v) || !Object.values(v).every((x) => typeof x === "boolean")) {
        throw bad("want a map of names to true or false");
      }
      return v as Record<string, boolean>;
    case "quantity":
      if (v === null || typeof v === "number" || typeof v === "string") return v;
      throw bad("want a quantity such as 0 or 64Ki");
    case "any":
    case "object":
      return v;
  }
}

function parseYaml(file: string, text: string): { doc: unknown; duplicates: boolean } {
  const yamlError = (e: unknown) =>
    new ConfigError(`${file}: YAML error: ${(e as Error).message.split("\n")[0]}`, { cause: e });
  try {
    return { doc: parse(text), duplicates: false };
  } catch (e) {
    if ((e as { code?: string }).code !== "DUPLICATE_KEY") throw yamlError(e);
    // Upstream's strict decoder refuses duplicate fields; the lenient one keeps the last.
    try {
      return { doc: parse(text, { uniqueKeys: false }), duplicates: true };
    } catch (e2) {
      throw yamlError(e2);
    }
  }
}

/**
 * Decodes the text of a configuration file. `file` names it in messages.
 *
 * @throws {ConfigError} on a YAML error, a wrong kind or apiVersion, or a
 * value of the wrong type (naming the field and the file).
 */
export function decodeConfigFile(file: string, text: string): DecodedConfigFile {
  const { doc, duplicates } = parseYaml(file, text);
  if (!isObj(doc)) throw new ConfigError(`${file}: not a ${CONFIG_KIND} object`);
  if (doc.kind !== CONFIG_KIND) {
    throw invalidValue(fileOrigin(file, "kind"), doc.kind ?? null, `want ${CONFIG_KIND}`);
  }
  if (doc.apiVersion !== CONFIG_API_VERSION) {
    throw invalidValue(
      fileOrigin(file, "apiVersion"),
      doc.apiVersion ?? null,
      `want ${CONFIG_API_VERSION}`,
    );
  }
  const fields = new Map<string, FieldValue>();
  const unknown: string[] = [];
  const walk = (obj: Obj, prefix: string) => {
    for (const [k, v] of Object.entries(obj)) {
      const path = prefix ? `${prefix}.${k}` : k;
      const type = FILE_FIELDS[path];
      if (type === undefined) unknown.push(path);
      else if (type === "object") {
        if (isObj(v)) walk(v, path);
        else if (v !== null) throw invalidValue(fileOrigin(file, path), v, "want an object");
      } else fields.set(path, decodeLeaf(file, path, type, v));
    }
  };
  walk(doc, "");
  const warnings: string[] = [];
  if (unknown.length > 0 || duplicates) {
    const what = [
      unknown.length > 0 ? `unknown fields ${unknown.join(", ")}` : "",
      duplicates ? "duplicate fields (the last one is used)" : "",
    ].filter((s) => s !== "").join("; ");
    warnings.push(
      `${file}: strict decoding failed, decoded leniently as kube-proxy does: ${what}`,
    );
  }
  return { file, text, fields, unknown, warnings };
}
