/**
 * The building blocks of the object fuzzer (`fuzz_objects.ts`): a seeded
 * PRNG, hostile values (nft syntax, bad IPs, wrong JSON types, extreme
 * numbers, huge lists and strings), IP literals in every accepted form with
 * their canonical text from an independent formatter, and a mutator that
 * replaces one random node of a JSON value.
 *
 * @module
 */

/** A small, fast, seeded PRNG (mulberry32). */
export class Rng {
  #s: number;
  constructor(seed: number) {
    this.#s = seed >>> 0;
  }
  /** A float in [0, 1). */
  next(): number {
    let t = (this.#s = (this.#s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** An integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  pick<T>(list: readonly T[]): T {
    return list[this.int(0, list.length - 1)];
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

/** Strings that would change an nft script if pasted into it. */
export const NFT_SYNTAX: readonly string[] = [
  "} ; flush ruleset",
  "10.0.0.1 } ; flush ruleset ; {",
  "\n delete table ip kube-nft-proxy",
  "@service-ips",
  "$evil",
  '"quoted"',
  "# comment",
  "{ 10.0.0.1, 0.0.0.0/0 }",
  "web ; add rule",
  "0.0.0.0/0, ::/0",
  "tcp dport 22 accept",
  "a\u0000b",
];

/** IP-ish texts that are not valid IP literals. */
export const BAD_IPS: readonly string[] = [
  "",
  " ",
  "1.2.3",
  "1.2.3.4.5",
  "256.1.1.1",
  "1.2.3.-4",
  "1.2.3.0004",
  "0x0a.0.0.1",
  "10.0.0.1/32",
  "fe80::1%eth0",
  "1::2::3",
  "::g",
  "1:2:3:4:5:6:7:8:9",
  "[::1]",
  "localhost",
  "None",
];

/** A random JSON value of any type (bounded depth). */
export function randomJson(rng: Rng, depth = 2): unknown {
  switch (rng.int(0, depth > 0 ? 9 : 6)) {
    case 0:
      return null;
    case 1:
      return rng.chance(0.5);
    case 2:
      return rng.pick([0, -1, 1.5, 65536, 1e308, -1e308, 2 ** 53, 80, 30080]);
    case 3:
      return rng.pick(NFT_SYNTAX);
    case 4:
      return rng.pick(BAD_IPS);
    case 5:
      return rng.pick(["", "None", "Local", "TCP", "__proto__", "constructor", "x".repeat(300)]);
    case 6:
      return rng.chance(0.5) ? [] : {};
    case 7:
      return Array.from({ length: rng.int(1, 3) }, () => randomJson(rng, depth - 1));
    case 8: {
      const o: Record<string, unknown> = {};
      for (let i = rng.int(1, 3); i > 0; i--) {
        o[rng.pick(["__proto__", "constructor", "name", "ip", "port", "x"])] = randomJson(
          rng,
          depth - 1,
        );
      }
      return o;
    }
    default:
      return rng.chance(0.5)
        ? Array.from({ length: 20000 }, (_, i) => (i % 2 ? "1.2.3" : i))
        : "9".repeat(100000);
  }
}

// ---- IP literals: random forms, and the canonical text an independent formatter gives.

/** Canonical text of 4 or 16 bytes (dotted quad; RFC 5952 for IPv6). */
export function canonicalIp(bytes: readonly number[]): string {
  if (bytes.length === 4) return bytes.join(".");
  const g = Array.from({ length: 8 }, (_, i) => bytes[2 * i] * 256 + bytes[2 * i + 1]);
  let best = -1, bestLen = 1;
  for (let i = 0; i < 8; i++) {
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
  }
  const hex = (l: number[]) => l.map((x) => x.toString(16)).join(":");
  return best < 0 ? hex(g) : `${hex(g.slice(0, best))}::${hex(g.slice(best + bestLen))}`;
}

/** A random way to write `bytes` that Kubernetes accepts (sloppy IPv4, any IPv6 form). */
export function ipForm(rng: Rng, bytes: readonly number[]): string {
  let text: string;
  if (bytes.length === 4) {
    text = bytes.map((b) => (rng.chance(0.2) ? String(b).padStart(3, "0") : String(b))).join(".");
  } else {
    const g = Array.from({ length: 8 }, (_, i) => bytes[2 * i] * 256 + bytes[2 * i + 1]);
    const parts = g.map((x) => {
      const h = x.toString(16);
      return rng.chance(0.2) ? h.padStart(4, "0") : h;
    });
    text = rng.chance(0.5) ? canonicalIp(bytes) : parts.join(":");
    if (rng.chance(0.3)) text = text.toUpperCase();
  }
  return rng.chance(0.15) ? ` ${text} ` : text;
}

/** Random address bytes of a family inside a prefix (`base`, the first bytes fixed). */
export function randomBytes(rng: Rng, family: 4 | 6, base: readonly number[] = []): number[] {
  const n = family === 4 ? 4 : 16;
  return Array.from({ length: n }, (_, i) => (i < base.length ? base[i] : rng.int(0, 255)));
}

// ---- Mutations.

/** Every path (list of keys) inside a JSON value. */
export function paths(v: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = [prefix];
  if (Array.isArray(v)) v.forEach((x, i) => out.push(...paths(x, [...prefix, i])));
  else if (v && typeof v === "object") {
    for (const [k, x] of Object.entries(v)) out.push(...paths(x, [...prefix, k]));
  }
  return out;
}

/**
 * A deep copy of `v` with one random node replaced: by a random JSON value
 * (wrong type, nft syntax, bad IP, extreme number, huge list or string), or a
 * `__proto__` key added. Returns the copy and a description of the change.
 */
export function mutate(rng: Rng, v: unknown): { value: unknown; mutation: string } {
  const copy = JSON.parse(JSON.stringify(v));
  const all = paths(copy);
  const path = rng.pick(all.length > 1 ? all.slice(1) : all);
  const replacement = randomJson(rng);
  const where = path.join(".") || "(root)";
  if (path.length === 0) return { value: replacement, mutation: `(root) = ${short(replacement)}` };
  let parent = copy;
  for (const k of path.slice(0, -1)) parent = parent[k];
  const last = path[path.length - 1];
  const target = parent[last];
  if (rng.chance(0.1) && target && typeof target === "object" && !Array.isArray(target)) {
    // JSON.parse makes "__proto__" an own key, as the API source's parser does.
    const rest = JSON.stringify(target).slice(1);
    const head = `{"__proto__":${JSON.stringify(replacement ?? null)}`;
    parent[last] = JSON.parse(rest === "}" ? `${head}}` : `${head},${rest}`);
    return { value: copy, mutation: `${where}.__proto__ = ${short(replacement)}` };
  }
  parent[last] = replacement;
  return { value: copy, mutation: `${where} = ${short(replacement)}` };
}

function short(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 60)}...` : s;
}
