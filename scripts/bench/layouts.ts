/**
 * Reference rulesets the proxy's layout is compared with, generated from the
 * same synthetic cluster:
 *
 * - {@linkcode renderUpstreamStyle}: the layout of upstream kube-proxy's
 *   nftables mode up to 2025: services dispatched by a verdict map
 *   `service-ips`, one chain per service port choosing an endpoint with an
 *   anonymous `numgen random mod N vmap { i : goto endpoint-chain }`, and one
 *   chain per endpoint doing the DNAT.
 * - {@linkcode renderIptablesStyle}: iptables mode written in nft: one chain
 *   with one rule per service port matched in order (linear), per-service
 *   chains choosing an endpoint with successive random tests of probability
 *   1/(N-i) as `-m statistic --mode random` does, and per-endpoint chains.
 *
 * Both are written for this benchmark (not copied); they keep the parts that
 * drive load and lookup cost.
 *
 * @module
 */

import {
  CLUSTER_CIDR,
  defaultEndpoints,
  SERVICE_PORT,
  serviceIp,
  serviceName,
  TARGET_PORT,
} from "./cluster_gen.ts";

/** One service port of the synthetic cluster. */
export interface PlainService {
  /** `namespace/name`. */
  key: string;
  ip: string;
  port: number;
  targetPort: number;
  endpoints: string[];
}

/** The same services as {@linkcode generateObjects} makes, in plain form. */
export function plainServices(
  count: number,
  perService = 10,
  lastServiceEndpoints?: string[],
): PlainService[] {
  return Array.from({ length: count }, (_, i) => ({
    key: `bench/${serviceName(i)}`,
    ip: serviceIp(i),
    port: SERVICE_PORT,
    targetPort: TARGET_PORT,
    endpoints: i === count - 1 && lastServiceEndpoints
      ? lastServiceEndpoints
      : defaultEndpoints(i, perService),
  }));
}

/** A short stable hash (FNV-1a, base 36), like upstream's hashed chain names. */
export function shortHash(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(36).toUpperCase().padStart(7, "0");
}

function skeleton(out: string[], table: string): void {
  out.push(
    `add table ip ${table}`,
    `delete table ip ${table}`,
    `table ip ${table} {`,
    "\tchain nat-prerouting {",
    "\t\ttype nat hook prerouting priority -100; policy accept;",
    "\t\tjump services",
    "\t}",
    "\tchain nat-output {",
    "\t\ttype nat hook output priority -100; policy accept;",
    "\t\tjump services",
    "\t}",
    "\tchain nat-postrouting {",
    "\t\ttype nat hook postrouting priority 100; policy accept;",
    "\t\tjump masquerading",
    "\t}",
    "\tchain mark-for-masquerade {",
    "\t\tmeta mark set meta mark | 0x00004000",
    "\t}",
    "\tchain masquerading {",
    "\t\tmeta mark & 0x00004000 == 0 return",
    "\t\tmeta mark set meta mark ^ 0x00004000",
    "\t\tmasquerade fully-random",
    "\t}",
  );
}

function endpointChain(out: string[], name: string, ep: string, targetPort: number): void {
  out.push(
    `\tchain ${name} {`,
    `\t\tip saddr ${ep} jump mark-for-masquerade`,
    `\t\tmeta l4proto tcp dnat to ${ep}:${targetPort}`,
    "\t}",
  );
}

/** The upstream-style ruleset (table `ip kube-proxy-upstream`). */
export function renderUpstreamStyle(services: readonly PlainService[]): string {
  const out: string[] = [];
  const table = "kube-proxy-upstream";
  skeleton(out, table);
  out.push(
    "\tmap service-ips { type ipv4_addr . inet_proto . inet_service : verdict; }",
    "\tset cluster-ips { type ipv4_addr; }",
    "\tchain services {",
    "\t\tip daddr . meta l4proto . th dport vmap @service-ips",
    "\t}",
  );
  const elements: string[] = [];
  const ips: string[] = [];
  for (const s of services) {
    const base = `${s.key}/tcp/http`;
    const svcChain = `service-${shortHash(base)}-${base}`;
    const epChains = s.endpoints.map((ep) => {
      const n = `${base}__${ep}/${s.targetPort}`;
      return `endpoint-${shortHash(n)}-${n}`;
    });
    out.push(
      `\tchain ${svcChain} {`,
      `\t\tip daddr ${s.ip} tcp dport ${s.port} ip saddr != ${CLUSTER_CIDR} jump mark-for-masquerade`,
    );
    if (epChains.length > 0) {
      const vmap = epChains.map((c, i) => `${i} : goto ${c}`).join(" , ");
      out.push(`\t\tnumgen random mod ${epChains.length} vmap { ${vmap} }`);
    }
    out.push("\t}");
    s.endpoints.forEach((ep, i) => endpointChain(out, epChains[i], ep, s.targetPort));
    elements.push(`${s.ip} . tcp . ${s.port} : goto ${svcChain}`);
    ips.push(s.ip);
  }
  out.push("}");
  for (let i = 0; i < elements.length; i += 2000) {
    out.push(`add element ip ${table} service-ips { ${elements.slice(i, i + 2000).join(", ")} }`);
    out.push(`add element ip ${table} cluster-ips { ${ips.slice(i, i + 2000).join(", ")} }`);
  }
  out.push("");
  return out.join("\n");
}

/**
 * The iptables-mode-style ruleset (table `ip kube-proxy-iptables`): services
 * are matched in the given order, so the LAST service is the worst case.
 */
export function renderIptablesStyle(services: readonly PlainService[]): string {
  const out: string[] = [];
  const table = "kube-proxy-iptables";
  skeleton(out, table);
  const dispatch: string[] = [];
  for (const s of services) {
    const h = shortHash(`${s.key}/tcp/http`);
    const svcChain = `svc-${h}`;
    dispatch.push(`\t\tip daddr ${s.ip} tcp dport ${s.port} jump ${svcChain}`);
    out.push(
      `\tchain ${svcChain} {`,
      `\t\tip daddr ${s.ip} tcp dport ${s.port} ip saddr != ${CLUSTER_CIDR} jump mark-for-masquerade`,
    );
    const n = s.endpoints.length;
    for (let j = 0; j < n; j++) {
      const target = `sep-${h}-${j}`;
      out.push(
        j < n - 1 ? `\t\tnumgen random mod ${n - j} 0 goto ${target}` : `\t\tgoto ${target}`,
      );
    }
    out.push("\t}");
    s.endpoints.forEach((ep, j) => endpointChain(out, `sep-${h}-${j}`, ep, s.targetPort));
  }
  out.push("\tchain services {", ...dispatch, "\t}", "}", "");
  return out.join("\n");
}
