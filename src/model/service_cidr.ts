/**
 * Reads networking.k8s.io/v1 ServiceCIDR objects (any JSON values) into the
 * service CIDRs: addresses inside them that no Service has are dropped, and
 * external or load-balancer IPs inside them are refused (see
 * `address_claims.ts`).
 *
 * @module
 */

import { type Cidr, tryParseCidr } from "./ip.ts";
import type { ProblemSink } from "./problems.ts";
import { describe, isObject, typeName } from "./_json.ts";
import { fieldReporter } from "./_reporter.ts";

/** The valid `spec.cidrs` of one ServiceCIDR; bad ones are reported and skipped. */
export function readServiceCidr(obj: unknown, report: ProblemSink): Cidr[] {
  const bad = fieldReporter("ServiceCIDR", obj, report);
  const out: Cidr[] = [];
  try {
    if (!isObject(obj)) return bad("", `must be an object, got ${typeName(obj)}`), out;
    const spec = obj.spec;
    if (spec === undefined || spec === null) return out;
    if (!isObject(spec)) return bad("spec", `must be an object, got ${typeName(spec)}`), out;
    const list = spec.cidrs;
    if (list === undefined || list === null) return out;
    if (!Array.isArray(list)) {
      return bad("spec.cidrs", `must be a list of CIDRs, got ${typeName(list)}`), out;
    }
    for (let i = 0; i < list.length; i++) {
      const c = tryParseCidr(list[i]);
      if (c) out.push(c);
      else bad(`spec.cidrs[${i}]`, `invalid CIDR ${describe(list[i])}`);
    }
    return out;
  } finally {
    bad.finish();
  }
}

/**
 * The service CIDRs of every ServiceCIDR object, deduplicated; `fallback`
 * (the configured `--service-cidrs`) when there is no ServiceCIDR object.
 */
export function readServiceCidrs(
  objects: Iterable<unknown>,
  fallback: readonly Cidr[],
  report: ProblemSink,
): Cidr[] {
  const out: Cidr[] = [];
  const seen = new Set<string>();
  let any = false;
  for (const o of objects) {
    any = true;
    for (const c of readServiceCidr(o, report)) {
      if (seen.has(c.text)) continue;
      seen.add(c.text);
      out.push(c);
    }
  }
  return any ? out : [...fallback];
}
