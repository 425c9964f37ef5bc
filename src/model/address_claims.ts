/**
 * Who owns an address: a pure, incremental resolver of the entry points that
 * Services claim (CVE-2020-8554 class). Without it, a Service in namespace
 * `aaa` with `externalIPs: [<kube-dns ClusterIP>]` could black-hole or steal
 * cluster DNS, because the first owner by name won.
 *
 * Rules:
 * - A ClusterIP always belongs to its Service.
 * - An external IP or load-balancer ingress IP that equals ANY Service's
 *   ClusterIP, or lies inside a service CIDR, is refused for that Service.
 * - When two Services claim the same address, protocol and port (both as
 *   external/LB addresses, or both as ClusterIPs, which only hand-written
 *   manifests can do), the older one wins: by `metadata.creationTimestamp`,
 *   then `metadata.uid` (a missing one ranks last), and only when both are
 *   equal or missing, by namespace/name so that the answer stays
 *   deterministic. The loser's claim is refused, naming the winner.
 *
 * Incremental: {@linkcode AddressClaims.update} re-evaluates only the
 * addresses the changed Service claims or claimed (and, when its ClusterIPs
 * changed, the claims on those IPs), and returns the OTHER Services whose
 * effective claims changed, so that the caller re-renders them too. A change
 * of the service CIDRs re-evaluates everything.
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
  /** Every address is claimed on each of these. */
  ports: readonly { protocol: Protocol; port: number }[];
  externalIPs: readonly ClaimedAddress[];
  loadBalancerIPs: readonly ClaimedAddress[];
}

/** Why a claim was refused. */
export type RefusalReason = "cluster-ip" | "service-cidr" | "conflict";

/** A refused claim of one Service. */
export interface ClaimRefusal {
  address: string;
  protocol: Protocol;
  port: number;
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

/** One Service's claim on one `address protocol port`. */
interface Claim {
  ip: IpAddr;
  /** As a ClusterIP. */
  cluster: boolean;
  /** Fields of the external/LB addresses making this claim (empty: none). */
  fields: string[];
}

interface Entry {
  createdAt: number;
  uid: string;
  clusterIPs: string[];
  claims: Map<string, Claim>;
}

/** undefined: accepted; otherwise why not. */
type Verdict = { reason: RefusalReason; by: string } | undefined;
/** Verdicts of one Service on one claim key: as ClusterIP, and as external/LB address. */
interface Status {
  cluster?: Verdict;
  external?: Verdict;
  hasCluster: boolean;
  hasExternal: boolean;
}

function claimKey(ip: string, protocol: Protocol, port: number): string {
  return `${ip} ${protocol} ${port}`;
}

/** Resolves who owns each claimed address; see the module documentation. */
export class AddressClaims {
  #services = new Map<string, Entry>();
  /** claim key → Services claiming it. */
  #claimants = new Map<string, Set<string>>();
  /** IP text → claim keys on it. */
  #keysByIp = new Map<string, Set<string>>();
  /** IP text → Services whose ClusterIP it is. */
  #clusterIpOwners = new Map<string, Set<string>>();
  /** claim key → verdict per claimant. */
  #status = new Map<string, Map<string, Status>>();
  #cidrs: readonly Cidr[] = [];
  #refused: Record<RefusalReason, number> = { "cluster-ip": 0, "service-cidr": 0, conflict: 0 };

  /** Number of Services known. */
  get size(): number {
    return this.#services.size;
  }

