/**
 * `deno task bench`: measures every figure the proxy's targets name
 * (sections (a)-(j), and the soak when asked for), writes
 * `bench-results/report.md` and `report.json` with one row per target, and
 * prints the rows. Needs root for every section but (a) and (h). See `--help`.
 *
 * @module
 */

import { BenchFlagError, parseBenchFlags, type Section, USAGE } from "./flags.ts";
import { type BenchReport, machineInfo } from "./report.ts";
import { targetRows } from "./target_rows.ts";
import { renderMarkdown } from "./report_markdown.ts";
import { benchRender } from "./bench_render.ts";
import { benchApply } from "./bench_apply.ts";
import { benchPartial } from "./bench_partial.ts";
import { benchLatency } from "./bench_latency.ts";
import { benchRss } from "./bench_rss.ts";
import { benchDataplane } from "./bench_dataplane.ts";
import { benchApplyPaths } from "./bench_apply_paths.ts";
import { benchManifests } from "./bench_manifests.ts";
import { benchDrift } from "./bench_drift.ts";
import { benchSoak } from "./bench_soak.ts";
import { round } from "./stats.ts";

const log = (s: string) => console.error(s);

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
        await benchApply(
          n,
          r.config.applyRuns,
          r.config.upstreamSizes.includes(n),
          log,
          n === r.config.partialServices,
        ),
      );
    }
  },
  async c(r) {
    r.partial = await benchPartial(r.config.partialServices, r.config.partialReps);
    for (const x of r.partial.runners) {
      log(
        `  (c) ${x.backend}: ${
          Object.entries(x.ops).map(([o, f]) => `${o} p99 ${f.timeMs.p99}`).join(", ")
        }`,
      );
    }
  },
  async d(r) {
    const c = r.config;
    r.latency = [];
    for (const min of [0, 1000]) {
      r.latency.push(
        await benchLatency(c.latencyServices, min, c.latencyRate, c.latencySeconds, c.idleChanges),
      );
      const l = r.latency.at(-1)!;
      log(`  (d) minSyncPeriod ${min}: p99 ${l.latencyMs.p99} ms, idle max ${l.idleLatencyMs.max}`);
    }
  },
  async e(r) {
    r.rss = { results: [] };
    for (const n of r.config.sizes) {
      r.rss.results.push(
        await benchRss(n, {
          format: r.config.manifestFormat,
          timeoutMs: r.config.manifestLimitSeconds * 1000,
        }),
      );
      const x = r.rss.results.at(-1)!;
      log(`  (e) ${n}: peak ${x.proxyPeakMb} MB, start to programmed ${x.startToProgrammedMs} ms`);
    }
  },
  async f(r) {
    // Filled in place, so the cases measured before a failure are kept.
    r.dataplane = { connections: r.config.connections, cases: [] };
    await benchDataplane(r.config.sizes, r.config.connections, log, r.dataplane);
  },
  async g(r) {
    r.applyPaths = await benchApplyPaths(r.config.partialServices, r.config.applyPathRuns, [
      r.config.bigServices,
    ]);
    for (const s of r.applyPaths.sizes) {
      log(
        `  (g) ${s.services}: ${
          Object.entries(s.methods).map(([m, v]) =>
            `${m} add ${v.addEndpoint.median}/del ${v.deleteEndpoint.median}`
          ).join(", ")
        }`,
      );
    }
    log(
      `  (g) verdict map floor: ${
        r.applyPaths.vmapFloor.map((v) => `${v.elements} ${v.verdict} ${v.addMedianMs} ms`).join(
          ", ",
        )
      }`,
    );
  },
  async h(r) {
    const c = r.config;
    r.manifests = await benchManifests(c.manifestServices, c.manifestRuns, {
      format: c.manifestFormat,
      limitMs: c.manifestLimitSeconds * 1000,
    });
    for (const x of r.manifests.inputs) {
      log(`  (h) ${x.input}: read ${x.readMs} ms, dry run ${x.dryRunMs} ms`);
    }
  },
  async i(r) {
    const c = r.config;
    r.drift = await benchDrift(c.partialServices, {
      idleSeconds: c.driftIdleSeconds,
      repeats: c.driftRepeats,
      format: c.manifestFormat,
      timeoutMs: c.manifestLimitSeconds * 1000,
    });
    log(
      `  (i) idle CPU ${r.drift.idleCpuPercent} %, ${
        r.drift.changes.map((x) => `${x.change}: restore max ${x.restoreMs.max} ms`).join(", ")
      }`,
    );
  },
  async j(r) {
    const c = r.config;
    // Filled in place, so a failure of one part keeps the other.
    r.big = {};
    r.big.partial = await benchPartial(c.bigServices, c.bigReps, {
      endpointsPerService: c.bigEndpoints,
      backends: ["libnftables"],
    });
    r.big.start = await benchRss(c.bigServices, {
      endpointsPerService: c.bigEndpoints,
      format: c.manifestFormat,
      timeoutMs: c.manifestLimitSeconds * 1000,
    });
    log(`  (j) first sync ${r.big.start.firstSyncMs} ms, peak ${r.big.start.proxyPeakMb} MB`);
  },
  async soak(r) {
    const c = r.config;
    r.soak = await benchSoak(c.soakServices, c.soakMinutes, { rate: c.soakRate });
    log(`  (soak) ${r.soak.trends.map((t) => `${t.series} ${t.growthPercent} %`).join(", ")}`);
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
  if (Deno.uid() !== 0 && config.only.some((s) => s !== "a" && s !== "h")) {
    console.error(
      "error: sections b-g, i, j and the soak need root (network namespaces); " +
        "run as root or use --only a,h",
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
  report.targets = targetRows(report);
  await Deno.mkdir(config.out, { recursive: true });
  await Deno.writeTextFile(`${config.out}/report.json`, JSON.stringify(report, null, 2) + "\n");
  await Deno.writeTextFile(`${config.out}/report.md`, renderMarkdown(report));
  console.log(
    `\nkube-nft-proxy benchmark (${report.date}, ${report.machine.nproc} CPUs, kernel ${report.machine.kernel})`,
  );
  for (const t of report.targets.filter((t) => t.status !== "not measured")) {
    console.log(
      `${t.status === "met" ? "met   " : "MISSED"}  ${t.measure}: ${t.figure} (target ${t.target})`,
    );
  }
  console.log(`Report: ${config.out}/report.md and ${config.out}/report.json`);
  return report.errors.length > 0 ? 1 : 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
