/**
 * The Markdown rendering of a {@linkcode BenchReport}: the target rows first,
 * then one table per section.
 *
 * @module
 */

import type { BenchReport } from "./report.ts";
import { targetRows } from "./target_rows.ts";
import { PARTIAL_OPS, type PartialResult } from "./bench_partial.ts";
import { APPLY_METHODS, ELEMENT_CHANGES } from "./bench_apply_paths.ts";
import { round, type Summary } from "./stats.ts";

type Cell = string | number | undefined;

function table(head: string[], rows: Cell[][]): string[] {
  return [
    `| ${head.join(" | ")} |`,
    `|${head.map(() => "---").join("|")}|`,
    ...rows.map((r) => `| ${r.map((c) => c ?? "").join(" | ")} |`),
  ];
}

const mp = (s: Summary) => `${s.median} / ${s.p99}`;

function partialTable(p: PartialResult): string[] {
  const rows: Cell[][] = [];
  for (const x of p.runners) {
    for (const o of PARTIAL_OPS) {
      const f = x.ops[o];
      rows.push([
        x.backend,
        o,
        f.timeMs.median,
        f.timeMs.p99,
        f.timeMs.max,
        f.operationsMin === f.operationsMax
          ? f.operations
          : `${f.operationsMin}-${f.operationsMax}`,
      ]);
    }
    rows.push([
      x.backend,
      "garbage collection (later, batched)",
      x.garbage.timeMs.median,
      x.garbage.timeMs.p99,
      x.garbage.timeMs.max,
      `${x.garbage.operationsMin}-${x.garbage.operationsMax}`,
    ]);
    const n = x.newCount;
    rows.push([
      x.backend,
      "new endpoint count (new selection chain)",
      n.timeMs?.median ?? `${n.succeeded}/${n.attempts} ok`,
      n.timeMs?.p99 ?? (n.firstError ? `fails: ${n.firstError.replaceAll("|", "/")}` : ""),
      n.timeMs?.max,
      "",
    ]);
  }
  return table(["runner", "change", "median ms", "p99 ms", "max ms", "nft operations"], rows);
}

