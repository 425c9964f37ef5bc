/**
 * Reads Kubernetes objects from YAML or JSON manifests: one file, or every
 * `.yaml`, `.yml` and `.json` file of a directory (not recursive), with
 * multi-document files and `kind: List` (or any `*List` with `items`)
 * flattened. Objects of the watched kinds are kept; other kinds are counted;
 * malformed objects are skipped with a problem naming the file and line.
 *
 * @module
 */

import type { KubeObject } from "../../model/kube_types.ts";
import type { ObjectKind } from "../cluster_state.ts";
import { describeValue, objectProblem } from "../object_meta.ts";
import { ManifestError } from "./manifest_error.ts";
import { parseYamlDocuments } from "./yaml_documents.ts";

export { ManifestError } from "./manifest_error.ts";

/** One object of a manifest and where it starts. */
export interface ManifestEntry {
  obj: KubeObject;
  file: string;
  /** 1-based line of its document (for an item of a List, the List's). */
  line?: number;
}

/** The watched objects of one file (or several), by kind. */
export interface ManifestObjects {
  byKind: Map<ObjectKind, KubeObject[]>;
  /** Objects of other kinds or API versions. */
  ignored: number;
  files: string[];
  /** Malformed objects that were skipped, e.g. `a.yaml:7: Service: no metadata.name`. */
  problems: string[];
}

const KINDS: Record<string, { kind: ObjectKind; apiVersions: string[]; namespaced: boolean }> = {
  Service: { kind: "Service", apiVersions: ["v1"], namespaced: true },
  EndpointSlice: { kind: "EndpointSlice", apiVersions: ["discovery.k8s.io/v1"], namespaced: true },
  Node: { kind: "Node", apiVersions: ["v1"], namespaced: false },
  ServiceCIDR: {
    kind: "ServiceCIDR",
    apiVersions: ["networking.k8s.io/v1", "networking.k8s.io/v1beta1"],
    namespaced: false,
  },
};

/** An empty {@linkcode ManifestObjects}. */
export function emptyManifestObjects(): ManifestObjects {
  return {
    byKind: new Map([["Service", []], ["EndpointSlice", []], ["Node", []], ["ServiceCIDR", []]]),
    ignored: 0,
    files: [],
    problems: [],
  };
}

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
    if (entry.isFile && isManifestName(entry.name)) {
      out.push(`${path.replace(/\/+$/, "")}/${entry.name}`);
    }
  }
  return out.sort();
}

/** Whether a directory entry named `name` is read as a manifest. */
export function isManifestName(name: string): boolean {
  return /\.(ya?ml|json)$/.test(name) && !name.startsWith(".");
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * The documents of a file's text: JSON (a subset of YAML) through the native
 * parser, everything else through the YAML reader.
 */
function documents(file: string, text: string): { value: unknown; line?: number }[] {
  // At 10k Services a manifest is tens of MB: JSON.parse is the fastest reader there is.
  if (/^\s*[{[]/.test(text)) {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      value = undefined; // not strict JSON (e.g. YAML flow style): the YAML reader decides
    }
    if (value !== undefined) {
      return (Array.isArray(value) ? value : [value]).map((v) => ({ value: v, line: undefined }));
    }
  }
  return parseYamlDocuments(file, text);
}

/**
 * Parses one manifest file's text into its objects, `List`s flattened.
 * Malformed list items are reported through `problems` and left out.
 *
 * @throws {ManifestError} for text that is not YAML or JSON, or a document that is not an object.
 */
export function parseManifestEntries(
  file: string,
  text: string,
  problems: string[] = [],
): ManifestEntry[] {
  const out: ManifestEntry[] = [];
  const where = (line?: number) => `${file}${line ? `:${line}` : ""}`;
  const flatten = (obj: Record<string, unknown>, line: number | undefined) => {
    const kind = obj.kind;
    const items = obj.items;
    const listLike = Array.isArray(items) || items === undefined || items === null;
    if (kind === "List" || (typeof kind === "string" && kind.endsWith("List") && listLike)) {
      if (items === undefined || items === null) return;
      if (!Array.isArray(items)) {
        problems.push(
          `${where(line)}: List: items is not a list (${describeValue(items)}); skipped`,
        );
        return;
      }
      items.forEach((item, i) => {
        if (isRecord(item)) flatten(item, line);
        else problems.push(`${where(line)}: ${kind}: items[${i}] is not an object; skipped`);
      });
    } else out.push({ obj: obj as KubeObject, file, line });
  };
  for (const doc of documents(file, text)) {
    if (doc.value === null || doc.value === undefined) continue;
    if (!isRecord(doc.value)) throw new ManifestError(file, doc.line, "document is not an object");
    flatten(doc.value, doc.line);
  }
  return out;
}

/** Parses one manifest file's text into objects; throws {@linkcode ManifestError}. */
export function parseManifestText(file: string, text: string): KubeObject[] {
  return parseManifestEntries(file, text).map((e) => e.obj);
}

/** The watched kind of an object, or undefined for anything else. */
export function watchedKindOf(obj: KubeObject): ObjectKind | undefined {
  const k = typeof obj.kind === "string" ? KINDS[obj.kind] : undefined;
  return k && k.apiVersions.includes(obj.apiVersion as string) ? k.kind : undefined;
}

/**
 * Sorts entries into `into`: watched kinds are checked (a malformed object
 * becomes a problem and is skipped) and get their namespace defaulted
 * ("default" for namespaced kinds, none for cluster-scoped ones).
 */
export function addEntries(entries: Iterable<ManifestEntry>, into: ManifestObjects): void {
  for (const { obj, file, line } of entries) {
    const kind = watchedKindOf(obj);
    if (!kind) {
      into.ignored++;
      continue;
    }
    const problem = objectProblem(obj, { resourceVersion: false });
    if (problem) {
      into.problems.push(`${file}${line ? `:${line}` : ""}: ${kind}: ${problem}; skipped`);
      continue;
    }
    const meta = obj.metadata!;
    if (KINDS[kind].namespaced) meta.namespace ||= "default";
    else delete meta.namespace;
    into.byKind.get(kind)!.push(obj);
  }
}

/** Reads a file's text; throws {@linkcode ManifestError}. */
export async function readManifestFile(file: string): Promise<string> {
  try {
    return await Deno.readTextFile(file);
  } catch (e) {
    throw new ManifestError(file, undefined, `cannot read: ${(e as Error).message}`, { cause: e });
  }
}

/**
 * Reads every object under `path` (no caching; see ManifestCache for re-reads).
 *
 * @example Read the objects of a file, by kind, without a cluster state
 * ```ts
 * import assert from "node:assert/strict";
 * import { readManifests } from "./read_manifests.ts";
 *
 * const file = await Deno.makeTempFile({ suffix: ".yaml" });
 * try {
 *   await Deno.writeTextFile(file, "apiVersion: v1\nkind: Node\nmetadata: {name: worker-0}\n");
 *   const objects = await readManifests(file);
 *   assert.equal(objects.byKind.get("Node")?.[0].metadata?.name, "worker-0");
 *   assert.deepEqual(objects.files, [file]);
 * } finally {
 *   await Deno.remove(file);
 * }
 * ```
 */
export async function readManifests(path: string): Promise<ManifestObjects> {
  const out = emptyManifestObjects();
  out.files = await manifestFiles(path);
  for (const file of out.files) {
    const text = await readManifestFile(file);
    addEntries(parseManifestEntries(file, text, out.problems), out);
  }
  return out;
}
