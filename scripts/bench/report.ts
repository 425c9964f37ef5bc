/**
 * The benchmark report: machine description, every figure as JSON, a
 * Markdown rendering and a summary against the lead's targets.
 *
 * @module
 */

import type { RenderResult } from "./bench_render.ts";
import type { ApplyResult } from "./bench_apply.ts";
import { PARTIAL_OPS, type PartialResult } from "./bench_partial.ts";
import type { LatencyResult } from "./bench_latency.ts";
import type { RssResult } from "./bench_rss.ts";
import type { DataplaneResult } from "./bench_dataplane.ts";
import type { BenchConfig } from "./flags.ts";
import { round } from "./stats.ts";

/** Everything measured in one run. */
export interface BenchReport {
  date: string;
  machine: Record<string, string | number>;
  config: BenchConfig;
  render?: RenderResult[];
  apply?: ApplyResult[];
  partial?: PartialResult;
  latency?: LatencyResult[];
  rss?: { baselineMb: number; results: RssResult[] };
  dataplane?: DataplaneResult;
  errors: { section: string; message: string }[];
  totalSeconds?: number;
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
  return {
    nproc: Number(await out(["nproc"])) || navigator.hardwareConcurrency,
    cpu,
    kernel: Deno.osRelease(),
    nft: await out(["nft", "--version"]),
    deno: Deno.version.deno,
    memTotalMb: Math.round(Deno.systemMemoryInfo().total / 1048576),
  };
}

/** One row of the target summary. */
export interface TargetRow {
  target: string;
  value: string;
  met: "yes" | "no" | "n/a";
}

/** Compares the figures with the lead's targets. */
export function targetRows(r: BenchReport): TargetRow[] {
  const rows: TargetRow[] = [];
  const row = (target: string, v: number | undefined, unit: string, ok: (x: number) => boolean) =>
    rows.push(
      v === undefined || Number.isNaN(v)
        ? { target, value: "not measured", met: "n/a" }
        : { target, value: `${v} ${unit}`, met: ok(v) ? "yes" : "no" },
    );
  const render = (n: number) => r.render?.find((x) => x.services === n)?.prepareMedianMs;
  const apply = (n: number) => r.apply?.find((x) => x.services === n);
  row("render 10k <= 300 ms", render(10000), "ms", (x) => x <= 300);
  row("full apply 10k <= 1.5 s", apply(10000)?.ours.wallMedianMs, "ms", (x) => x <= 1500);
  row("upstream-style / ours at 10k >= 50x", apply(10000)?.ratio, "x", (x) => x >= 50);
  row("full apply 30k <= 6 s", apply(30000)?.ours.wallMedianMs, "ms", (x) => x <= 6000);
  const p99 = r.partial
    ? Math.max(...PARTIAL_OPS.map((o) => r.partial!.ops[o].timeMs.p99))
    : undefined;
  row(
    `partial sync p99 <= 20 ms (worst op, ${r.partial?.services ?? "?"} svcs)`,
    p99,
    "ms",
    (x) => x <= 20,
  );
  const lat0 = r.latency?.find((x) => x.minSyncPeriodMs === 0);
  row(
    `event-to-kernel p99 <= 100 ms, minSyncPeriod 0 (${lat0?.services ?? "?"} svcs)`,
    lat0?.latencyMs.p99,
    "ms",
    (x) => x <= 100,
  );
  row(
    "proxy peak RSS 10k <= 250 MB",
    r.rss?.results.find((x) => x.services === 10000)?.proxyPeakMb,
    "MB",
    (x) => x <= 250,
  );
  const dp = r.dataplane?.cases.filter((c) => c.layout === "ours") ?? [];
  const one = dp.find((c) => c.services === 1)?.latencyUs.median;
  const big = dp.find((c) => c.services === 30000)?.latencyUs.median;
  row(
    "dataplane median 30k vs 1 within 5 %",
    one && big ? round((big / one - 1) * 100) : undefined,
    "%",
    (x) => Math.abs(x) <= 5,
  );
  return rows;
}
