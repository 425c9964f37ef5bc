/**
 * The benchmark report: the machine, the configuration, every figure as
 * JSON, and the target rows ({@linkcode targetRows}).
 *
 * @module
 */

import type { RenderResult } from "./bench_render.ts";
import type { ApplyResult } from "./bench_apply.ts";
import type { PartialResult } from "./bench_partial.ts";
import type { LatencyResult } from "./bench_latency.ts";
import type { RssResult } from "./bench_rss.ts";
import type { DataplaneResult } from "./bench_dataplane.ts";
import type { ApplyPathsResult } from "./bench_apply_paths.ts";
import type { ManifestsResult } from "./bench_manifests.ts";
import type { DriftResult } from "./bench_drift.ts";
import type { SoakResult } from "./bench_soak.ts";
import type { BenchConfig } from "./flags.ts";
import type { TargetRow } from "./target_rows.ts";

/** (j): the big cluster. */
export interface BigResult {
  start?: RssResult;
  partial?: PartialResult;
}

/** Everything measured in one run. */
export interface BenchReport {
  date: string;
  machine: Record<string, string | number>;
  config: BenchConfig;
  render?: RenderResult[];
  apply?: ApplyResult[];
  partial?: PartialResult;
  latency?: LatencyResult[];
  rss?: { results: RssResult[] };
  dataplane?: DataplaneResult;
  applyPaths?: ApplyPathsResult;
  manifests?: ManifestsResult;
  drift?: DriftResult;
  big?: BigResult;
  soak?: SoakResult;
  errors: { section: string; message: string }[];
  totalSeconds?: number;
  targets?: TargetRow[];
}

async function out(argv: string[]): Promise<string> {
  try {
    const o = await new Deno.Command(argv[0], {
      args: argv.slice(1),
      stdout: "piped",
      stderr: "null",
    }).output();
    return new TextDecoder().decode(o.stdout).trim();
  } catch {
    return "unknown";
  }
}

/** Describes this machine. */
export async function machineInfo(): Promise<Record<string, string | number>> {
  const cpu = (await Deno.readTextFile("/proc/cpuinfo").catch(() => ""))
    .match(/^model name\s*:\s*(.*)$/m)?.[1] ?? "unknown";
  const load = (await Deno.readTextFile("/proc/loadavg").catch(() => "")).split(" ").slice(0, 3);
  return {
    nproc: Number(await out(["nproc"])) || navigator.hardwareConcurrency,
    cpu,
    kernel: Deno.osRelease(),
    nft: await out(["nft", "--version"]),
    deno: Deno.version.deno,
    memTotalMb: Math.round(Deno.systemMemoryInfo().total / 1048576),
    loadAverageAtStart: load.join(" "),
  };
}
