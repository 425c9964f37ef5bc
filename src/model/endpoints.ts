/**
 * Reads a Service's EndpointSlices into endpoints per service port, merging
 * and deduplicating across slices. A Service port matches a slice port by
 * name and protocol; the endpoint's port is the slice port's number.
 *
 * Slices are untrusted JSON: every field read is type-checked, and a bad
 * slice, port or endpoint is reported and skipped without stopping the rest.
 * This runs for every endpoint of the cluster (100k at scale), so the checks
 * are inline and allocate nothing when the input is valid.
 *
 * @module
 */

import { HEADLESS_LABEL, SERVICE_NAME_LABEL, SERVICE_PROXY_NAME_LABEL } from "./kube_types.ts";
import { type IpAddr, tryParseIp } from "./ip.ts";
import { isPort, parseProtocol, type ProblemSink, type Protocol } from "./problems.ts";
import { describe, hasLabel, isObject, labelsOf, typeName } from "./_json.ts";
import { type FieldReporter, fieldReporter } from "./_reporter.ts";

/** One endpoint of one service port. */
export interface EndpointInfo {
  ip: IpAddr;
  port: number;
  /** conditions.ready; unset means true. */
  ready: boolean;
  /** conditions.serving; unset means true (upstream: `Serving == nil || *Serving`). */
  serving: boolean;
  /** conditions.terminating; unset means false. */
  terminating: boolean;
  nodeName: string;
  zone: string;
  /** hints.forZones names; undefined when the endpoint has no zone hints. */
  zoneHints?: ReadonlySet<string>;
  /** hints.forNodes names; undefined when the endpoint has no node hints. */
  nodeHints?: ReadonlySet<string>;
}

/** Endpoints keyed by `protocol/portName` ("" for unnamed ports). */
export type EndpointsByPort = Map<string, EndpointInfo[]>;

/** Key under which endpoints of a service port are found. */
export function portKey(protocol: Protocol, portName: string): string {
  return `${protocol}/${portName}`;
}

function metaOf(slice: unknown): Record<string, unknown> | undefined {
  return isObject(slice) && isObject(slice.metadata) ? slice.metadata : undefined;
}

/** The Service (`namespace/name`) an EndpointSlice (any JSON value) belongs to, or undefined. */
export function sliceServiceKey(slice: unknown): string | undefined {
  const meta = metaOf(slice);
  const labels = labelsOf(meta, () => {});
  const svc = labels && Object.hasOwn(labels, SERVICE_NAME_LABEL)
    ? labels[SERVICE_NAME_LABEL]
    : undefined;
  const ns = meta?.namespace;
  return typeof svc === "string" && svc !== "" && typeof ns === "string" && ns !== ""
    ? `${ns}/${svc}`
    : undefined;
}

/** Whether the proxy must ignore this slice (headless, or another proxy's). */
export function isIgnoredSlice(slice: unknown): boolean {
  const labels = labelsOf(metaOf(slice), () => {});
  return hasLabel(labels, HEADLESS_LABEL) || hasLabel(labels, SERVICE_PROXY_NAME_LABEL);
}

function sliceName(slice: unknown): string {
  const name = metaOf(slice)?.name;
  return typeof name === "string" ? name : "";
}

/**
 * Merges the slices (any JSON values) of one Service. Invalid slices, ports
 * and endpoints are skipped and reported.
 *
 * When one address:port appears more than once, the copy that is not
 * terminating wins, as upstream (the pod network may reuse a terminating
 * pod's IP for a new pod before the old Pod is gone). Between copies that
 * are both terminating or both not, which upstream leaves to map order, the
 * more usable copy wins (ready, then serving), then the one from the slice
 * whose name sorts first, so the result never depends on the order of slices.
 *
 * @example The endpoints of each service port, merged across slices
 * ```ts
 * import assert from "node:assert/strict";
 * import { mergeEndpointSlices, portKey } from "./endpoints.ts";
 *
 * const slice = (name: string, ip: string) => ({
 *   metadata: { namespace: "default", name, labels: { "kubernetes.io/service-name": "web" } },
 *   addressType: "IPv4",
 *   ports: [{ name: "http", port: 8080, protocol: "TCP" }],
 *   endpoints: [{ addresses: [ip], conditions: { ready: true } }],
 * });
 * const slices = [slice("web-a", "10.244.1.5"), slice("web-b", "10.244.2.5")];
 * const http = mergeEndpointSlices(slices, () => {}).get(portKey("tcp", "http"))!;
 * assert.deepEqual(http.map((e) => `${e.ip.text}:${e.port}`), [
 *   "10.244.1.5:8080",
 *   "10.244.2.5:8080",
 * ]);
 * ```
 */
