/**
 * A complete, paged list of one collection: follows `continue` tokens, and
 * falls back to one unpaged list when a token expires (410) midway.
 *
 * @module
 */

import type { KubeObject } from "../../model/kube_types.ts";
import type { ApiClient } from "./api_client.ts";
import { ApiStatusError } from "./errors.ts";

/** Options of {@linkcode listAll}. */
export interface ListOptions {
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
}

interface ListBody {
  apiVersion?: string;
  kind?: string;
  metadata?: { resourceVersion?: string; continue?: string };
  items?: KubeObject[] | null;
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
    const body = await res.json() as ListBody;
    if (typeof body !== "object" || body === null || !body.metadata?.resourceVersion) {
      throw new ApiStatusError(
        200,
        undefined,
        `list ${path}: response without metadata.resourceVersion`,
      );
    }
    return body;
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
        for (const item of body.items ?? []) items.push(withTypeMeta(item, body));
        cont = body.metadata?.continue || undefined;
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
    return { items, resourceVersion: body!.metadata!.resourceVersion! };
  }
}

/** List items usually lack kind/apiVersion; fill them in from the list's. */
function withTypeMeta(item: KubeObject, list: ListBody): KubeObject {
  if (typeof item !== "object" || item === null) return item;
  if (!item.apiVersion && list.apiVersion) item.apiVersion = list.apiVersion;
  if (!item.kind && list.kind?.endsWith("List")) item.kind = list.kind.slice(0, -4);
  return item;
}