  /** Refused claims (per Service, address, protocol and port) by reason, e.g. for a gauge. */
  refusedCounts(): Readonly<Record<RefusalReason, number>> {
    return { ...this.#refused };
  }

  /**
   * Sets the service CIDRs. When they differ from the current ones, every
   * claim is re-evaluated; returns the Services whose effective claims changed.
   */
  setServiceCidrs(cidrs: readonly Cidr[]): Set<string> {
    const text = (l: readonly Cidr[]) => l.map((c) => c.text).sort().join(",");
    if (text(cidrs) === text(this.#cidrs)) return new Set();
    this.#cidrs = [...cidrs];
    return this.#reevaluate([...this.#claimants.keys()], undefined);
  }

  /**
   * Sets (or, with `claims` undefined, removes) what Service `key`
   * (`namespace/name`) claims. Returns the OTHER Services whose effective
   * claims changed: re-render them too. Call it for every changed Service
   * before rendering any of them.
   */
  update(key: string, claims: ServiceClaims | undefined): Set<string> {
    const old = this.#services.get(key);
    const next = claims ? buildEntry(claims) : undefined;
    const affected = new Set<string>();
    if (old) { for (const k of old.claims.keys()) affected.add(k); }
    if (next) { for (const k of next.claims.keys()) affected.add(k); }
    // A ClusterIP that appears or goes away changes the verdict of every claim on that IP.
    const oldIps = old?.clusterIPs ?? [], newIps = next?.clusterIPs ?? [];
    for (const ip of [...oldIps, ...newIps]) {
      if (oldIps.includes(ip) && newIps.includes(ip)) continue;
      for (const k of this.#keysByIp.get(ip) ?? []) affected.add(k);
    }
    if (old) this.#unindex(key, old);
    if (next) {
      this.#services.set(key, next);
      this.#index(key, next);
    } else this.#services.delete(key);
    return this.#reevaluate(affected, key);
  }

  /** The refused claims of Service `key`. */
  refusals(key: string): ClaimRefusal[] {
    const entry = this.#services.get(key);
    const out: ClaimRefusal[] = [];
    if (!entry) return out;
    for (const [k, claim] of entry.claims) {
      const st = this.#status.get(k)?.get(key);
      if (!st) continue;
      const [, protocol, port] = k.split(" ");
      const base = { address: claim.ip.text, protocol: protocol as Protocol, port: Number(port) };
      if (st.hasCluster && st.cluster) {
        out.push({ ...base, field: "spec.clusterIPs", ...st.cluster });
      }
      if (st.hasExternal && st.external) {
        for (const field of claim.fields) out.push({ ...base, field, ...st.external });
      }
    }
    return out;
  }

  /**
   * The ports of Service `key` without the addresses it may not have,
   * reporting each refusal to `report` (with the field it came from). Ports
   * that lose nothing are returned as they are. A Service never passed to
   * {@linkcode update} loses nothing.
   */
  filterPorts<T extends PortAddresses>(
    key: string,
    ports: readonly T[],
    report?: ProblemSink,
  ): T[] {
    const entry = this.#services.get(key);
    if (!entry) return [...ports];
    if (report) {
      const object = `Service ${key}`;
      const seen = new Set<string>();
      for (const r of this.refusals(key)) {
        const message = refusalMessage(r);
        if (seen.has(`${r.field} ${message}`)) continue; // the same refusal on several ports
        seen.add(`${r.field} ${message}`);
        report({ kind: "Service", object, field: r.field, message });
      }
    }
    const ok = (ip: IpAddr, p: T, external: boolean): boolean => {
      const st = this.#status.get(claimKey(ip.text, p.protocol, p.port))?.get(key);
      if (!st) return true;
      return external ? st.external === undefined : st.cluster === undefined;
    };
    return ports.map((p) => {
      const clusterIPs = p.clusterIPs.filter((ip) => ok(ip, p, false));
      const externalIPs = p.externalIPs.filter((ip) => ok(ip, p, true));
      const loadBalancerIPs = p.loadBalancerIPs.filter((ip) => ok(ip, p, true));
      if (
        clusterIPs.length === p.clusterIPs.length && externalIPs.length === p.externalIPs.length &&
        loadBalancerIPs.length === p.loadBalancerIPs.length
      ) return p;
      return { ...p, clusterIPs, externalIPs, loadBalancerIPs };
    });
  }

  #index(key: string, e: Entry): void {
    for (const [k, c] of e.claims) {
      addTo(this.#claimants, k, key);
      addTo(this.#keysByIp, c.ip.text, k);
    }
    for (const ip of e.clusterIPs) addTo(this.#clusterIpOwners, ip, key);
  }

  #unindex(key: string, e: Entry): void {
    for (const [k, c] of e.claims) {
      if (deleteFrom(this.#claimants, k, key) === 0) deleteFrom(this.#keysByIp, c.ip.text, k);
    }
    for (const ip of e.clusterIPs) deleteFrom(this.#clusterIpOwners, ip, key);
  }

  /** Re-evaluates claim keys; returns the Services (except `self`) whose acceptance changed. */
  #reevaluate(keys: Iterable<string>, self: string | undefined): Set<string> {
    const changed = new Set<string>();
    for (const k of keys) {
      const before = this.#status.get(k);
      const after = this.#evaluate(k);
      if (after.size > 0) this.#status.set(k, after);
      else this.#status.delete(k);
      this.#count(before, -1);
      this.#count(after, +1);
      for (const svc of new Set([...(before?.keys() ?? []), ...after.keys()])) {
        if (svc !== self && !sameAcceptance(before?.get(svc), after.get(svc))) changed.add(svc);
      }
    }
    return changed;
  }

  #count(m: Map<string, Status> | undefined, sign: number): void {
    if (!m) return;
    for (const st of m.values()) {
      if (st.hasCluster && st.cluster) this.#refused[st.cluster.reason] += sign;
      if (st.hasExternal && st.external) this.#refused[st.external.reason] += sign;
    }
  }

  #evaluate(k: string): Map<string, Status> {
    const out = new Map<string, Status>();
    const claimants = this.#claimants.get(k);
    if (!claimants) return out;
    let ip: IpAddr | undefined;
    let clusterWinner: string | undefined, externalWinner: string | undefined;
    for (const svc of claimants) {
      const c = this.#services.get(svc)!.claims.get(k)!;
      ip = c.ip;
      if (c.cluster && (!clusterWinner || this.#older(svc, clusterWinner))) clusterWinner = svc;
      if (c.fields.length > 0 && (!externalWinner || this.#older(svc, externalWinner))) {
        externalWinner = svc;
      }
    }
    let externalRefusal: Verdict;
    const owners = this.#clusterIpOwners.get(ip!.text);
    if (owners && owners.size > 0) {
      let owner: string | undefined;
      for (const o of owners) if (!owner || this.#older(o, owner)) owner = o;
      externalRefusal = { reason: "cluster-ip", by: owner! };
    } else {
      const cidr = this.#cidrs.find((c) => cidrContains(c, ip!));
      if (cidr) externalRefusal = { reason: "service-cidr", by: cidr.text };
    }
    for (const svc of claimants) {
      const c = this.#services.get(svc)!.claims.get(k)!;
      const hasExternal = c.fields.length > 0;
      out.set(svc, {
        hasCluster: c.cluster,
        hasExternal,
        cluster: !c.cluster || svc === clusterWinner
          ? undefined
          : { reason: "conflict", by: clusterWinner! },
        external: !hasExternal ? undefined : externalRefusal ??
          (svc === externalWinner ? undefined : { reason: "conflict", by: externalWinner! }),
      });
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
  const claims = new Map<string, Claim>();
  const claim = (ip: IpAddr, protocol: Protocol, port: number): Claim => {
    const k = claimKey(ip.text, protocol, port);
    let x = claims.get(k);
    if (!x) claims.set(k, x = { ip, cluster: false, fields: [] });
    return x;
  };
  for (const { protocol, port } of c.ports) {
    for (const ip of c.clusterIPs) claim(ip, protocol, port).cluster = true;
    for (const a of [...c.externalIPs, ...c.loadBalancerIPs]) {
      const x = claim(a.ip, protocol, port);
      if (!x.fields.includes(a.field)) x.fields.push(a.field);
    }
  }
  return {
    createdAt: c.createdAt ?? Infinity,
    uid: c.uid,
    clusterIPs: c.clusterIPs.map((ip) => ip.text),
    claims,
  };
}

function sameAcceptance(a: Status | undefined, b: Status | undefined): boolean {
  const accepted = (s: Status | undefined) =>
    `${s?.hasCluster && !s.cluster} ${s?.hasExternal && !s.external}`;
  return accepted(a) === accepted(b);
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
export function refusalMessage(r: ClaimRefusal): string {
  const what = `${r.address} ${r.protocol}/${r.port}`;
  switch (r.reason) {
    case "cluster-ip":
      return `${r.address} is the ClusterIP of Service ${r.by}; refused`;
    case "service-cidr":
      return `${r.address} is inside the service CIDR ${r.by}; refused`;
    case "conflict":
      return `${what} is already claimed by the older Service ${r.by}; refused`;
  }
}