/** The Markdown report. */
export function renderMarkdown(r: BenchReport): string {
  const L: string[] = [`# kube-nft-proxy benchmark`, "", `Date: ${r.date}`, ""];
  L.push(...table(["machine", ""], Object.entries(r.machine)), "");
  L.push(
    "## Targets",
    "",
    ...table(
      ["measure", "figure", "target", "status", "command"],
      (r.targets ?? targetRows(r)).map((
        t,
      ) => [
        t.measure,
        t.figure,
        t.target,
        t.status === "missed" ? "**missed**" : t.status,
        `\`${t.command}\``,
      ]),
    ),
    "",
    "Clusters: N ClusterIP Services TCP/80 -> 8080, 10 endpoints each, one EndpointSlice per Service,",
    "unless a section says otherwise. Medians unless said; the machine is shared, so repeat noisy rows.",
    "",
  );
  if (r.render) {
    L.push("## (a) Render time (Proxier.prepare on a fresh ClusterState)", "");
    L.push(
      ...table(
        ["services", "runs", "prepare median ms", "all runs ms", "text only ms", "script MB"],
        r.render.map((x) => [
          x.services,
          x.runs,
          x.prepareMedianMs,
          x.prepareRunsMs.join(", "),
          x.textOnlyMedianMs,
          round(x.scriptBytes / 1048576, 2),
        ]),
      ),
      "",
    );
  }
  if (r.apply) {
    L.push(
      "## (b) Full `nft -f` load into a fresh namespace: ours vs upstream-style, same run",
      "",
    );
    L.push(
      ...table(
        [
          "services",
          "ours ms",
          "user/sys ms",
          "nft RSS MB",
          "upstream-style ms",
          "user/sys ms",
          "ratio",
        ],
        r.apply.map((x) => [
          x.services,
          x.ours.wallMedianMs,
          `${x.ours.userMedianMs}/${x.ours.sysMedianMs}`,
          x.ours.nftMaxRssMb,
          x.upstream?.wallMedianMs ?? "skipped",
          x.upstream ? `${x.upstream.userMedianMs}/${x.upstream.sysMedianMs}` : "",
          x.ratio ?? "",
        ]),
      ),
      "",
    );
    for (const x of r.apply.filter((a) => a.breakdown)) {
      L.push(
        `Where the time goes at ${x.services} (the same script with parts left out):`,
        "",
        ...table(
          ["script", "elements", "load ms", "user/sys ms"],
          x.breakdown!.map((b) => [
            b.part,
            b.elements,
            b.figures.wallMedianMs,
            `${b.figures.userMedianMs}/${b.figures.sysMedianMs}`,
          ]),
        ),
        "",
      );
    }
  }
  if (r.partial) {
    const p = r.partial;
    L.push(
      `## (c) Partial syncs at ${p.services} Services (${p.repetitions} repetitions), per runner`,
      "",
      "Time around `proxier.sync()` (render + apply), through drift detection's runner as in the",
      "proxy. Services 0-19 have 1-20 endpoints, so every nearby count has its selection chain.",
      `Full sync first: ${p.runners.map((x) => `${x.backend} ${x.fullSyncMs} ms`).join(", ")}.`,
      "",
      ...partialTable(p),
      "",
    );
  }
  if (r.latency) {
    L.push(
      "## (d) Event to kernel (test API server over HTTP, real source + Proxier + SyncLoop, libnftables)",
      "",
      "From the server emitting the watch event to the end of the apply that carries it; then single",
      "changes 3 s apart (after an idle period).",
      "",
      ...table(
        [
          "services",
          "minSyncPeriod ms",
          "rate/s",
          "seconds",
          "events",
          "measured",
          "syncs",
          "p50 ms",
          "p99 ms",
          "max ms",
          "after idle: median / max ms",
        ],
        r.latency.map((x) => [
          x.services,
          x.minSyncPeriodMs,
          x.ratePerSecond,
          x.durationSeconds,
          x.eventsSent,
          x.eventsMeasured,
          x.syncs,
          x.latencyMs.median,
          x.latencyMs.p99,
          x.latencyMs.max,
          `${x.idleLatencyMs.median} / ${x.idleLatencyMs.max} (${x.idleChanges})`,
        ]),
      ),
      "",
    );
  }
  if (r.rss) {
    L.push(
      "## (e) Start to programmed and peak RSS (real proxy, `main.ts --manifests DIR`, libnftables)",
      "",
      ...table(
        [
          "services",
          "manifests",
          "start to programmed ms",
          "first full sync ms",
          "peak RSS MB",
          "RSS after sync MB",
          "backend",
        ],
        r.rss.results.map((x) => [
          x.services,
          `${x.format}, ${round(x.manifestBytes / 1e6, 1)} MB`,
          x.startToProgrammedMs,
          x.firstSyncMs,
          x.proxyPeakMb,
          x.proxyRssAfterSyncMb,
          x.backend,
        ]),
      ),
      "",
    );
  }
  if (r.dataplane) {
    L.push(
      `## (f) Dataplane: TCP connect + first byte, ${r.dataplane.connections} connections per case`,
      "",
      "The target Service is the LAST of the iptables-style list (its worst case); `direct` goes to the",
      "pod without proxy rules.",
      "",
      ...table(
        ["layout", "services", "median µs", "p99 µs", "max µs"],
        r.dataplane.cases.map((c) => [
          c.layout,
          c.services,
          c.latencyUs.median,
          c.latencyUs.p99,
          c.latencyUs.max,
        ]),
      ),
      "",
    );
  }
  if (r.applyPaths) {
    L.push(
      `## (g) Apply paths: one-element transactions, median / p99 ms over ${r.applyPaths.runs} runs`,
      "",
      "`process`: a new `nft -f -` per change; `interactive`: one long-lived `nft -i`; `libnftables`:",
      "in-process, one context (the proxy's default). The 1-Service table is the floor reproduction.",
      "",
      ...table(
        ["table", "path", "full load ms", ...ELEMENT_CHANGES],
        r.applyPaths.sizes.flatMap((s) =>
          APPLY_METHODS.map((m) => [
            `${s.services} Services`,
            m,
            s.loadMs,
            ...ELEMENT_CHANGES.map((c) => mp(s.methods[m][c])),
          ])
        ),
      ),
      "",
      "Floor of an entry point's change: one element added to a bare verdict map of N elements",
      "(libnftables, median ms). Elements that jump to a chain make the kernel validate every jump",
      "of the table on commit.",
      "",
      ...table(
        ["verdict map elements", "`goto c` elements", "`accept` elements"],
        [...new Set(r.applyPaths.vmapFloor.map((v) => v.elements))].map((n) => [
          n,
          r.applyPaths!.vmapFloor.find((v) => v.elements === n && v.verdict === "goto")
            ?.addMedianMs,
          r.applyPaths!.vmapFloor.find((v) => v.elements === n && v.verdict === "accept")
            ?.addMedianMs,
        ]),
      ),
      "",
    );
  }
  if (r.manifests) {
    const m = r.manifests;
    L.push(
      `## (h) Manifests: ${m.services} Services, ${m.format.toUpperCase()} shaped like \`kubectl get -o yaml\``,
      "",
      ...table(
        ["input", "files", "MB", "documents", "read ms", "`--dry-run` total ms", "runs", "note"],
        m.inputs.map((x) => [
          x.input,
          x.files,
          round(x.bytes / 1e6, 1),
          x.documents,
          x.readMs,
          x.dryRunMs,
          x.runs,
          x.timedOut ?? "",
        ]),
      ),
      "",
    );
  }
  if (r.drift) {
    const d = r.drift;
    L.push(
      `## (i) Drift at ${d.services} Services (real proxy, detection by nftables events)`,
      "",
      `Idle CPU over ${d.idleSeconds} s: ${d.idleCpuPercent} % of one core. Restore counter: ${d.restoredMetric} for ${d.outsideChanges} outside changes.`,
      "",
      ...table(
        [
          "outside change",
          "detected: median / max ms",
          "restored: median / max ms",
          "failed syncs",
        ],
        d.changes.map((c) => [
          `\`nft ${c.change}\``,
          `${c.detectMs.median} / ${c.detectMs.max}`,
          `${c.restoreMs.median} / ${c.restoreMs.max}`,
          c.failedSyncs,
        ]),
      ),
      "",
    );
  }
  if (r.big) {
    const b = r.big;
    L.push(`## (j) ${r.config.bigServices} Services × ${r.config.bigEndpoints} endpoints`, "");
    if (b.start) {
      L.push(
        `Real proxy from ${b.start.format} manifests (${
          round(b.start.manifestBytes / 1e6)
        } MB): start to programmed ${b.start.startToProgrammedMs} ms, first full sync ${b.start.firstSyncMs} ms, peak RSS ${b.start.proxyPeakMb} MB (after sync ${b.start.proxyRssAfterSyncMb} MB).`,
        "",
      );
    }
    if (b.partial) L.push(...partialTable(b.partial), "");
  }
  if (r.soak) {
    const s = r.soak;
    L.push(
      `## Soak: ${s.services} Services, ${s.ratePerSecond} changes/s for ${s.minutes} min (API mode)`,
      "",
      `Changes: ${Object.entries(s.changes).map(([k, v]) => `${k} ${v}`).join(", ")}. Syncs: ${
        Object.entries(s.syncs).map(([k, v]) => `${k} ${v}`).join(", ")
      }. UDP datagrams: ${s.udpDatagrams}.`,
      "Timers are not observable from outside the process.",
      "",
      ...table(
        [
          "series",
          "slope per minute",
          `window start (${s.windowMinutes} min)`,
          "window end",
          "growth %",
        ],
        s.trends.map((
          t,
        ) => [t.series, t.slopePerMinute, t.windowStart, t.windowEnd, t.growthPercent]),
      ),
      "",
    );
  }
  if (r.errors.length > 0) {
    L.push(
      "## Errors",
      "",
      ...r.errors.map((e) => `- (${e.section}) ${e.message.replaceAll("\n", " ").slice(0, 1500)}`),
      "",
    );
  }
  if (r.totalSeconds !== undefined) L.push(`Total run time: ${r.totalSeconds} s`, "");
  return L.join("\n");
}
