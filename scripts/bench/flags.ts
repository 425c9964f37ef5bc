/**
 * Command-line flags of `deno task bench`.
 *
 * @module
 */

/** The sections, (a) to (f). */
export const SECTIONS = ["a", "b", "c", "d", "e", "f"] as const;
/** One section letter. */
export type Section = typeof SECTIONS[number];

/** Resolved benchmark configuration. */
export interface BenchConfig {
  only: Section[];
  /** Cluster sizes of (a), (b), (e), (f). */
  sizes: number[];
  /** Sizes at which the upstream-style layout is loaded in (b). */
  upstreamSizes: number[];
  renderRuns: number;
  applyRuns: number;
  /** Services of (c) and (d). */
  partialServices: number;
  partialReps: number;
  latencyServices: number;
  latencySeconds: number;
  latencyRate: number;
  connections: number;
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
export const USAGE = `Usage: deno task bench [flags]
  --only a,b,c,d,e,f     sections to run (default: all)
  --sizes 1000,10000,30000   cluster sizes for (a), (b), (e), (f)
  --upstream-30k         also load the upstream-style layout at sizes > 10000 (slow)
  --render-runs N        (a) runs per size (default 5)
  --apply-runs N         (b) loads of our layout per size (default 3)
  --partial-services N   (c) size (default 10000, or the largest --sizes)
  --partial-reps N       (c) repetitions (default 50)
  --latency-services N   (d) size (default like --partial-services)
  --latency-seconds S    (d) streaming time per run (default 60)
  --latency-rate R       (d) changes per second (default 50)
  --connections N        (f) connections per case (default 2000)
  --out DIR              output directory (default bench-results)
  --smoke                sizes 1000 only, short (d) and (f): a CI check under 3 minutes`;

function ints(name: string, raw: string): number[] {
  const out = raw.split(",").map((s) => s.trim()).filter((s) => s !== "").map(Number);
  if (out.length === 0 || out.some((n) => !Number.isInteger(n) || n < 1)) {
    throw new BenchFlagError(`--${name}: want positive integers, got ${JSON.stringify(raw)}`);
  }
  return out;
}

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
  const known = new Set([
    ...bools,
    "only",
    "sizes",
    "render-runs",
    "apply-runs",
    "partial-services",
    "partial-reps",
    "latency-services",
    "latency-seconds",
    "latency-rate",
    "connections",
    "out",
  ]);
  for (const k of raw.keys()) {
    if (!known.has(k)) throw new BenchFlagError(`unknown flag --${k}\n${USAGE}`);
  }
  if (raw.get("help") === "true") return "help";
  const smoke = raw.get("smoke") === "true";
  const one = (name: string, dflt: number) => raw.has(name) ? ints(name, raw.get(name)!)[0] : dflt;
  const sizes = raw.has("sizes")
    ? ints("sizes", raw.get("sizes")!)
    : smoke
    ? [1000]
    : [1000, 10000, 30000];
  const only = raw.has("only")
    ? raw.get("only")!.split(",").map((s) => s.trim()).filter((s) => s !== "")
    : [...SECTIONS];
  for (const s of only) {
    if (!(SECTIONS as readonly string[]).includes(s)) {
      throw new BenchFlagError(`--only: unknown section ${s}`);
    }
  }
  const upstream30k = raw.get("upstream-30k") === "true";
  const upstreamSizes = sizes.filter((n) => upstream30k || n <= (smoke ? 1000 : 10000));
  const mid = sizes.includes(10000) ? 10000 : Math.max(...sizes);
  const partialServices = one("partial-services", mid);
  return {
    only: only as Section[],
    sizes,
    upstreamSizes,
    renderRuns: one("render-runs", smoke ? 3 : 5),
    applyRuns: one("apply-runs", smoke ? 1 : 3),
    partialServices,
    partialReps: one("partial-reps", smoke ? 10 : 50),
    latencyServices: one("latency-services", partialServices),
    latencySeconds: one("latency-seconds", smoke ? 5 : 60),
    latencyRate: one("latency-rate", 50),
    connections: one("connections", smoke ? 200 : 2000),
    out: raw.get("out") ?? "bench-results",
    smoke,
  };
}
