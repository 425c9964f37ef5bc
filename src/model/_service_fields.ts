/**
 * Private readers of a Service's scalar fields: its ClusterIPs, traffic
 * policies, session affinity, and the age that decides who owns a contested
 * address. Each takes raw JSON, reports what is bad, and returns a safe value.
 *
 * @module
 */

import { type IpAddr, tryParseIp } from "./ip.ts";
import { describe, isObject, typeName } from "./_json.ts";
import type { FieldReporter } from "./_reporter.ts";

/** Default sessionAffinity ClientIP timeout, as upstream (3 hours). */
export const DEFAULT_AFFINITY_TIMEOUT_SECONDS = 10800;

/** The ClusterIPs (one per family), a deliberate skip, or [] after reporting why none is valid. */
export function readClusterIPs(
  spec: Record<string, unknown>,
  bad: FieldReporter,
): IpAddr[] | "headless" | "no-cluster-ip" {
  let texts: readonly unknown[];
  let field = "spec.clusterIPs";
  const list = spec.clusterIPs;
  if (Array.isArray(list) && list.length > 0) texts = list;
  else {
    if (list !== undefined && list !== null && !Array.isArray(list)) {
      bad(field, `must be a list of IPs, got ${typeName(list)}; using spec.clusterIP`);
    }
    const one = spec.clusterIP;
    if (one === undefined || one === null || one === "") return "no-cluster-ip";
    texts = [one];
    field = "spec.clusterIP";
  }
  if (texts[0] === "None" || spec.clusterIP === "None") return "headless";
  const out: IpAddr[] = [];
  // The API allows one address per family; more is never valid, so look no further.
  for (let i = 0; i < texts.length && i < 2; i++) {
    const at = field === "spec.clusterIP" ? field : `${field}[${i}]`;
    const ip = tryParseIp(texts[i]);
    if (!ip) bad(at, `invalid IP ${describe(texts[i])}`);
    else if (out.some((o) => o.family === ip.family)) {
      bad(at, `a second IPv${ip.family} address ${describe(texts[i])}; ignored`);
    } else out.push(ip);
  }
  if (texts.length > 2) bad(field, `at most 2 addresses (one per family), got ${texts.length}`);
  return out;
}

/** Reads a traffic policy: true for Local; unset, "" and Cluster are false. */
export function readPolicy(v: unknown, field: string, bad: FieldReporter): boolean {
  if (v === "Local") return true;
  if (v !== undefined && v !== null && v !== "" && v !== "Cluster") {
    bad(field, `unknown policy ${describe(v)}; read as Cluster`);
  }
  return false;
}

/** The ClientIP affinity timeout in seconds, or 0 without ClientIP affinity. */
export function readAffinity(spec: Record<string, unknown>, bad: FieldReporter): number {
  const kind = spec.sessionAffinity;
  if (kind === undefined || kind === null || kind === "" || kind === "None") return 0;
  if (kind !== "ClientIP") {
    bad("spec.sessionAffinity", `unknown affinity ${describe(kind)}; read as None`);
    return 0;
  }
  const config = spec.sessionAffinityConfig;
  const clientIP = isObject(config) ? config.clientIP : undefined;
  const t = isObject(clientIP) ? clientIP.timeoutSeconds : undefined;
  if (t === undefined || t === null) {
    if (config !== undefined && config !== null && !isObject(clientIP) && clientIP !== undefined) {
      bad("spec.sessionAffinityConfig.clientIP", `must be an object, got ${typeName(clientIP)}`);
    } else if (config !== undefined && config !== null && !isObject(config)) {
      bad("spec.sessionAffinityConfig", `must be an object, got ${typeName(config)}`);
    }
    return DEFAULT_AFFINITY_TIMEOUT_SECONDS;
  }
  if (typeof t === "number" && Number.isInteger(t) && t >= 1 && t <= 86400) return t;
  bad("spec.sessionAffinityConfig.clientIP.timeoutSeconds", `must be 1..86400, got ${describe(t)}`);
  return DEFAULT_AFFINITY_TIMEOUT_SECONDS;
}

/** metadata.creationTimestamp (ms) and metadata.uid, which decide who owns a contested address. */
export function readAge(
  meta: Record<string, unknown>,
  bad: FieldReporter,
): { createdAt?: number; uid: string } {
  let createdAt: number | undefined;
  const ts = meta.creationTimestamp;
  if (typeof ts === "string" && ts !== "") {
    const ms = Date.parse(ts);
    if (Number.isFinite(ms)) createdAt = ms;
    else bad("metadata.creationTimestamp", `invalid time ${describe(ts)}`);
  } else if (ts !== undefined && ts !== null && ts !== "") {
    bad("metadata.creationTimestamp", `must be a string, got ${typeName(ts)}`);
  }
  const uid = meta.uid;
  if (uid !== undefined && uid !== null && typeof uid !== "string") {
    bad("metadata.uid", `must be a string, got ${typeName(uid)}`);
  }
  return createdAt === undefined
    ? { uid: typeof uid === "string" ? uid : "" }
    : { createdAt, uid: typeof uid === "string" ? uid : "" };
}
