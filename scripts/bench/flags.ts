/**
 * Command-line flags of `deno task bench`.
 *
 * @module
 */

import type { ManifestFormat } from "./manifest_gen.ts";

/** The sections: (a) to (j), run by default, and the soak, run only when named. */
export const SECTIONS = ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "soak"] as const;
/** One section. */
export type Section = typeof SECTIONS[number];
/** The sections `--only all` (and no `--only`) stands for. */
export const DEFAULT_SECTIONS: readonly Section[] = SECTIONS.filter((s) => s !== "soak");

/** Resolved benchmark configuration. */
export interface BenchConfig {
  only: Section[];
  /** Cluster sizes of (a), (b), (e), (f). */
  sizes: number[];
  /** Sizes at which the upstream-style layout is loaded in (b). */
  upstreamSizes: number[];
  renderRuns: number;
  applyRuns: number;
  /** Services of (c), (d), (g), (i). */
  partialServices: number;
  partialReps: number;
  latencyServices: number;
  latencySeconds: number;
  latencyRate: number;
  /** (d) single changes after an idle period. */
  idleChanges: number;
  connections: number;
  /** (g) runs of each change and apply path. */
  applyPathRuns: number;
  /** Format of every manifest the bench writes. */
  manifestFormat: ManifestFormat;
  /** (h) Services of the manifest file. */
  manifestServices: number;
  manifestRuns: number;
  /** Time limit of one proxy run reading manifests (h), (e), (i), (j), seconds. */
  manifestLimitSeconds: number;
  driftIdleSeconds: number;
  driftRepeats: number;
  /** (j) the big cluster. */
  bigServices: number;
  bigEndpoints: number;
  bigReps: number;
  soakMinutes: number;
  soakServices: number;
  soakRate: number;
  out: string;
  smoke: boolean;
}

/** Raised for a bad flag. */
export class BenchFlagError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "BenchFlagError";
  }
}

/** Help text. */
export const USAGE = `Usage: deno task bench [flags]   (as root; (a) and (h) run without)
Sections:
  (a) render           (b) full nft -f vs upstream-style   (c) partial syncs
  (d) event to kernel  (e) start to programmed, peak RSS   (f) dataplane
  (g) apply paths for one-element changes, and the floor    (h) YAML manifests, --dry-run
  (i) drift: detection, restore, idle CPU                   (j) 100k Services x 5 endpoints
  soak: churn against the real proxy (run only when named)
Flags:
  --only a,b,...|all,soak  sections to run (default: a-j)
  --sizes 1000,10000,30000   cluster sizes for (a), (b), (e), (f)
  --upstream-30k         also load the upstream-style layout at sizes > 10000 (slow)
  --render-runs N        (a) runs per size (default 5)
  --apply-runs N         (b) loads of our layout per size (default 3)
  --partial-services N   (c), (d), (g), (i) size (default 10000, or the largest --sizes)
  --partial-reps N       (c) repetitions (default 100)
  --latency-services N   (d) size (default like --partial-services)
  --latency-seconds S    (d) streaming time per run (default 60)
  --latency-rate R       (d) changes per second (default 50)
  --idle-changes N       (d) single changes after an idle period (default 10)
  --connections N        (f) connections per case (default 2000)
  --apply-path-runs N    (g) runs per change and path (default 30)
  --manifest-format F    yaml (default) or json, for every manifest written
  --manifest-services N  (h) Services in the file (default 10000)
  --manifest-runs N      (h) runs (default 3)
  --manifest-limit-seconds S  limit of one run reading manifests (default 600)
  --drift-idle-seconds S (i) idle CPU window (default 60)
  --drift-repeats N      (i) outside changes of each kind (default 3)
  --big-services N       (j) Services (default 100000)
  --big-endpoints N      (j) endpoints per Service (default 5)
  --big-reps N           (j) partial-sync repetitions (default 30)
  --soak-minutes M       soak duration (default 30)
  --soak-services N      soak size (default 10000)
  --soak-rate R          soak changes per second (default 50)
  --out DIR              output directory (default bench-results)
  --smoke                1k-sized and short everywhere: a CI check`;

function ints(name: string, raw: string): number[] {
  const out = raw.split(",").map((s) => s.trim()).filter((s) => s !== "").map(Number);
  if (out.length === 0 || out.some((n) => !Number.isInteger(n) || n < 1)) {
    throw new BenchFlagError(`--${name}: want positive integers, got ${JSON.stringify(raw)}`);
  }
  return out;
}

function positive(name: string, raw: string): number {
  const n = Number(raw);
  if (!(n > 0) || !Number.isFinite(n)) {
    throw new BenchFlagError(`--${name}: want a positive number, got ${JSON.stringify(raw)}`);
  }
  return n;
}

