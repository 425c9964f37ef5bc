/**
 * (b) Full `nft -f` load time of the proxy's ruleset against the
 * upstream-style layout, each into a fresh network namespace, on the same
 * generated cluster.
 *
 * @module
 */

import { benchSettings, generateState } from "./cluster_gen.ts";
import { plainServices, renderUpstreamStyle } from "./layouts.ts";
import { type NftLoadTiming, tempScript, timedNftLoad, withNamespace } from "./netns.ts";
import { Proxier } from "../../src/sync/proxier.ts";
import { ExecNftRunner } from "../../src/nft/exec_nft_runner.ts";
import { silentLogger } from "../../src/log/logger.ts";
import { median, round } from "./stats.ts";

/** One layout's loads at one size. */
export interface LoadFigures {
  runs: number;
  wallMedianMs: number;
  userMedianMs: number;
  sysMedianMs: number;
  nftMaxRssMb: number;
  scriptBytes: number;
}

/** Result of (b) for one size. */
export interface ApplyResult {
  services: number;
  ours: LoadFigures;
  upstream?: LoadFigures;
  /** upstream wall time / ours. */
  ratio?: number;
  /** Where the time goes: our script without some of its parts (one load each). */
  breakdown?: { part: string; elements: number; figures: LoadFigures }[];
}

/** Parts of the full script left out one at a time by the breakdown. */
const BREAKDOWN: { part: string; drop: RegExp }[] = [
  { part: "tables, chains and rules only (no elements)", drop: /^add element / },
  {
    part: "without the endpoints maps' elements",
    drop: /^add element \S+ \S+ (nodeport-)?endpoints\S* /,
  },
  { part: "without the hairpin set's elements", drop: /^add element \S+ \S+ hairpin / },
];

function countElements(lines: string[]): number {
  let n = 0;
  for (const l of lines) {
    if (l.startsWith("add element ")) n += l.split(", ").length;
  }
  return n;
}

/** The proxy's full script for a generated cluster. */
export function ourFullScript(services: number): string {
  const proxier = new Proxier({
    state: generateState({ services }),
    settings: benchSettings(),
    runner: new ExecNftRunner(),
    logger: silentLogger,
  });
  const text = proxier.prepare().script.text;
  proxier.tracker.close();
  return text;
}

async function loads(text: string, runs: number): Promise<LoadFigures> {
  const file = await tempScript(text);
  const t: NftLoadTiming[] = [];
  try {
    for (let r = 0; r < runs; r++) t.push(await withNamespace((ns) => timedNftLoad(ns, file)));
  } finally {
    await Deno.remove(file).catch(() => {});
  }
  return {
    runs,
    wallMedianMs: round(median(t.map((x) => x.wallMs))),
    userMedianMs: round(median(t.map((x) => x.userMs))),
    sysMedianMs: round(median(t.map((x) => x.sysMs))),
    nftMaxRssMb: round(Math.max(...t.map((x) => x.maxRssKb)) / 1024),
    scriptBytes: text.length,
  };
}

/**
 * Measures (b) at one size; the upstream-style load only when `withUpstream`,
 * the breakdown only when `withBreakdown`.
 */
export async function benchApply(
  services: number,
  runs: number,
  withUpstream: boolean,
  log: (s: string) => void,
  withBreakdown = false,
): Promise<ApplyResult> {
  const text = ourFullScript(services);
  const ours = await loads(text, runs);
  log(`  (b) ${services}: ours ${ours.wallMedianMs} ms`);
  const result: ApplyResult = { services, ours };
  if (withBreakdown) {
    const lines = text.split("\n");
    result.breakdown = [];
    for (const b of BREAKDOWN) {
      const kept = lines.filter((l) => !b.drop.test(l));
      result.breakdown.push({
        part: b.part,
        elements: countElements(kept),
        figures: await loads(kept.join("\n"), runs),
      });
    }
    result.breakdown.unshift({
      part: "whole script",
      elements: countElements(lines),
      figures: ours,
    });
  }
  if (!withUpstream) return result;
  const upstream = await loads(renderUpstreamStyle(plainServices(services)), 1);
  log(`  (b) ${services}: upstream-style ${upstream.wallMedianMs} ms`);
  result.upstream = upstream;
  result.ratio = round(upstream.wallMedianMs / ours.wallMedianMs, 1);
  return result;
}
