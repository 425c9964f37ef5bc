/**
 * A complete, paged list of one collection: follows `continue` tokens, and
 * falls back to one unpaged list when a token expires (410) midway. Items
 * that are not well-formed objects of the listed kind are left out and
 * reported; a body that is not a list at all is an error (and retried).
 *
 * @module
 */

import type { KubeObject } from "../../model/kube_types.ts";
import type { ApiClient } from "./api_client.ts";
import { ApiStatusError } from "./errors.ts";
import { describeObject, describeValue, servedObjectProblem } from "../object_meta.ts";

/** Options of {@linkcode listAll}. */
export interface ListOptions {
  /** Kind of the listed objects (items of another kind are skipped). */
  kind: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Items per page; 0 disables paging. */
  pageSize: number;
  /** Timeout of each page request. */
  timeoutMs: number;
  signal?: AbortSignal;
  /** Answer "absent" instead of throwing on 404. */
  optional: boolean;
}

/** All items and the list's resourceVersion. */
export interface ListResult {
  items: KubeObject[];
  resourceVersion: string;
  /** Items left out, one message each (`default/web: metadata.namespace is not a string ...`). */
  skipped: string[];
}

interface ListBody {
  apiVersion?: string;
  kind?: string;
  resourceVersion: string;
  continue?: string;
  items: unknown[];
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Checks the shape of a list body; throws ApiStatusError(200) for one that is not a list. */
function listBody(path: string, body: unknown): ListBody {
  const bad = (what: string) => new ApiStatusError(200, undefined, `list ${path}: ${what}`);
  if (!isRecord(body)) throw bad(`response is not an object (${describeValue(body)})`);
  const meta = body.metadata;
  if (!isRecord(meta) || typeof meta.resourceVersion !== "string" || !meta.resourceVersion) {
    throw bad("response without metadata.resourceVersion");
  }
  const cont = meta.continue;
  if (cont !== undefined && cont !== null && typeof cont !== "string") {
    throw bad(`metadata.continue is not a string (${describeValue(cont)})`);
  }
  const items = body.items ?? [];
  if (!Array.isArray(items)) throw bad(`items is not a list (${describeValue(items)})`);
  return {
    apiVersion: typeof body.apiVersion === "string" ? body.apiVersion : undefined,
    kind: typeof body.kind === "string" ? body.kind : undefined,
    resourceVersion: meta.resourceVersion,
    continue: cont || undefined,
    items,
  };
}

async function page(
  client: ApiClient,
  path: string,
  query: Record<string, string | undefined>,
  opts: ListOptions,
): Promise<ListBody> {
  const abort = new AbortController();
  const onAbort = () => abort.abort(opts.signal?.reason);
  opts.signal?.addEventListener("abort", onAbort);
  const timer = setTimeout(
    () => abort.abort(new Error(`list ${path} timed out after ${opts.timeoutMs} ms`)),
    opts.timeoutMs,
  );
  try {
    const res = await client.get(path, query, abort.signal);
    return listBody(path, await res.json());
  } catch (e) {
    throw abort.signal.aborted && abort.signal.reason instanceof Error ? abort.signal.reason : e;
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener("abort", onAbort);
  }
}

/** Lists every item of `path` (all pages). */
export async function listAll(
  client: ApiClient,
  path: string,
  opts: ListOptions,
): Promise<ListResult | "absent"> {
  let paged = opts.pageSize > 0;
  while (true) {
    const items: KubeObject[] = [];
    const skipped: string[] = [];
    let cont: string | undefined;
    let body: ListBody;
    try {
      do {
        body = await page(client, path, {
          labelSelector: opts.labelSelector,
          fieldSelector: opts.fieldSelector,
          limit: paged ? String(opts.pageSize) : undefined,
          continue: cont,
        }, opts);
        for (const item of body.items) {
          const obj = withTypeMeta(item, body);
          const problem = servedObjectProblem(opts.kind, obj);
          if (problem) skipped.push(`${describeObject(obj)}: ${problem}`);
          else items.push(obj as KubeObject);
        }
        cont = body.continue;
      } while (cont);
    } catch (e) {
      if (!(e instanceof ApiStatusError)) throw e;
      if (e.code === 404 && opts.optional) return "absent";
      if (e.isGone && cont && paged) {
        paged = false; // the continue token expired: take one consistent unpaged list
        continue;
      }
      throw e;
    }
    return { items, resourceVersion: body!.resourceVersion, skipped };
  }
}

/** List items usually lack kind/apiVersion; fill them in from the list's. */
function withTypeMeta(item: unknown, list: ListBody): unknown {
  if (!isRecord(item)) return item;
  if (item.apiVersion === undefined && list.apiVersion) item.apiVersion = list.apiVersion;
  if (item.kind === undefined && list.kind?.endsWith("List")) item.kind = list.kind.slice(0, -4);
  return item;
}
