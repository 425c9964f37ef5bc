/**
 * (a) Render time: `Proxier.prepare()` on a fresh ClusterState (model, plan
 * and full script text), and the text rendering alone (`fullScript()` again
 * on the prepared plan).
 *
 * @module
 */

import { benchSettings, generateState } from "./cluster_gen.ts";
import { Proxier } from "../../src/sync/proxier.ts";
import { ExecNftRunner } from "../../src/nft/exec_nft_runner.ts";
import { silentLogger } from "../../src/log/logger.ts";
import { median, round } from "./stats.ts";

/** Result of (a) for one size. */
export interface RenderResult {
  services: number;
  runs: number;
  /** Median of `prepare()` (ms). */
  prepareMedianMs: number;
  prepareRunsMs: number[];
  /** Median of re-rendering the text of the prepared plan (ms). */
  textOnlyMedianMs: number;
  scriptBytes: number;
  scriptLines: number;
}

/** Measures (a) at one size with `runs` fresh proxiers. */
export async function benchRender(services: number, runs: number): Promise<RenderResult> {
  if (!(runs >= 1)) throw new RangeError(`benchRender: runs must be >= 1, got ${runs}`);
  const prepare: number[] = [];
  const textOnly: number[] = [];
  let bytes = 0, lines = 0;
  for (let r = 0; r < runs; r++) {
    const state = generateState({ services });
    const proxier = new Proxier({
      state,
      settings: benchSettings(),
      runner: new ExecNftRunner(),
      logger: silentLogger,
    });
    const t0 = performance.now();
    const { script } = proxier.prepare();
    prepare.push(performance.now() - t0);
    const t1 = performance.now();
    proxier.plan!.fullScript();
    textOnly.push(performance.now() - t1);
    bytes = script.text.length;
    lines = script.text.split("\n").length;
    proxier.tracker.close();
    // Let the event loop breathe (and GC) between runs.
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    services,
    runs,
    prepareMedianMs: round(median(prepare)),
    prepareRunsMs: prepare.map((x) => round(x)),
    textOnlyMedianMs: round(median(textOnly)),
    scriptBytes: bytes,
    scriptLines: lines,
  };
}
