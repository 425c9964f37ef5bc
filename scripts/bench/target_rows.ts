/**
 * One row per target of the "Speed 2" and "Hardening" issues: the figure this
 * run measured, the target, met or missed, and the command that measures it.
 *
 * @module
 */

import type { BenchReport } from "./report.ts";
import { PARTIAL_OPS } from "./bench_partial.ts";
import { round } from "./stats.ts";

/** Whether a target is met. */
export type TargetStatus = "met" | "missed" | "not measured";

/** One row of the target summary. */
export interface TargetRow {
  measure: string;
  figure: string;
  target: string;
  status: TargetStatus;
  /** The command that measures it (as root). */
  command: string;
}

const BENCH = "deno task bench";

/** The rows of every target, from what this run measured. */
export function targetRows(r: BenchReport): TargetRow[] {
  const rows: TargetRow[] = [];
  const row = (
    measure: string,
    target: string,
    command: string,
    value: number | null | undefined,
    ok: (x: number) => boolean,
    figure: (x: number) => string,
  ) =>
    rows.push({
      measure,
      target,
      command: `${BENCH} ${command}`,
      // NaN becomes null on its way through JSON (figures from child processes).
      ...(value === undefined || value === null || Number.isNaN(value)
        ? { figure: "not measured", status: "not measured" as const }
        : { figure: figure(value), status: ok(value) ? "met" as const : "missed" as const }),
    });
  const ms = (x: number) => `${x} ms`;

  // Partial syncs, libnftables (the proxy's path), worst operation.
  const lib = r.partial?.runners.find((x) => x.backend === "libnftables");
  const worst = lib ? Math.max(...PARTIAL_OPS.map((o) => lib.ops[o].timeMs.p99)) : undefined;
  const worstOp = lib &&
    PARTIAL_OPS.reduce((a, o) => lib.ops[o].timeMs.p99 > lib.ops[a].timeMs.p99 ? o : a);
  const medians = lib && PARTIAL_OPS.map((o) => lib.ops[o].timeMs.median);
  row(
    `partial sync p99 at ${
      r.partial?.services ?? "10k"
    } (add, remove, replace an endpoint; add, delete a Service), libnftables`,
    "≤ 20 ms p99",
    "--only c",
    worst,
    (x) => x <= 20,
    (x) =>
      `${x} ms (worst: ${worstOp}; medians ${Math.min(...medians!)}–${Math.max(...medians!)} ms)`,
  );
  row(
    "partial sync that needs a new selection chain (first Service with a new endpoint count)",
    "succeeds as a partial sync",
    "--only c",
    lib ? lib.newCount.succeeded / lib.newCount.attempts * 100 : undefined,
    (x) => x === 100,
    (x) =>
      x === 100
        ? `${lib!.newCount.succeeded}/${lib!.newCount.attempts} partial (p99 ${
          lib!.newCount.timeMs?.p99
        } ms)`
        : `${lib!.newCount.succeeded}/${lib!.newCount.attempts} succeeded; nft: ${
          lib!.newCount.firstError
        }`,
  );
  const lat0 = r.latency?.find((x) => x.minSyncPeriodMs === 0);
  row(
    `event to kernel p99, ${lat0?.ratePerSecond ?? 50} changes/s, minSyncPeriod 0, ${
      lat0?.services ?? "10k"
    } Services`,
    "≤ 100 ms",
    "--only d",
    lat0?.latencyMs.p99,
    (x) => x <= 100,
    (x) => `${x} ms (median ${lat0!.latencyMs.median}, max ${lat0!.latencyMs.max})`,
  );
  const lat1 = r.latency?.find((x) => x.minSyncPeriodMs === 1000);
  row(
    "minSyncPeriod 1 s: first change after an idle period, event to kernel (max)",
    "programmed at once (≤ 100 ms)",
    "--only d",
    lat1?.idleLatencyMs.max,
    (x) => x <= 100,
    (x) =>
      `${x} ms (median ${lat1!.idleLatencyMs.median}); streaming at 50/s: p50 ${
        lat1!.latencyMs.median
      }, p99 ${lat1!.latencyMs.p99} ms`,
  );
  const render10k = r.render?.find((x) => x.services === 10000);
  row(
    "render 10k (model + plan + script text)",
    "≤ 300 ms",
    "--only a --sizes 10000",
    render10k?.prepareMedianMs,
    (x) => x <= 300,
    ms,
  );
  const apply10k = r.apply?.find((x) => x.services === 10000);
  row(
    "full `nft -f` 10k",
    "≤ 1.5 s",
    "--only b --sizes 10000",
    apply10k?.ours.wallMedianMs,
    (x) => x <= 1500,
    (x) =>
      `${round(x / 1000, 2)} s (user ${apply10k!.ours.userMedianMs}, sys ${
        apply10k!.ours.sysMedianMs
      } ms)`,
  );
  row(
    "upstream-style layout / ours, full load at 10k, same run",
    "≥ 50×",
    "--only b --sizes 10000",
    apply10k?.ratio,
    (x) => x >= 50,
    (x) =>
      `${x}× (${round(apply10k!.upstream!.wallMedianMs / 1000, 1)} s vs ${
        round(apply10k!.ours.wallMedianMs / 1000, 2)
      } s)`,
  );
  const apply30k = r.apply?.find((x) => x.services === 30000);
  row(
    "full `nft -f` 30k",
    "≤ 6 s",
    "--only b --sizes 30000",
    apply30k?.ours.wallMedianMs,
    (x) => x <= 6000,
    (x) => `${round(x / 1000, 2)} s`,
  );
  const file = r.manifests?.inputs.find((x) => x.input === "file");
  const fileTimedOut = file?.timedOut !== undefined;
  row(
    `\`--dry-run --manifests\` of a ${r.manifests?.services ?? "10k"}-Service ${
      r.manifests?.format?.toUpperCase() ?? "YAML"
    } file (${file ? `${round(file.bytes / 1e6, 1)} MB, ${file.documents} documents` : "?"})`,
    "≤ 2 s",
    "--only h",
    fileTimedOut ? Infinity : file?.dryRunMs,
    (x) => x <= 2000,
    (x) =>
      x === Infinity
        ? `did not finish: ${file!.timedOut}`
        : `${round(x / 1000, 2)} s (reading ${round(file!.readMs / 1000, 2)} s)`,
  );
  const d = r.drift;
  const worstOf = (k: "detectMs" | "restoreMs") =>
    d ? Math.max(...d.changes.map((c) => c[k].max)) : undefined;
  row(
    `drift: detection after an outside \`nft flush table\` / \`delete table\` at ${
      d?.services ?? "10k"
    } (max)`,
    "≤ 1 s",
    "--only i",
    worstOf("detectMs"),
    (x) => x <= 1000,
    ms,
  );
  row(
    "drift: restored (the proxy's full sync done) after the outside change (max)",
    "≤ 1 s",
    "--only i",
    worstOf("restoreMs"),
    (x) => x <= 1000,
    (x) =>
      `${x} ms (${
        d!.changes.map((c) =>
          `${c.change}: median ${c.restoreMs.median} ms, ${c.failedSyncs} failed syncs`
        )
          .join("; ")
      })`,
  );
  row(
    `drift: idle CPU of the proxy at ${d?.services ?? "10k"}, detection on, over ${
      d?.idleSeconds ?? 60
    } s`,
    "≤ 1 % of a core",
    "--only i",
    d?.idleCpuPercent,
    (x) => x <= 1,
    (x) => `${x} %`,
  );
  row(
    "drift: restores counted in kubeproxy_sync_proxy_rules_drift_restored_total",
    "one per outside change",
    "--only i",
    d?.restoredMetric,
    (x) => x === d!.outsideChanges,
    (x) => `${x} for ${d!.outsideChanges} outside changes`,
  );
  const g = r.applyPaths;
  const big = g?.sizes.find((s) => s.services > 1), empty = g?.sizes.find((s) => s.services === 1);
  const libAt = (s: typeof big, c: "addEndpoint" | "deleteEndpoint") =>
    s?.methods.libnftables[c].median;
  const floorRatio = big && empty
    ? Math.max(
      libAt(big, "addEndpoint")! / libAt(empty, "addEndpoint")!,
      libAt(big, "deleteEndpoint")! / libAt(empty, "deleteEndpoint")!,
    )
    : undefined;
  row(
    `apply path: one endpoint element added / deleted at ${
      big?.services ?? "10k"
    } (libnftables, median) against the floor (same change, 1-Service table)`,
    "at the floor (≤ 2× the 1-Service table)",
    "--only g",
    floorRatio,
    (x) => x <= 2,
    (x) =>
      `add ${libAt(big, "addEndpoint")} / delete ${libAt(big, "deleteEndpoint")} ms vs ${
        libAt(empty, "addEndpoint")
      } / ${libAt(empty, "deleteEndpoint")} ms (${round(x, 2)}×); nft process: ${
        big!.methods.process.addEndpoint.median
      } / ${big!.methods.process.deleteEndpoint.median} ms`,
  );
  const bs = r.big?.start, bp = r.big?.partial?.runners[0];
  const bigName = `${r.big?.start?.services ?? r.config.bigServices} Services × ${
    r.big?.start?.endpointsPerService ?? r.config.bigEndpoints
  } endpoints`;
  row(
    `${bigName}: full load (the proxy's first full sync: render + apply)`,
    "≤ 20 s",
    "--only j",
    bs?.firstSyncMs,
    (x) => x <= 20_000,
    (x) => `${round(x / 1000, 1)} s`,
  );
  row(
    `${bigName}: start to programmed (${bs?.format ?? "yaml"} manifests)`,
    "≤ 30 s",
    "--only j",
    bs?.startToProgrammedMs,
    (x) => x <= 30_000,
    (x) => `${round(x / 1000, 1)} s`,
  );
  row(
    `${bigName}: peak RSS of the proxy (libnftables in-process)`,
    "≤ 1 GB",
    "--only j",
    bs?.proxyPeakMb,
    (x) => x <= 1024,
    (x) => `${x} MB`,
  );
  const bigWorst = bp ? Math.max(...PARTIAL_OPS.map((o) => bp.ops[o].timeMs.p99)) : undefined;
  row(
    `${bigName}: partial sync p99 (worst operation)`,
    "≤ 30 ms",
    "--only j",
    bigWorst,
    (x) => x <= 30,
    ms,
  );
  const e10k = r.rss?.results.find((x) => x.services === 10000);
  row(
    "peak RSS of the proxy at 10k (libnftables in-process)",
    "≤ 250 MB (earlier issue)",
    "--only e --sizes 10000",
    e10k?.proxyPeakMb,
    (x) => x <= 250,
    (x) => `${x} MB (start to programmed ${round(e10k!.startToProgrammedMs / 1000, 1)} s)`,
  );
  const dp = r.dataplane?.cases.filter((c) => c.layout === "ours") ?? [];
  const dp1 = dp.find((c) => c.services === 1)?.latencyUs.median;
  const dp30 = dp.find((c) => c.services === 30000)?.latencyUs.median;
  row(
    "dataplane: TCP connect + first byte, median, 30k vs 1 Service",
    "at most 5 % slower (earlier issue)",
    "--only f --sizes 30000",
    dp1 && dp30 ? round((dp30 / dp1 - 1) * 100) : undefined,
    (x) => x <= 5,
    (x) => `${x > 0 ? "+" : ""}${x} % (${dp1} vs ${dp30} µs)`,
  );
  const s = r.soak;
  for (const series of ["rssMb", "fds", "conntrack", "heapMb"] as const) {
    const t = s?.trends.find((x) => x.series === series);
    row(
      `soak: ${
        { rssMb: "RSS", fds: "open fds", conntrack: "conntrack entries", heapMb: "V8 heap used" }[
          series
        ]
      } growth over the last ${s?.windowMinutes ?? 20} min (${s?.services ?? "10k"} Services, ${
        s?.ratePerSecond ?? 50
      } changes/s, ${s?.minutes ?? 30} min)`,
      "< 5 %",
      "--only soak",
      t?.growthPercent,
      (x) => x < 5,
      (x) => `${x} % (${t!.windowStart} → ${t!.windowEnd}; slope ${t!.slopePerMinute}/min)`,
    );
  }
  rows.push({
    measure: "soak: timers",
    figure: "not observable from outside the process",
    target: "< 5 % growth",
    status: "not measured",
    command: `${BENCH} --only soak`,
  });
  return rows;
}