export function mergeEndpointSlices(
  slices: Iterable<unknown>,
  report: ProblemSink,
): EndpointsByPort {
  let list = Array.isArray(slices) ? slices : [...slices];
  if (list.length > 1) {
    list = list.map((s) => ({ s, name: sliceName(s) }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .map((x) => x.s);
  }
  const merged: Merged = new Map();
  for (const slice of list) {
    const bad = fieldReporter("EndpointSlice", slice, report);
    mergeSlice(slice, merged, bad);
    bad.finish();
  }
  const out: EndpointsByPort = new Map();
  for (const [key, eps] of merged) if (eps.length > 0) out.set(key, dedupe(eps));
  return out;
}

/**
 * Endpoints being merged: service port key → every copy, in slice order. Sorted, then
 * deduplicated in one pass: no map and no key string per endpoint.
 */
type Merged = Map<string, EndpointInfo[]>;

/**
 * Sorts `eps` and keeps one copy of each address:port: the first copy (slices are in name
 * order), unless a later one {@linkcode replaces} it. The sort is stable, so copies of one
 * address:port stay in slice order.
 */
function dedupe(eps: EndpointInfo[]): EndpointInfo[] {
  eps.sort(compareEndpoints);
  let n = 0;
  for (let i = 0; i < eps.length; i++) {
    const ep = eps[i];
    const last = n > 0 ? eps[n - 1] : undefined;
    if (last && last.port === ep.port && last.ip.text === ep.ip.text) {
      if (replaces(last, ep)) eps[n - 1] = ep;
    } else eps[n++] = ep;
  }
  eps.length = n;
  return eps;
}

/** Whether `b`, a copy of the same address:port, replaces `a`. */
function replaces(a: EndpointInfo, b: EndpointInfo): boolean {
  if (a.terminating !== b.terminating) return !b.terminating;
  if (a.ready !== b.ready) return b.ready;
  return b.serving && !a.serving;
}

function mergeSlice(
  slice: unknown,
  merged: Merged,
  bad: FieldReporter,
): void {
  if (!isObject(slice)) return bad("", `must be an object, got ${typeName(slice)}`);
  const type = slice.addressType;
  const family = type === "IPv4" ? 4 : type === "IPv6" ? 6 : 0;
  if (family === 0) {
    if (type !== "FQDN") bad("addressType", `unknown address type ${describe(type)}`);
    return;
  }
  const ports = readSlicePorts(slice.ports, bad);
  const eps = slice.endpoints;
  if (eps === undefined || eps === null) return;
  if (!Array.isArray(eps)) return bad("endpoints", `must be a list, got ${typeName(eps)}`);
  if (ports.length === 0) return;
  const lists = ports.map(({ key }) => {
    let l = merged.get(key);
    if (!l) merged.set(key, l = []);
    return l;
  });
  for (let i = 0; i < eps.length; i++) {
    const ep = eps[i];
    if (!isObject(ep)) {
      bad(`endpoints[${i}]`, `must be an object, got ${typeName(ep)}`);
      continue;
    }
    const addrs = ep.addresses;
    if (!Array.isArray(addrs) || addrs.length === 0) {
      bad(`endpoints[${i}].addresses`, `must be a non-empty list of IPs, got ${describe(addrs)}`);
      continue;
    }
    const ip = tryParseIp(addrs[0]);
    if (!ip || ip.family !== family) {
      bad(`endpoints[${i}].addresses[0]`, `invalid IPv${family} address ${describe(addrs[0])}`);
      continue;
    }
    let ready = true, serving = true, terminating = false;
    const c = ep.conditions;
    if (c !== undefined && c !== null) {
      if (!isObject(c)) {
        bad(`endpoints[${i}].conditions`, `must be an object, got ${typeName(c)}; skipped`);
        continue;
      }
      const r = c.ready, s = c.serving, t = c.terminating;
      if (!isOptionalBool(r) || !isOptionalBool(s) || !isOptionalBool(t)) {
        const which = !isOptionalBool(r) ? "ready" : !isOptionalBool(s) ? "serving" : "terminating";
        bad(
          `endpoints[${i}].conditions.${which}`,
          `must be a boolean, got ${typeName(c[which])}; skipped`,
        );
        continue;
      }
      ready = r !== false;
      serving = s !== false;
      terminating = t === true;
    }
    const nodeName = optionalString(ep.nodeName, `endpoints[${i}].nodeName`, bad);
    const zone = optionalString(ep.zone, `endpoints[${i}].zone`, bad);
    let zoneHints: ReadonlySet<string> | undefined, nodeHints: ReadonlySet<string> | undefined;
    const h = ep.hints;
    if (h !== undefined && h !== null) {
      if (!isObject(h)) bad(`endpoints[${i}].hints`, `must be an object, got ${typeName(h)}`);
      else {
        zoneHints = hintSet(h.forZones, `endpoints[${i}].hints.forZones`, bad);
        nodeHints = hintSet(h.forNodes, `endpoints[${i}].hints.forNodes`, bad);
      }
    }
    for (let p = 0; p < ports.length; p++) {
      const port = ports[p].port;
      const info: EndpointInfo = {
        ip,
        port,
        ready,
        serving,
        terminating,
        nodeName,
        zone,
        zoneHints,
        nodeHints,
      };
      lists[p].push(info);
    }
  }
}

function readSlicePorts(list: unknown, bad: FieldReporter): { key: string; port: number }[] {
  const out: { key: string; port: number }[] = [];
  if (list === undefined || list === null) return out;
  if (!Array.isArray(list)) return bad("ports", `must be a list, got ${typeName(list)}`), out;
  for (let i = 0; i < list.length; i++) {
    const p = list[i];
    if (!isObject(p)) {
      bad(`ports[${i}]`, `must be an object, got ${typeName(p)}`);
      continue;
    }
    const protocol = parseProtocol(p.protocol);
    if (!protocol) {
      bad(`ports[${i}].protocol`, `unknown protocol ${describe(p.protocol)}`);
      continue;
    }
    if (!isPort(p.port)) {
      bad(`ports[${i}].port`, `port out of range: ${describe(p.port)}`);
      continue;
    }
    // The EndpointSlice controller writes "" for an unnamed port; a missing name reads the same.
    const name = p.name ?? "";
    if (typeof name !== "string") {
      bad(`ports[${i}].name`, `must be a string, got ${typeName(name)}`);
      continue;
    }
    out.push({ key: portKey(protocol, name), port: p.port });
  }
  return out;
}

function isOptionalBool(v: unknown): boolean {
  return v === undefined || v === null || v === true || v === false;
}

function optionalString(v: unknown, field: string, bad: FieldReporter): string {
  if (typeof v === "string") return v;
  if (v !== undefined && v !== null) bad(field, `must be a string, got ${typeName(v)}; ignored`);
  return "";
}

/** Names of a hint list; undefined (no hints) when absent, empty or malformed. */
function hintSet(
  list: unknown,
  field: string,
  bad: FieldReporter,
): ReadonlySet<string> | undefined {
  if (list === undefined || list === null) return undefined;
  if (!Array.isArray(list)) return bad(field, `must be a list, got ${typeName(list)}`), undefined;
  if (list.length === 0) return undefined;
  const out = new Set<string>();
  for (let i = 0; i < list.length; i++) {
    const h = list[i];
    const name = isObject(h) ? h.name : undefined;
    if (typeof name === "string" && name !== "") out.add(name);
    else bad(`${field}[${i}].name`, `must be a non-empty string, got ${describe(name)}`);
  }
  return out.size > 0 ? out : undefined;
}

/** Stable order: by family, address bytes, then port. */
export function compareEndpoints(a: EndpointInfo, b: EndpointInfo): number {
  if (a.ip.family !== b.ip.family) return a.ip.family - b.ip.family;
  for (let i = 0; i < a.ip.bytes.length; i++) {
    if (a.ip.bytes[i] !== b.ip.bytes[i]) return a.ip.bytes[i] - b.ip.bytes[i];
  }
  return a.port - b.port;
}
