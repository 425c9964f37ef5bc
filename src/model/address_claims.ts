/**
 * Who owns an address: a pure, incremental resolver of the entry points that
 * Services claim (CVE-2020-8554 class). Without it, a Service in namespace
 * `aaa` with `externalIPs: [<kube-dns ClusterIP>]` could black-hole or steal
 * cluster DNS, because the first owner by name won.
 *
 * Rules:
 * - A ClusterIP always belongs to its Service. (Two Services with the same
 *   ClusterIP, which only hand-written manifests can produce, are settled
 *   like a conflict: the older one keeps it.)
 * - An external IP or load-balancer ingress IP that equals ANY Service's
 *   ClusterIP, or lies inside a service CIDR, is refused for that Service.
 * - When two Services claim the same external/LB address, protocol and port,
 *   the older one wins: by `metadata.creationTimestamp`, then `metadata.uid`
 *   (a missing one ranks last), and only when both are equal or missing, by
 *   namespace/name so that the answer stays deterministic. The loser's claim
 *   is refused, naming the winner.
 *
 * Incremental: {@linkcode AddressClaims.update} re-evaluates only the
 * addresses the changed Service claims or claimed (and, when its ClusterIPs
 * changed, the claims on those IPs), and returns the OTHER Services whose
 * accepted claims changed, so that the caller re-renders them too. A change
 * of the service CIDRs re-evaluates every claim. A Service with only a
 * ClusterIP costs one small entry; verdicts are stored only for refusals.
 *
 * @module
 */

import { type Cidr, cidrContains, type IpAddr } from "./ip.ts";
import type { ProblemSink, Protocol } from "./problems.ts";

/** An address and the field of the Service it came from (e.g. `spec.externalIPs[1]`). */
export interface ClaimedAddress {
  ip: IpAddr;
  field: string;
}

/** What one Service claims; {@linkcode readService} returns it as `claims`. */
export interface ServiceClaims {
  /** metadata.creationTimestamp in ms since the epoch; undefined (ranks youngest) when unknown. */
  createdAt?: number;
  /** metadata.uid, or "" (ranks last). */
  uid: string;
  clusterIPs: readonly IpAddr[];
  /** Every external/LB address is claimed on each of these. */
  ports: readonly { protocol: Protocol; port: number }[];
  externalIPs: readonly ClaimedAddress[];
  loadBalancerIPs: readonly ClaimedAddress[];
}

/** Why a claim was refused. */
export type RefusalReason = "cluster-ip" | "service-cidr" | "conflict";

/** A refused claim of one Service. */
export interface ClaimRefusal {
  address: string;
  /** The entry point refused; absent when the whole address is (a ClusterIP). */
  protocol?: Protocol;
  port?: number;
  /** `spec.externalIPs[i]`, `status.loadBalancer.ingress[i].ip`, or `spec.clusterIPs`. */
  field: string;
  reason: RefusalReason;
  /** The owning Service (`namespace/name`) or, for `service-cidr`, the CIDR. */
  by: string;
}

/** The addresses of one service port that {@linkcode AddressClaims.filterPorts} filters. */
export interface PortAddresses {
  protocol: Protocol;
  port: number;
  clusterIPs: IpAddr[];
  externalIPs: IpAddr[];
  loadBalancerIPs: IpAddr[];
}

/** One Service's claim on one `address protocol port` (external or LB). */
interface Claim {
  ip: IpAddr;
  protocol: Protocol;
  port: number;
  /** Fields making this claim (an address may be both external and LB). */
  fields: string[];
}

interface Entry {
  createdAt: number;
  uid: string;
  clusterIPs: string[];
  /** External/LB claims by claim key; undefined when none (most Services). */
  claims?: Map<string, Claim>;
}

type Verdict = { reason: RefusalReason; by: string };

