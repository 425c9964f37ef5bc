/**
 * Reads Kubernetes objects from YAML or JSON manifests: one file, or every
 * `.yaml`, `.yml` and `.json` file of a directory (not recursive), with
 * multi-document files and `kind: List` flattened.
 *
 * @module
 */

import { parseAllDocuments } from "yaml";
import type { KubeObject } from "../../model/kube_types.ts";
import type { ObjectKind } from "../cluster_state.ts";

/** Raised for a manifest that cannot be read or parsed; names the file and line. */
export class ManifestError extends Error {
  readonly file: string;
  readonly line?: number;

  constructor(file: string, line: number | undefined, message: string, options?: ErrorOptions) {
    super(`${file}${line ? `:${line}` : ""}: ${message}`, options);
    this.name = "ManifestError";
    this.file = file;
    this.line = line;
  }
}

/** Objects found in manifests, by kind; other kinds are counted and ignored. */
export interface ManifestObjects {
  byKind: Map<ObjectKind, KubeObject[]>;
  ignored: number;
  files: string[];
}

const KINDS: Record<string, { kind: ObjectKind; apiVersions: string[] }> = {
  Service: { kind: "Service", apiVersions: ["v1"] },
  EndpointSlice: { kind: "EndpointSlice", apiVersions: ["discovery.k8s.io/v1"] },
  Node: { kind: "Node", apiVersions: ["v1"] },
  ServiceCIDR: {
    kind: "ServiceCIDR",
    apiVersions: ["networking.k8s.io/v1", "networking.k8s.io/v1beta1"],
  },
};

/** The files a manifest path stands for, sorted. */
export async function manifestFiles(path: string): Promise<string[]> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(path);
  } catch (e) {
    throw new ManifestError(path, undefined, `cannot read: ${(e as Error).message}`, { cause: e });
  }
  if (!info.isDirectory) return [path];
  const out: string[] = [];
  for await (const entry of Deno.readDir(path)) {
    if (entry.isFile && /\.(ya?ml|json)$/.test(entry.name) && !entry.name.startsWith(".")) {
      out.push(`${path.replace(/\/+$/, "")}/${entry.name}`);
    }
  }
  return out.sort();
}

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** Parses one manifest file's text into objects; throws {@linkcode ManifestError}. */
export function parseManifestText(file: string, text: string): KubeObject[] {
  const out: KubeObject[] = [];
  const flatten = (obj: Record<string, unknown>) => {
    if (
      obj.kind === "List" ||
      (typeof obj.kind === "string" && obj.kind.endsWith("List") && Array.isArray(obj.items))
    ) {
      for (const item of (obj.items as unknown[]) ?? []) {
        if (item && typeof item === "object" && !Array.isArray(item)) {
          flatten(item as Record<string, unknown>);
        }
      }
    } else out.push(obj as KubeObject);
  };
  // JSON (a subset of YAML) is read with the native parser: at 10k Services a
  // manifest is tens of MB, which the YAML parser turns into far more memory and time.
  if (/^\s*[{[]/.test(text)) {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      value = undefined; // not strict JSON (e.g. YAML flow style): the YAML parser decides
    }
    if (value !== undefined) {
      const docs = Array.isArray(value) ? value : [value];
      for (const d of docs) {
        if (d === null || typeof d !== "object" || Array.isArray(d)) {
          throw new ManifestError(file, 1, "document is not an object");
        }
        flatten(d as Record<string, unknown>);
      }
      return out;
    }
  }
  const docs = parseAllDocuments(text, { prettyErrors: false });
  const list = Array.isArray(docs) ? docs : [docs];
  for (const doc of list) {
    if (doc.errors.length > 0) {
      const err = doc.errors[0];
      const line = err.linePos?.[0]?.line ?? lineOf(text, err.pos?.[0] ?? 0);
      throw new ManifestError(file, line, `YAML error: ${err.message.split("\n")[0]}`);
    }
    const value = doc.toJS();
    if (value === null || value === undefined) continue;
    const line = lineOf(text, doc.range?.[0] ?? 0);
    if (typeof value !== "object" || Array.isArray(value)) {
      throw new ManifestError(file, line, "document is not an object");
    }
    flatten(value as Record<string, unknown>);
  }
  return out;
}

/** Reads every object under `path`. */
export async function readManifests(path: string): Promise<ManifestObjects> {
  const files = await manifestFiles(path);
  const byKind = new Map<ObjectKind, KubeObject[]>([["Service", []], ["EndpointSlice", []], [
    "Node",
    [],
  ], ["ServiceCIDR", []]]);
  let ignored = 0;
  for (const file of files) {
    let text: string;
    try {
      text = await Deno.readTextFile(file);
    } catch (e) {
      throw new ManifestError(file, undefined, `cannot read: ${(e as Error).message}`, {
        cause: e,
      });
    }
    for (const obj of parseManifestText(file, text)) {
      const k = typeof obj.kind === "string" ? KINDS[obj.kind] : undefined;
      if (!k || !k.apiVersions.includes(obj.apiVersion ?? "")) {
        ignored++;
        continue;
      }
      if (k.kind === "Service" || k.kind === "EndpointSlice") {
        obj.metadata ??= {};
        obj.metadata.namespace ||= "default";
      }
      byKind.get(k.kind)!.push(obj);
    }
  }
  return { byKind, ignored, files };
}
