/**
 * Private readers of a Service's address lists: external IPs, load-balancer
 * ingress IPs and loadBalancerSourceRanges. Each takes the raw JSON value,
 * reports bad items by field and returns the valid ones, deduplicated.
 *
 * @module
 */

import { type Cidr, type IpAddr, tryParseCidr, tryParseIp } from "./ip.ts";
import { describe, isObject, typeName } from "./_json.ts";
import type { FieldReporter } from "./_reporter.ts";

/** Valid addresses and, at the same index, the field each came from. */
export interface AddressList {
  ips: IpAddr[];
  fields: string[];
}

/** Reads a list of IP literals (e.g. `spec.externalIPs`). */
export function readIpList(list: unknown, field: string, bad: FieldReporter): AddressList {
  const out: AddressList = { ips: [], fields: [] };
  if (list === undefined || list === null) return out;
  if (!Array.isArray(list)) return bad(field, `must be a list of IPs, got ${typeName(list)}`), out;
  const seen = new Set<string>();
  for (let i = 0; i < list.length; i++) {
    const ip = tryParseIp(list[i]);
    if (!ip) bad(`${field}[${i}]`, `invalid IP ${describe(list[i])}`);
    else if (!seen.has(ip.text)) {
      seen.add(ip.text);
      out.ips.push(ip);
      out.fields.push(`${field}[${i}]`);
    }
  }
  return out;
}

/**
 * Reads `status.loadBalancer.ingress[].ip`. As upstream, only VIP-mode
 * ingresses are programmed (ipMode unset or `VIP`); `Proxy` ones and
 * hostname-only ones are skipped without a problem.
 */
export function readLoadBalancerIngress(status: unknown, bad: FieldReporter): AddressList {
  const out: AddressList = { ips: [], fields: [] };
  if (status === undefined || status === null) return out;
  if (!isObject(status)) return bad("status", `must be an object, got ${typeName(status)}`), out;
  const lb = status.loadBalancer;
  if (lb === undefined || lb === null) return out;
  if (!isObject(lb)) {
    return bad("status.loadBalancer", `must be an object, got ${typeName(lb)}`), out;
  }
  const list = lb.ingress;
  if (list === undefined || list === null) return out;
  if (!Array.isArray(list)) {
    return bad("status.loadBalancer.ingress", `must be a list, got ${typeName(list)}`), out;
  }
  const seen = new Set<string>();
  for (let i = 0; i < list.length; i++) {
    const ing = list[i];
    const field = `status.loadBalancer.ingress[${i}]`;
    if (!isObject(ing)) {
      bad(field, `must be an object, got ${typeName(ing)}`);
      continue;
    }
    if (ing.ip === undefined || ing.ip === null || ing.ip === "") continue; // hostname only
    const mode = ing.ipMode;
    if (mode === "Proxy") continue;
    if (mode !== undefined && mode !== null && mode !== "VIP") {
      bad(`${field}.ipMode`, `unknown ipMode ${describe(mode)}; not programmed`);
      continue;
    }
    const ip = tryParseIp(ing.ip);
    if (!ip) bad(`${field}.ip`, `invalid IP ${describe(ing.ip)}`);
    else if (!seen.has(ip.text)) {
      seen.add(ip.text);
      out.ips.push(ip);
      out.fields.push(`${field}.ip`);
    }
  }
  return out;
}

/**
 * Reads `spec.loadBalancerSourceRanges` as upstream does: each item is
 * trimmed and must then be a CIDR (host bits are cleared, leading zeros read
 * as decimal). A bare IP, spaces inside, or anything else is reported and
 * ignored, like a range of the other family.
 */
export function readSourceRanges(list: unknown, bad: FieldReporter): Cidr[] {
  const field = "spec.loadBalancerSourceRanges";
  const out: Cidr[] = [];
  if (list === undefined || list === null) return out;
  if (!Array.isArray(list)) {
    return bad(field, `must be a list of CIDRs, got ${typeName(list)}`), out;
  }
  const seen = new Set<string>();
  for (let i = 0; i < list.length; i++) {
    const t = list[i];
    // tryParseCidr also tolerates spaces around the slash; upstream does not.
    const c = typeof t === "string" && !/\s/.test(t.trim()) ? tryParseCidr(t) : undefined;
    if (!c) bad(`${field}[${i}]`, `invalid CIDR ${describe(t)}; ignored`);
    else if (!seen.has(c.text)) {
      seen.add(c.text);
      out.push(c);
    }
  }
  return out;
}