const VALUED = [
  "only",
  "sizes",
  "render-runs",
  "apply-runs",
  "partial-services",
  "partial-reps",
  "latency-services",
  "latency-seconds",
  "latency-rate",
  "idle-changes",
  "connections",
  "apply-path-runs",
  "manifest-format",
  "manifest-services",
  "manifest-runs",
  "manifest-limit-seconds",
  "drift-idle-seconds",
  "drift-repeats",
  "big-services",
  "big-endpoints",
  "big-reps",
  "soak-minutes",
  "soak-services",
  "soak-rate",
  "out",
];

/** Parses argv (`--flag value` or `--flag=value`). */
export function parseBenchFlags(argv: readonly string[]): BenchConfig | "help" {
  const raw = new Map<string, string>();
  const bools = new Set(["smoke", "upstream-30k", "help"]);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith("--")) throw new BenchFlagError(`unexpected argument ${JSON.stringify(a)}`);
    const eq = a.indexOf("=");
    const name = eq >= 0 ? a.slice(2, eq) : a.slice(2);
    if (bools.has(name)) raw.set(name, eq >= 0 ? a.slice(eq + 1) : "true");
    else if (eq >= 0) raw.set(name, a.slice(eq + 1));
    else if (i + 1 < argv.length) raw.set(name, argv[++i]);
    else throw new BenchFlagError(`--${name} needs a value`);
  }
  const known = new Set([...bools, ...VALUED]);
  for (const k of raw.keys()) {
    if (!known.has(k)) throw new BenchFlagError(`unknown flag --${k}\n${USAGE}`);
  }
  if (raw.get("help") === "true") return "help";
  const smoke = raw.get("smoke") === "true";
  const one = (name: string, dflt: number) => raw.has(name) ? ints(name, raw.get(name)!)[0] : dflt;
  const num = (name: string, dflt: number) => raw.has(name) ? positive(name, raw.get(name)!) : dflt;
  const sizes = raw.has("sizes")
    ? ints("sizes", raw.get("sizes")!)
    : smoke
    ? [1000]
    : [1000, 10000, 30000];
  const only: Section[] = [];
  for (const s of (raw.get("only") ?? "all").split(",").map((x) => x.trim()).filter(Boolean)) {
    if (s === "all") only.push(...DEFAULT_SECTIONS);
    else if ((SECTIONS as readonly string[]).includes(s)) only.push(s as Section);
    else throw new BenchFlagError(`--only: unknown section ${s}`);
  }
  const format = raw.get("manifest-format") ?? "yaml";
  if (format !== "yaml" && format !== "json") {
    throw new BenchFlagError(`--manifest-format: want yaml or json, got ${JSON.stringify(format)}`);
  }
  const upstream30k = raw.get("upstream-30k") === "true";
  const upstreamSizes = sizes.filter((n) => upstream30k || n <= (smoke ? 1000 : 10000));
  const mid = sizes.includes(10000) ? 10000 : Math.max(...sizes);
  const partialServices = one("partial-services", mid);
  return {
    only: [...new Set(only)],
    sizes,
    upstreamSizes,
    renderRuns: one("render-runs", smoke ? 3 : 5),
    applyRuns: one("apply-runs", smoke ? 1 : 3),
    partialServices,
    partialReps: one("partial-reps", smoke ? 10 : 100),
    latencyServices: one("latency-services", partialServices),
    latencySeconds: one("latency-seconds", smoke ? 5 : 60),
    latencyRate: one("latency-rate", 50),
    idleChanges: one("idle-changes", smoke ? 3 : 10),
    connections: one("connections", smoke ? 200 : 2000),
    applyPathRuns: one("apply-path-runs", smoke ? 20 : 30),
    manifestFormat: format,
    manifestServices: one("manifest-services", smoke ? 1000 : 10000),
    manifestRuns: one("manifest-runs", smoke ? 1 : 3),
    manifestLimitSeconds: one("manifest-limit-seconds", 600),
    driftIdleSeconds: one("drift-idle-seconds", smoke ? 5 : 60),
    driftRepeats: one("drift-repeats", smoke ? 1 : 3),
    bigServices: one("big-services", smoke ? 2000 : 100_000),
    bigEndpoints: one("big-endpoints", 5),
    bigReps: one("big-reps", smoke ? 5 : 30),
    soakMinutes: num("soak-minutes", smoke ? 1 : 30),
    soakServices: one("soak-services", smoke ? 1000 : 10000),
    soakRate: one("soak-rate", 50),
    out: raw.get("out") ?? "bench-results",
    smoke,
  };
}
