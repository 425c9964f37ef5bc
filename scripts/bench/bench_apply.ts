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

/** Measures (b) at one size; the upstream-style load only when `withUpstream`. */
export async function benchApply(
  services: number,
  runs: number,
  withUpstream: boolean,
  log: (s: string) => void,
): Promise<ApplyResult> {
  const ours = await loads(ourFullScript(services), runs);
  log(`  (b) ${services}: ours ${ours.wallMedianMs} ms`);
  if (!withUpstream) return { services, ours };
  const upstream = await loads(renderUpstreamStyle(plainServices(services)), 1);
  log(`  (b) ${services}: upstream-style ${upstream.wallMedianMs} ms`);
  return { services, ours, upstream, ratio: round(upstream.wallMedianMs / ours.wallMedianMs, 1) };
}
