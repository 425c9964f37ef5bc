/**
 * Reads a Service's EndpointSlices into endpoints per service port, merging
 * and deduplicating across slices. A Service port matches a slice port by
 * name and protocol; the endpoint's port is the slice port's number.
 *
 * @module
 */

import type { EndpointSlice } from "./kube_types.ts";
import { HEADLESS_LABEL, SERVICE_NAME_LABEL, SERVICE_PROXY_NAME_LABEL } from "./kube_types.ts";
import { type IpAddr, tryParseIp } from "./ip.ts";
import { isPort, parseProtocol, type ProblemSink, type Protocol } from "./problems.ts";

/** One endpoint of one service port. */
export interface EndpointInfo {
  ip: IpAddr;
  port: number;
  ready: boolean;
  serving: boolean;
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

/** The Service (`namespace/name`) an EndpointSlice belongs to, or undefined. */
export function sliceServiceKey(slice: EndpointSlice): string | undefined {
  const svc = slice.metadata?.labels?.[SERVICE_NAME_LABEL];
  const ns = slice.metadata?.namespace;
  return svc && ns ? `${ns}/${svc}` : undefined;
}

/** Whether the proxy must ignore this slice (headless, or another proxy's). */
export function isIgnoredSlice(slice: EndpointSlice): boolean {
  const labels = slice.metadata?.labels ?? {};
  return labels[HEADLESS_LABEL] !== undefined || labels[SERVICE_PROXY_NAME_LABEL] !== undefined;
}

function rank(e: EndpointInfo): number {
  return e.ready ? 2 : e.serving && e.terminating ? 1 : 0;
}

function hintSet(list: unknown): ReadonlySet<string> | undefined {
  if (!Array.isArray(list) || list.length === 0) return undefined;
  return new Set(
    list.map((h) => (typeof h?.name === "string" ? h.name : "")).filter((n) => n !== ""),
  );
}

/**
 * Merges the slices of one Service. Invalid slices, ports and addresses are
 * skipped and reported. When one address:port appears in several slices, the
 * most usable copy wins (ready, then serving-and-terminating).
 */
export function mergeEndpointSlices(
  slices: Iterable<EndpointSlice>,
  report: ProblemSink,
): EndpointsByPort {
  const merged = new Map<string, Map<string, EndpointInfo>>();
  for (const slice of slices) {
    const object = `EndpointSlice ${slice.metadata?.namespace}/${slice.metadata?.name}`;
    const family = slice.addressType === "IPv4" ? 4 : slice.addressType === "IPv6" ? 6 : 0;
    if (family === 0) {
      if (slice.addressType !== "FQDN") {
        report({
          object,
          field: "addressType",
          message: `unknown address type ${JSON.stringify(slice.addressType)}`,
        });
      }
      continue;
    }
    const ports: { key: string; port: number }[] = [];
    (Array.isArray(slice.ports) ? slice.ports : []).forEach((p, i) => {
      const protocol = parseProtocol(p?.protocol);
      if (!protocol) {
        return report({
          object,
          field: `ports[${i}].protocol`,
          message: `unknown protocol ${JSON.stringify(p?.protocol)}`,
        });
      }
      if (!isPort(p?.port)) {
        return report({
          object,
          field: `ports[${i}].port`,
          message: `port out of range: ${JSON.stringify(p?.port)}`,
        });
      }
      ports.push({ key: portKey(protocol, p.name ?? ""), port: p.port });
    });
    (Array.isArray(slice.endpoints) ? slice.endpoints : []).forEach((ep, i) => {
      const addr = ep?.addresses?.[0];
      const ip = tryParseIp(addr);
      if (!ip || ip.family !== family) {
        report({
          object,
          field: `endpoints[${i}].addresses[0]`,
          message: `invalid IPv${family} address ${JSON.stringify(addr)}`,
        });
        return;
      }
      const c = ep.conditions ?? {};
      const ready = c.ready !== false; // nil counts as ready
      const serving = c.serving === undefined || c.serving === null ? ready : c.serving;
      const terminating = c.terminating === true;
      for (const { key, port } of ports) {
        const info: EndpointInfo = {
          ip,
          port,
          ready,
          serving,
          terminating,
          nodeName: typeof ep.nodeName === "string" ? ep.nodeName : "",
          zone: typeof ep.zone === "string" ? ep.zone : "",
          zoneHints: hintSet(ep.hints?.forZones),
          nodeHints: hintSet(ep.hints?.forNodes),
        };
        let byAddr = merged.get(key);
        if (!byAddr) merged.set(key, byAddr = new Map());
        const id = `${ip.text}|${port}`;
        const prev = byAddr.get(id);
        if (!prev || rank(info) > rank(prev)) byAddr.set(id, info);
      }
    });
  }
  const out: EndpointsByPort = new Map();
  for (const [key, byAddr] of merged) {
    out.set(key, [...byAddr.values()].sort(compareEndpoints));
  }
  return out;
}

/** Stable order: by family, address bytes, then port. */
export function compareEndpoints(a: EndpointInfo, b: EndpointInfo): number {
  if (a.ip.family !== b.ip.family) return a.ip.family - b.ip.family;
  for (let i = 0; i < a.ip.bytes.length; i++) {
    if (a.ip.bytes[i] !== b.ip.bytes[i]) return a.ip.bytes[i] - b.ip.bytes[i];
  }
  return a.port - b.port;
}
