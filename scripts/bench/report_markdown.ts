/**
 * The Markdown rendering of a {@linkcode BenchReport}.
 *
 * @module
 */

import { type BenchReport, targetRows } from "./report.ts";
import { PARTIAL_OPS } from "./bench_partial.ts";
import { round } from "./stats.ts";

function table(head: string[], rows: (string | number | undefined)[][]): string[] {
  return [
    `| ${head.join(" | ")} |`,
    `|${head.map(() => "---").join("|")}|`,
    ...rows.map((r) => `| ${r.map((c) => c ?? "").join(" | ")} |`),
  ];
}

/** The Markdown report. */
export function renderMarkdown(r: BenchReport): string {
  const L: string[] = [`# kube-nft-proxy benchmark`, "", `Date: ${r.date}`, ""];
  L.push(...table(["machine", ""], Object.entries(r.machine)), "");
  L.push(
    "## Targets",
    "",
    ...table(["target", "measured", "met"], targetRows(r).map((t) => [t.target, t.value, t.met])),
    "",
  );
  L.push(
    "Clusters: N ClusterIP services TCP/80 -> 8080, 10 endpoints each, one EndpointSlice per service.",
    "",
  );
  if (r.render) {
    L.push("## (a) Render time (Proxier.prepare on a fresh ClusterState)", "");
    L.push(
      ...table(
        [
          "services",
          "runs",
          "prepare median ms",
          "all runs ms",
          "text only ms",
          "script MB",
          "lines",
        ],
        r.render.map((
          x,
        ) => [
          x.services,
          x.runs,
          x.prepareMedianMs,
          x.prepareRunsMs.join(", "),
          x.textOnlyMedianMs,
          round(x.scriptBytes / 1048576, 2),
          x.scriptLines,
        ]),
      ),
      "",
    );
  }
  if (r.apply) {
    L.push("## (b) Full `nft -f` load into a fresh namespace: ours vs upstream-style", "");
    L.push(
      ...table(
        [
          "services",
          "ours ms",
          "user/sys ms",
          "nft RSS MB",
          "upstream-style ms",
          "user/sys ms",
          "nft RSS MB",
          "ratio",
        ],
        r.apply.map((
          x,
        ) => [
          x.services,
          x.ours.wallMedianMs,
          `${x.ours.userMedianMs}/${x.ours.sysMedianMs}`,
          x.ours.nftMaxRssMb,
          x.upstream?.wallMedianMs ?? "skipped",
          x.upstream ? `${x.upstream.userMedianMs}/${x.upstream.sysMedianMs}` : "",
          x.upstream?.nftMaxRssMb ?? "",
          x.ratio ?? "",
        ]),
      ),
      "",
    );
  }
  if (r.partial) {
    const p = r.partial;
    L.push(
      `## (c) Partial sync at ${p.services} services (${p.repetitions} repetitions; full sync first: ${p.fullSyncMs} ms)`,
      "",
    );
    L.push("Time around `proxier.sync()` (render + `nft -f`).", "");
    L.push(
      ...table(
        ["change", "median ms", "p99 ms", "max ms", "nft operations"],
        PARTIAL_OPS.map((
          o,
        ) => [
          o,
          p.ops[o].timeMs.median,
          p.ops[o].timeMs.p99,
          p.ops[o].timeMs.max,
          p.ops[o].operationsMin === p.ops[o].operationsMax
            ? p.ops[o].operations
            : `${p.ops[o].operationsMin}-${p.ops[o].operationsMax}`,
        ]),
      ),
      "",
    );
  }
  if (r.latency) {
    L.push(
      "## (d) Event-to-kernel latency (fake API server over HTTP, real source + Proxier + SyncLoop)",
      "",
    );
    L.push(
      "From the server emitting the watch event to the completion of the `nft -f` that carries it.",
      "",
    );
    L.push(
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
        ],
        r.latency.map((
          x,
        ) => [
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
        ]),
      ),
      "",
    );
  }
  if (r.rss) {
    L.push("## (e) Peak RSS (real proxy, `main.ts --manifests`, first sync in a namespace)", "");
    L.push(`Baseline: \`main.ts --version\` peaks at ${r.rss.baselineMb} MB.`, "");
    L.push(
      ...table(
        [
          "services",
          "proxy VmHWM MB",
          "proxy VmRSS after sync MB",
          "nft peak MB",
          "start to synced ms",
          "manifests MB",
        ],
        r.rss.results.map((
          x,
        ) => [
          x.services,
          x.proxyPeakMb,
          x.proxyRssAfterSyncMb,
          x.nftPeakMb,
          x.startToSyncedMs,
          round(x.manifestBytes / 1048576, 1),
        ]),
      ),
      "",
    );
  }
  if (r.dataplane) {
    L.push(
      `## (f) Dataplane: TCP connect + first byte, ${r.dataplane.connections} connections per case`,
      "",
    );
    L.push(
      "Client in an external namespace, through the node namespace to one pod. The target service is the LAST",
      "service of the iptables-style list (its worst case). `direct` goes to the pod IP with no proxy rules.",
      "",
    );
    L.push(
      ...table(
        ["layout", "services", "target", "median us", "p99 us", "max us"],
        r.dataplane.cases.map((
          c,
        ) => [
          c.layout,
          c.services,
          c.target,
          c.latencyUs.median,
          c.latencyUs.p99,
          c.latencyUs.max,
        ]),
      ),
      "",
    );
  }
  if (r.errors.length > 0) {
    L.push(
      "## Errors",
      "",
      ...r.errors.map((e) => `- (${e.section}) ${e.message.replaceAll("\n", " ")}`),
      "",
    );
  }
  if (r.totalSeconds !== undefined) L.push(`Total run time: ${r.totalSeconds} s`, "");
  return L.join("\n");
}
