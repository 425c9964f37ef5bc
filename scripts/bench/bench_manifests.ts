/**
 * (h) Manifests: the time to read a 10k-Service YAML file shaped like
 * `kubectl get -o yaml` output (Node, then each Service and its
 * EndpointSlice: 2N + 1 documents), and the total time of
 * `kube-proxy --dry-run --manifests FILE` (process start to exit, the script
 * written to /dev/null); then the same cluster split over a directory of
 * files. Reading is timed in a child process around `readManifests()`, the
 * function the proxy uses. Needs no root.
 *
 * @module
 */

import { NODE_NAME } from "./cluster_gen.ts";
import { type ManifestFormat, writeManifests } from "./manifest_gen.ts";
import { median, round } from "./stats.ts";

/** Figures of one input (a file or a directory). */
export interface ManifestInputFigures {
  input: "file" | "directory";
  files: number;
  bytes: number;
  documents: number;
  /** Median of `readManifests()` (ms); NaN when it timed out. */
  readMs: number;
  /** Median of the whole `--dry-run` (ms); NaN when it timed out. */
  dryRunMs: number;
  runs: number;
  /** Set when a run exceeded the time limit. */
  timedOut?: string;
}

/** Result of (h). */
export interface ManifestsResult {
  services: number;
  format: ManifestFormat;
  inputs: ManifestInputFigures[];
}

const MAIN = new URL("../../main.ts", import.meta.url).pathname;
const SELF = new URL(import.meta.url).pathname;

/**
 * Runs a command with a time limit; returns its wall time (ms), or the time it
 * prints on stdout when `selfTimed`; undefined on timeout.
 */
async function timedRun(
  argv: string[],
  limitMs: number,
  selfTimed: boolean,
): Promise<number | undefined> {
  const t0 = performance.now();
  const child = new Deno.Command(argv[0], {
    args: argv.slice(1),
    stdout: selfTimed ? "piped" : "null",
    stderr: "piped",
  }).spawn();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<"timeout">((r) => timer = setTimeout(() => r("timeout"), limitMs));
  const out = await Promise.race([child.output(), timeout]);
  clearTimeout(timer);
  if (out === "timeout") {
    child.kill("SIGKILL");
    await child.status;
    return undefined;
  }
  if (!out.success) {
    throw new Error(`${argv.slice(-3).join(" ")} failed: ${new TextDecoder().decode(out.stderr)}`);
  }
  const wall = performance.now() - t0;
  return selfTimed ? Number(new TextDecoder().decode(out.stdout).trim()) : wall;
}

/** Times `runs` runs (fewer when one takes over 30 s); undefined when one times out. */
async function medianOf(
  argv: string[],
  runs: number,
  limitMs: number,
  selfTimed = false,
): Promise<{ ms: number; runs: number } | undefined> {
  const t: number[] = [];
  for (let r = 0; r < runs; r++) {
    const ms = await timedRun(argv, limitMs, selfTimed);
    if (ms === undefined) return undefined;
    t.push(ms);
    if (ms > 30_000) break;
  }
  return { ms: round(median(t)), runs: t.length };
}

/**
 * Measures (h): `services` Services × 10 endpoints, one file and a directory
 * of `dirFiles` files, `runs` runs each (each run limited to `limitMs`).
 */
export async function benchManifests(
  services: number,
  runs: number,
  o: { format?: ManifestFormat; dirFiles?: number; limitMs?: number } = {},
): Promise<ManifestsResult> {
  const format = o.format ?? "yaml";
  const limitMs = o.limitMs ?? 600_000;
  const root = await Deno.makeTempDir({ prefix: "kpb-manifests-" });
  try {
    const inputs: ManifestInputFigures[] = [];
    for (const input of ["file", "directory"] as const) {
      const dir = `${root}/${input}`;
      await Deno.mkdir(dir);
      const w = await writeManifests(dir, {
        services,
        format,
        files: input === "file" ? 1 : o.dirFiles ?? 10,
      });
      const path = input === "file" ? w.files[0] : dir;
      const read = await medianOf(
        [Deno.execPath(), "run", "-A", SELF, path],
        runs,
        limitMs,
        true,
      );
      const dry = read && await medianOf(
        [
          Deno.execPath(),
          "run",
          "-A",
          MAIN,
          "--dry-run",
          `--manifests=${path}`,
          `--hostname-override=${NODE_NAME}`,
        ],
        runs,
        limitMs,
      );
      inputs.push({
        input,
        files: w.files.length,
        bytes: w.bytes,
        documents: w.documents,
        readMs: read?.ms ?? NaN,
        dryRunMs: dry?.ms ?? NaN,
        runs: Math.min(read?.runs ?? 0, dry?.runs ?? 0),
        ...(read && dry ? {} : { timedOut: `a run exceeded ${limitMs / 1000} s` }),
      });
    }
    return { services, format, inputs };
  } finally {
    await Deno.remove(root, { recursive: true }).catch(() => {});
  }
}

if (import.meta.main) {
  // Child: read the manifests once, as the proxy does; print the time (ms).
  const { readManifests } = await import("../../src/source/manifests/read_manifests.ts");
  const t0 = performance.now();
  await readManifests(Deno.args[0]);
  console.log(performance.now() - t0);
  Deno.exit(0);
}