/** Resolves who owns each claimed address; see the module documentation. */
export class AddressClaims {
  #services = new Map<string, Entry>();
  /** IP text → the Service(s) whose ClusterIP it is. */
  #owners = new Map<string, string | string[]>();
  /** Claim key → Services claiming it. */
  #claimants = new Map<string, Set<string>>();
  /** IP text → claim keys on it. */
  #keysByIp = new Map<string, Set<string>>();
  /** Claim key → refused claimants (accepted ones are not stored). */
  #refused = new Map<string, Map<string, Verdict>>();
  #cidrs: readonly Cidr[] = [];
  #counts: Record<RefusalReason, number> = { "cluster-ip": 0, "service-cidr": 0, conflict: 0 };

  /** Number of Services known. */
  get size(): number {
    return this.#services.size;
  }

  /** Refused claims by reason, e.g. for a gauge (per Service, address and entry point). */
  refusedCounts(): Readonly<Record<RefusalReason, number>> {
    let clusterConflicts = 0;
    for (const o of this.#owners.values()) {
      if (typeof o !== "string") clusterConflicts += o.length - 1;
    }
    return { ...this.#counts, conflict: this.#counts.conflict + clusterConflicts };
  }

  /**
   * Sets the service CIDRs. When they differ from the current ones, every
   * claim is re-evaluated; returns the Services whose accepted claims changed.
   */
  setServiceCidrs(cidrs: readonly Cidr[]): Set<string> {
    const text = (l: readonly Cidr[]) => l.map((c) => c.text).sort().join(",");
    if (text(cidrs) === text(this.#cidrs)) return new Set();
    this.#cidrs = [...cidrs];
    return this.#reevaluate(this.#claimants.keys(), undefined);
  }

  /**
   * Sets (or, with `claims` undefined, removes) what Service `key`
   * (`namespace/name`) claims. Returns the OTHER Services whose accepted
   * claims changed: re-render them too. Call it for every added, changed or
   * deleted Service before rendering any of them (EndpointSlice changes do
   * not change claims).
   */
  update(key: string, claims: ServiceClaims | undefined): Set<string> {
    const old = this.#services.get(key);
    const next = claims ? buildEntry(claims) : undefined;
    if (old && next && sameEntry(old, next)) return new Set();
    const changed = new Set<string>();
    const affected = new Set<string>();
    if (old?.claims) { for (const k of old.claims.keys()) affected.add(k); }
    if (next?.claims) { for (const k of next.claims.keys()) affected.add(k); }
    const oldIps = old?.clusterIPs ?? [], newIps = next?.clusterIPs ?? [];
    const touched = new Set<string>();
    for (const ip of [...oldIps, ...newIps]) touched.add(ip);
    // Who keeps each touched ClusterIP, before the change.
    const rankChanged = !old || !next || old.createdAt !== next.createdAt || old.uid !== next.uid;
    const winnersBefore = new Map<string, string | undefined>();
    for (const ip of touched) {
      if (rankChanged || !oldIps.includes(ip) || !newIps.includes(ip)) {
        winnersBefore.set(ip, this.#winner(this.#owners.get(ip)));
      }
    }
    if (old) this.#unindex(key, old);
    if (next) {
      this.#services.set(key, next);
      this.#index(key, next);
    } else this.#services.delete(key);
    for (const [ip, before] of winnersBefore) {
      const after = this.#winner(this.#owners.get(ip));
      if (before !== after) {
        for (const s of [before, after]) if (s !== undefined && s !== key) changed.add(s);
      }
      // An address that became or stopped being a ClusterIP (or changed owner) changes every
      // external claim on it.
      if (before !== after) {
        for (const k of this.#keysByIp.get(ip) ?? []) affected.add(k);
      }
    }
    for (const s of this.#reevaluate(affected, key)) changed.add(s);
    return changed;
  }

  /** The refused claims of Service `key`. */
  refusals(key: string): ClaimRefusal[] {
    const entry = this.#services.get(key);
    const out: ClaimRefusal[] = [];
    if (!entry) return out;
    for (const ip of entry.clusterIPs) {
      const winner = this.#winner(this.#owners.get(ip));
      if (winner !== key) {
        out.push({ address: ip, field: "spec.clusterIPs", reason: "conflict", by: winner! });
      }
    }
    for (const [k, c] of entry.claims ?? []) {
      const v = this.#refused.get(k)?.get(key);
      if (!v) continue;
      for (const field of c.fields) {
        out.push({ address: c.ip.text, protocol: c.protocol, port: c.port, field, ...v });
      }
    }
    return out;
  }

  /**
   * The ports of Service `key` without the addresses it may not have,
   * reporting each refusal once to `report` (naming the field it came from).
   * Ports that lose nothing are returned as they are. A Service never passed
   * to {@linkcode update} loses nothing.
   */
  filterPorts<T extends PortAddresses>(
    key: string,
    ports: readonly T[],
    report?: ProblemSink,
  ): T[] {
    const entry = this.#services.get(key);
    if (!entry) return [...ports];
    const refusals = this.refusals(key);
    if (refusals.length === 0) return [...ports];
    if (report) {
      const seen = new Set<string>();
      for (const r of refusals) {
        const message = refusalMessage(r);
        if (seen.has(`${r.field} ${message}`)) continue;
        seen.add(`${r.field} ${message}`);
        report({ kind: "Service", object: `Service ${key}`, field: r.field, message });
      }
    }
    const lostClusterIPs = new Set(
      refusals.filter((r) => r.port === undefined).map((r) => r.address),
    );
    const lost = new Set(refusals.map((r) => `${r.address} ${r.protocol} ${r.port}`));
    return ports.map((p) => {
      const keep = (ip: IpAddr) => !lost.has(`${ip.text} ${p.protocol} ${p.port}`);
      const clusterIPs = p.clusterIPs.filter((ip) => !lostClusterIPs.has(ip.text));
      const externalIPs = p.externalIPs.filter(keep);
      const loadBalancerIPs = p.loadBalancerIPs.filter(keep);
      if (
        clusterIPs.length === p.clusterIPs.length && externalIPs.length === p.externalIPs.length &&
        loadBalancerIPs.length === p.loadBalancerIPs.length
      ) return p;
      return { ...p, clusterIPs, externalIPs, loadBalancerIPs };
    });
  }

  #index(key: string, e: Entry): void {
    for (const [k, c] of e.claims ?? []) {
      addTo(this.#claimants, k, key);
      addTo(this.#keysByIp, c.ip.text, k);
    }
    for (const ip of e.clusterIPs) {
      const o = this.#owners.get(ip);
      this.#owners.set(ip, o === undefined ? key : typeof o === "string" ? [o, key] : [...o, key]);
    }
  }

  #unindex(key: string, e: Entry): void {
    for (const [k, c] of e.claims ?? []) {
      if (deleteFrom(this.#claimants, k, key) === 0) deleteFrom(this.#keysByIp, c.ip.text, k);
    }
    for (const ip of e.clusterIPs) {
      const o = this.#owners.get(ip);
      if (o === key || o === undefined) this.#owners.delete(ip);
      else if (typeof o !== "string") {
        const rest = o.filter((s) => s !== key);
        this.#owners.set(ip, rest.length === 1 ? rest[0] : rest);
      }
    }
  }

  /** The oldest of the owners of a ClusterIP. */
  #winner(owners: string | string[] | undefined): string | undefined {
    if (owners === undefined || typeof owners === "string") return owners;
    return owners.reduce((a, b) => (this.#older(b, a) ? b : a));
  }

  /** Re-evaluates claim keys; returns the Services (except `self`) whose acceptance changed. */
  #reevaluate(keys: Iterable<string>, self: string | undefined): Set<string> {
    const changed = new Set<string>();
    for (const k of [...keys]) {
      const before = this.#refused.get(k);
      const after = this.#evaluate(k);
      if (after) this.#refused.set(k, after);
      else this.#refused.delete(k);
      for (const v of before?.values() ?? []) this.#counts[v.reason]--;
      for (const v of after?.values() ?? []) this.#counts[v.reason]++;
      for (const svc of this.#claimants.get(k) ?? []) {
        if (svc !== self && (before?.has(svc) ?? false) !== (after?.has(svc) ?? false)) {
          changed.add(svc);
        }
      }
    }
    return changed;
  }

  /** The refused claimants of one claim key, or undefined when all are accepted. */
  #evaluate(k: string): Map<string, Verdict> | undefined {
    const claimants = this.#claimants.get(k);
    if (!claimants) return undefined;
    let ip: IpAddr | undefined;
    let winner: string | undefined;
    for (const svc of claimants) {
      ip ??= this.#services.get(svc)!.claims!.get(k)!.ip;
      if (!winner || this.#older(svc, winner)) winner = svc;
    }
    let all: Verdict | undefined;
    const owner = this.#winner(this.#owners.get(ip!.text));
    if (owner !== undefined) all = { reason: "cluster-ip", by: owner };
    else {
      const cidr = this.#cidrs.find((c) => cidrContains(c, ip!));
      if (cidr) all = { reason: "service-cidr", by: cidr.text };
    }
    if (!all && claimants.size === 1) return undefined;
    const out = new Map<string, Verdict>();
    for (const svc of claimants) {
      if (all) out.set(svc, all);
      else if (svc !== winner) out.set(svc, { reason: "conflict", by: winner! });
    }
    return out;
  }

  /** Whether Service `a` ranks before (is older than) Service `b`. */
  #older(a: string, b: string): boolean {
    const ea = this.#services.get(a)!, eb = this.#services.get(b)!;
    if (ea.createdAt !== eb.createdAt) return ea.createdAt < eb.createdAt;
    if (ea.uid !== eb.uid) {
      if (ea.uid === "" || eb.uid === "") return eb.uid === "";
      return ea.uid < eb.uid;
    }
    return a < b;
  }
}

function buildEntry(c: ServiceClaims): Entry {
  const entry: Entry = {
    createdAt: c.createdAt ?? Infinity,
    uid: c.uid,
    clusterIPs: c.clusterIPs.map((ip) => ip.text),
  };
  if (c.externalIPs.length === 0 && c.loadBalancerIPs.length === 0) return entry;
  const claims = new Map<string, Claim>();
  for (const { protocol, port } of c.ports) {
    for (const a of [...c.externalIPs, ...c.loadBalancerIPs]) {
      const k = `${a.ip.text} ${protocol} ${port}`;
      let x = claims.get(k);
      if (!x) claims.set(k, x = { ip: a.ip, protocol, port, fields: [] });
      if (!x.fields.includes(a.field)) x.fields.push(a.field);
    }
  }
  if (claims.size > 0) entry.claims = claims;
  return entry;
}

function sameEntry(a: Entry, b: Entry): boolean {
  if (a.createdAt !== b.createdAt || a.uid !== b.uid) return false;
  if (a.clusterIPs.join() !== b.clusterIPs.join()) return false;
  if ((a.claims?.size ?? 0) !== (b.claims?.size ?? 0)) return false;
  for (const [k, c] of a.claims ?? []) {
    if (b.claims!.get(k)?.fields.join() !== c.fields.join()) return false;
  }
  return true;
}

function addTo(m: Map<string, Set<string>>, k: string, v: string): void {
  let s = m.get(k);
  if (!s) m.set(k, s = new Set());
  s.add(v);
}

/** Removes `v` from the set at `k`; returns the set's size after. */
function deleteFrom(m: Map<string, Set<string>>, k: string, v: string): number {
  const s = m.get(k);
  if (!s) return 0;
  s.delete(v);
  if (s.size === 0) m.delete(k);
  return s.size;
}

/** One line explaining a refusal. */
export function refusalMessage(refusal: ClaimRefusal): string {
  switch (refusal.reason) {
    case "cluster-ip":
      return `${refusal.address} is the ClusterIP of Service ${refusal.by}; refused`;
    case "service-cidr":
      return `${refusal.address} is inside the service CIDR ${refusal.by}; refused`;
    case "conflict":
      return refusal.port === undefined
        ? `ClusterIP ${refusal.address} is also the ClusterIP of the older Service ${refusal.by}; refused`
        : `${refusal.address} ${refusal.protocol}/${refusal.port} is already claimed by the older Service ${refusal.by}; refused`;
  }
}
