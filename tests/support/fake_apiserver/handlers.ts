/**
 * Request routing of the fake API server: discovery, get, list (with
 * selectors and paging) and watch (with resourceVersion replay and 410).
 *
 * @module
 */

import type { IncomingMessage, ServerResponse } from "node:http";
import type { FakeObject, FakeStore } from "./store.ts";
import { parseResourcePath, type ResourceDef } from "./resources.ts";
import { fieldMatcher, labelMatcher, type Matcher, SelectorError } from "./selectors.ts";
import {
  coreVersions,
  groupList,
  listBody,
  resourceList,
  statusBody,
  versionInfo,
} from "./responses.ts";
import type { OpenWatch, WatchSpec } from "./watch.ts";

/** Sends a complete response (JSON unless `body` is a string). */
export type Reply = (status: number, body: unknown) => void;

/** Everything one request needs. */
export interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  authenticated: boolean;
  store: FakeStore;
  enabled: readonly ResourceDef[];
  tooOldMode: "http" | "event";
  tls: boolean;
  bookmarkIntervalMs: number;
  defaultWatchTimeoutSeconds: number;
  host: string;
  reply: Reply;
  openWatch: (spec: WatchSpec, status: number) => OpenWatch;
  /** Rewrites a list body before it is sent (to test clients against odd servers). */
  listTransform?: ListTransform;
}

/** Rewrites the body of a list of `resource`; whatever it returns is sent as JSON. */
export type ListTransform = (resource: string, body: Record<string, unknown>) => unknown;

const NOT_FOUND = statusBody(404, "NotFound", "the server could not find the requested resource");

function keyOf(o: FakeObject): string {
  const ns = o.metadata?.namespace;
  return ns ? `${ns}/${o.metadata?.name}` : `${o.metadata?.name}`;
}

/** Routes one request. */
export function handleGet(ctx: RequestContext): void {
  const { url, reply } = ctx;
  if (!ctx.authenticated) return reply(401, statusBody(401, "Unauthorized", "Unauthorized"));
  if (ctx.req.method !== "GET") {
    return reply(405, statusBody(405, "MethodNotAllowed", "the fake API server only reads"));
  }
  const p = url.pathname.replace(/\/+$/, "") || "/";
  if (p === "/healthz" || p === "/readyz" || p === "/livez") return reply(200, "ok");
  if (p === "/version") return reply(200, versionInfo());
  if (p === "/api") return reply(200, coreVersions(ctx.host));
  if (p === "/apis") return reply(200, groupList(ctx.enabled));
  const gv = p.match(/^\/api\/(v1)$/) ?? p.match(/^\/apis\/([^/]+)\/([^/]+)$/);
  if (gv) {
    const doc = gv.length === 2
      ? resourceList(ctx.enabled, "", gv[1])
      : resourceList(ctx.enabled, gv[1], gv[2]);
    return doc ? reply(200, doc) : reply(404, NOT_FOUND);
  }
  const rp = parseResourcePath(p);
  if (!rp || !ctx.enabled.includes(rp.def)) return reply(404, NOT_FOUND);
  const q = url.searchParams;
  let match: Matcher;
  try {
    const byLabel = labelMatcher(q.get("labelSelector"));
    const byField = fieldMatcher(q.get("fieldSelector"));
    match = (o) => byLabel(o) && byField(o);
  } catch (e) {
    if (e instanceof SelectorError) return reply(400, statusBody(400, "BadRequest", e.message));
    throw e;
  }
  if (rp.name !== undefined) {
    const key = rp.namespace ? `${rp.namespace}/${rp.name}` : rp.name;
    const obj = ctx.store.get(rp.def, key);
    const msg = `${rp.def.resource} "${rp.name}" not found`;
    return obj ? reply(200, obj) : reply(404, statusBody(404, "NotFound", msg));
  }
  const watch = q.get("watch") === "1" || q.get("watch") === "true";
  if (watch) return handleWatch(ctx, rp.def, rp.namespace, match);
  return handleList(ctx, rp.def, rp.namespace, match);
}

interface ContinueToken {
  rv: number;
  start: string;
}

function handleList(ctx: RequestContext, def: ResourceDef, ns: string | undefined, match: Matcher) {
  const q = ctx.url.searchParams;
  const limit = Number(q.get("limit") ?? 0);
  let token: ContinueToken | undefined;
  const cont = q.get("continue");
  if (cont) {
    try {
      token = JSON.parse(atob(cont));
    } catch {
      return ctx.reply(400, statusBody(400, "BadRequest", "invalid continue token"));
    }
    if (token!.rv < ctx.store.compactedResourceVersion) {
      const msg = "The provided continue parameter is too old to display a consistent list result.";
      return ctx.reply(410, statusBody(410, "Expired", msg));
    }
  }
  let items = ctx.store.list(def, ns).filter(match);
  if (token) items = items.filter((o) => keyOf(o) > token!.start);
  const rv = token?.rv ?? ctx.store.resourceVersion;
  let next: string | undefined;
  if (Number.isInteger(limit) && limit > 0 && items.length > limit) {
    items = items.slice(0, limit);
    next = btoa(JSON.stringify({ rv, start: keyOf(items[items.length - 1]) }));
  }
  const body = listBody(def, rv, items, next);
  ctx.reply(200, ctx.listTransform ? ctx.listTransform(def.resource, body) : body);
}

function handleWatch(
  ctx: RequestContext,
  def: ResourceDef,
  ns: string | undefined,
  match: Matcher,
) {
  const q = ctx.url.searchParams;
  const timeoutSeconds = q.has("timeoutSeconds")
    ? Number(q.get("timeoutSeconds"))
    : ctx.defaultWatchTimeoutSeconds;
  if (!Number.isFinite(timeoutSeconds) || timeoutSeconds < 0) {
    return ctx.reply(400, statusBody(400, "BadRequest", "invalid timeoutSeconds"));
  }
  const spec: WatchSpec = {
    store: ctx.store,
    def,
    namespace: ns,
    match,
    bookmarks: q.get("allowWatchBookmarks") === "true" || q.get("allowWatchBookmarks") === "1",
    bookmarkIntervalMs: ctx.bookmarkIntervalMs,
    timeoutMs: (timeoutSeconds || ctx.defaultWatchTimeoutSeconds) * 1000,
    tls: ctx.tls,
  };
  const rvParam = q.get("resourceVersion");
  if (!rvParam || rvParam === "0") {
    // "Any" resourceVersion: the current state as synthetic ADDED events, then live.
    ctx.openWatch(spec, 200).start(ctx.store.list(def, ns), true);
    return;
  }
  const rv = Number(rvParam);
  if (!Number.isInteger(rv) || rv < 0) {
    return ctx.reply(400, statusBody(400, "BadRequest", `invalid resourceVersion: ${rvParam}`));
  }
  const events = ctx.store.eventsSince(rv);
  if (events === "gone") {
    const oldest = ctx.store.compactedResourceVersion + 1;
    const status = statusBody(410, "Expired", `too old resource version: ${rv} (${oldest})`);
    if (ctx.tooOldMode === "http") return ctx.reply(410, status);
    const w = ctx.openWatch(spec, 200);
    w.start([], false);
    w.error(status);
    return;
  }
  ctx.openWatch(spec, 200).start(events, false);
}
