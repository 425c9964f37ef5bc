/**
 * Seeded generators of untrusted Kubernetes objects for property tests:
 * valid Services, EndpointSlices and Nodes with independently computed
 * expected readings (every IP literal form the API server or an operator may
 * write), and mutants of them with a wrong JSON type, nft syntax, a bad IP,
 * an extreme number, a `__proto__` key, or a huge list or string at a random
 * field (see `fuzz_values.ts`).
 *
 * The expectations are an oracle written apart from `src/model`: they never
 * call the code under test. Reusable for an nft-level fuzz test.
 *
 * @module
 */

import { canonicalIp, ipForm, mutate, randomBytes, Rng } from "./fuzz_values.ts";

export * from "./fuzz_values.ts";

// ---- Services.

/** What reading a valid generated Service must give. */
export interface ExpectedService {
  key: string;
  ports: { id: string; protocol: string; port: number; nodePort: number; portName: string }[];
  clusterIPs: string[];
  externalIPs: string[];
  loadBalancerIPs: string[];
  sourceRanges: string[];
  affinityTimeoutSeconds: number;
  externalPolicyLocal: boolean;
  internalPolicyLocal: boolean;
}

/** A generated object: valid (with its expected reading) or a mutant. */
export interface Generated<E> {
  object: unknown;
  expected?: E;
  /** For mutants: the path that was changed and what to. */
  mutation?: string;
}

const LETTERS = "abcdefghijklmnopqrstuvwxyz";

function label(rng: Rng, max = 63): string {
  const len = rng.chance(0.1) ? max : rng.int(1, 12);
  let s = rng.pick([...LETTERS]);
  for (let i = 1; i < len; i++) s += rng.pick([...LETTERS, ..."0123456789-"]);
  return s.endsWith("-") ? `${s.slice(0, -1)}z` : s;
}

/** Valid Service `i`: unique ClusterIPs and external IPs derived from `i`. */
export function validService(rng: Rng, i: number): Generated<ExpectedService> {
  const ns = label(rng), name = `s${i}-${label(rng, 40)}`;
  const type = rng.pick(["ClusterIP", "NodePort", "LoadBalancer"]);
  const v4 = [10, 96, (i >> 8) & 255, i & 255];
  const v6 = [0xfd, 0, 0, 0x96, ...Array(10).fill(0), (i >> 8) & 255, i & 255];
  const families = rng.pick([[v4], [v6], [v4, v6], [v6, v4]]);
  const spec: Record<string, unknown> = { type };
  const cips = families.map((b) => ipForm(rng, b));
  spec.clusterIPs = cips;
  spec.clusterIP = cips[0];
  const protocols = ["TCP", "UDP", "SCTP"];
  const nPorts = rng.int(1, 4);
  const ports: ExpectedService["ports"] = [];
  const rawPorts: Record<string, unknown>[] = [];
  for (let p = 0; p < nPorts; p++) {
    const proto = rng.pick(protocols);
    const port = rng.pick([1, 65535, rng.int(1, 65535)]);
    const portName = nPorts === 1 && rng.chance(0.5) ? "" : `p${p}-${rng.pick(["http", "dns"])}`;
    const nodePort = type !== "ClusterIP" && rng.chance(0.7) ? 30000 + i * 4 + p : 0;
    const raw: Record<string, unknown> = { port, targetPort: rng.int(1, 65535) };
    if (portName) raw.name = portName;
    if (proto !== "TCP" || rng.chance(0.5)) raw.protocol = proto;
    if (nodePort) raw.nodePort = nodePort;
    rawPorts.push(raw);
    const protocol = proto.toLowerCase();
    ports.push({
      id: `${ns}/${name}/${protocol}/${portName || String(port)}`,
      protocol,
      port,
      nodePort,
      portName,
    });
  }
  spec.ports = rawPorts;
  const ext: string[] = [];
  if (rng.chance(0.4)) {
    const raw: string[] = [];
    for (let k = rng.int(1, 3); k > 0; k--) {
      const b = rng.chance(0.7)
        ? [192, 0, 2, (i + k) & 255]
        : randomBytes(rng, 6, [0x20, 1, 0xd, 0xb8]);
      raw.push(ipForm(rng, b));
      if (!ext.includes(canonicalIp(b))) ext.push(canonicalIp(b));
    }
    spec.externalIPs = raw;
  }
  const lb: string[] = [], ranges: string[] = [];
  const obj: Record<string, unknown> = {
    apiVersion: "v1",
    kind: "Service",
    metadata: {
      name,
      namespace: ns,
      uid: `u-${i}`,
      creationTimestamp: new Date(Date.UTC(2024, 0, 1) + i * 1000).toISOString(),
      labels: { app: name },
    },
    spec,
  };
  if (type === "LoadBalancer") {
    const ingress: Record<string, unknown>[] = [{ hostname: "lb.example.com" }];
    const b = [198, 51, 100, i & 255];
    ingress.push(rng.chance(0.5) ? { ip: ipForm(rng, b), ipMode: "VIP" } : { ip: ipForm(rng, b) });
    lb.push(canonicalIp(b));
    ingress.push({ ip: "203.0.113.250", ipMode: "Proxy" });
    obj.status = { loadBalancer: { ingress } };
    if (rng.chance(0.6)) {
      const raw: string[] = [];
      for (let k = rng.int(1, 3); k > 0; k--) {
        const fam = rng.chance(0.6) ? 4 : 6;
        const prefix = rng.int(0, fam === 4 ? 32 : 128);
        const bytes = randomBytes(rng, fam);
        const masked = bytes.map((x, j) => {
          const bits = Math.max(0, Math.min(8, prefix - 8 * j));
          return x & ((0xff << (8 - bits)) & 0xff);
        });
        raw.push(`${rng.chance(0.2) ? " " : ""}${ipForm(rng, bytes).trim()}/${prefix}`);
        const text = `${canonicalIp(masked)}/${prefix}`;
        if (!ranges.includes(text)) ranges.push(text);
      }
      spec.loadBalancerSourceRanges = raw;
    }
  }
  let affinity = 0;
  if (rng.chance(0.3)) {
    spec.sessionAffinity = "ClientIP";
    affinity = 10800;
    if (rng.chance(0.5)) {
      affinity = rng.pick([1, 86400, rng.int(1, 86400)]);
      spec.sessionAffinityConfig = { clientIP: { timeoutSeconds: affinity } };
    }
  }
  const etpLocal = rng.chance(0.3);
  if (etpLocal) spec.externalTrafficPolicy = "Local";
  const itpLocal = rng.chance(0.2);
  if (itpLocal) spec.internalTrafficPolicy = "Local";
  return {
    object: obj,
    expected: {
      key: `${ns}/${name}`,
      ports,
      clusterIPs: families.map(canonicalIp),
      externalIPs: ext,
      loadBalancerIPs: lb,
      sourceRanges: ranges,
      affinityTimeoutSeconds: affinity,
      externalPolicyLocal: etpLocal && (type !== "ClusterIP" || ext.length > 0),
      internalPolicyLocal: itpLocal,
    },
  };
}

/** `count` Services: about half valid (with expectations), half mutants of valid ones. */
export function fuzzServices(seed: number, count: number): Generated<ExpectedService>[] {
  const rng = new Rng(seed);
  const out: Generated<ExpectedService>[] = [];
  for (let i = 0; i < count; i++) {
    const g = validService(rng, i);
    if (rng.chance(0.5)) out.push(g);
    else {
      const { value, mutation } = mutate(rng, g.object);
      out.push({ object: value, mutation });
    }
  }
  return out;
}

export * from "./fuzz_endpoints.ts";
