/**
 * `deno task bench`: measures render, load, partial-sync, event-latency,
 * memory and dataplane figures of the proxy (sections (a)-(f)), writes
 * `bench-results/report.md` and `report.json`, and prints a summary. Needs
 * root for every section but (a). See `--help`.
 *
 * @module
 */

import { BenchFlagError, parseBenchFlags, type Section, USAGE } from "./flags.ts";
import { type BenchReport, machineInfo, targetRows } from "./report.ts";
import { renderMarkdown } from "./report_markdown.ts";
import { benchRender } from "./bench_render.ts";
import { benchApply } from "./bench_apply.ts";
import { benchPartial } from "./bench_partial.ts";
import { benchLatency } from "./bench_latency.ts";
import { benchRss } from "./bench_rss.ts";
import { benchDataplane } from "./bench_dataplane.ts";
import { round } from "./stats.ts";

const log = (s: string) => console.error(s);

async function baselineMb(): Promise<number> {
  const main = new URL("../../main.ts", import.meta.url).pathname;
  const r = await new Deno.Command("/usr/bin/time", {
    args: ["-f", "%M", Deno.execPath(), "run", "-A", main, "--version"],
    stdout: "null",
    stderr: "piped",
  }).output().catch(() => undefined);
  const kb = Number(new TextDecoder().decode(r?.stderr).trim().split("\n").pop());
  return round(kb / 1024);
}

const RUNNERS: Record<Section, (r: BenchReport) => Promise<void>> = {
  async a(r) {
    r.render = [];
    for (const n of r.config.sizes) {
      r.render.push(await benchRender(n, r.config.renderRuns));
      log(`  (a) ${n}: ${r.render.at(-1)!.prepareMedianMs} ms`);
    }
  },
  async b(r) {
    r.apply = [];
    for (const n of r.config.sizes) {
      r.apply.push(
        await benchApply(n, r.config.applyRuns, r.config.upstreamSizes.includes(n), log),
      );
    }
  },
  async c(r) {
    r.partial = await benchPartial(r.config.partialServices, r.config.partialReps);
  },
  async d(r) {
    const c = r.config;
    r.latency = [];
    for (const min of [0, 1000]) {
      r.latency.push(await benchLatency(c.latencyServices, min, c.latencyRate, c.latencySeconds));
      log(`  (d) minSyncPeriod ${min}: p99 ${r.latency.at(-1)!.latencyMs.p99} ms`);
    }
  },
  async e(r) {
    r.rss = { baselineMb: await baselineMb(), results: [] };
    for (const n of r.config.sizes) {
      r.rss.results.push(await benchRss(n));
      log(`  (e) ${n}: proxy ${r.rss.results.at(-1)!.proxyPeakMb} MB`);
    }
  },
  async f(r) {
    // Filled in place, so the cases measured before a failure are kept.
    r.dataplane = { connections: r.config.connections, cases: [] };
    await benchDataplane(r.config.sizes, r.config.connections, log, r.dataplane);
  },
};

/** Runs the benchmark; returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  let config;
  try {
    config = parseBenchFlags(argv);
  } catch (e) {
    if (e instanceof BenchFlagError) {
      console.error(`error: ${e.message}`);
      return 2;
    }
    throw e;
  }
  if (config === "help") {
    console.log(USAGE);
    return 0;
  }
  if (Deno.uid() !== 0 && config.only.some((s) => s !== "a")) {
    console.error(
      "error: sections b-f need root (network namespaces); run as root or use --only a",
    );
    return 2;
  }
  const t0 = performance.now();
  const report: BenchReport = {
    date: new Date().toISOString(),
    machine: await machineInfo(),
    config,
    errors: [],
  };
  for (const s of config.only) {
    log(`section (${s})...`);
    const ts = performance.now();
    try {
      await RUNNERS[s](report);
    } catch (e) {
      const err = e as Error;
      report.errors.push({ section: s, message: `${err.name}: ${err.message}` });
      log(`  (${s}) FAILED: ${err.stack ?? err.message}`);
    }
    log(`  (${s}) done in ${round((performance.now() - ts) / 1000)} s`);
  }
  report.totalSeconds = round((performance.now() - t0) / 1000);
  await Deno.mkdir(config.out, { recursive: true });
  await Deno.writeTextFile(`${config.out}/report.json`, JSON.stringify(report, null, 2) + "\n");
  await Deno.writeTextFile(`${config.out}/report.md`, renderMarkdown(report));
  console.log(
    `\nkube-nft-proxy benchmark (${report.date}, ${report.machine.nproc} CPUs, kernel ${report.machine.kernel})`,
  );
  console.table(targetRows(report));
  console.log(`Report: ${config.out}/report.md and ${config.out}/report.json`);
  return report.errors.length > 0 ? 1 : 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
