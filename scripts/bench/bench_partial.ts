/**
 * (c) Partial syncs: after a full sync in a fresh namespace, the time of
 * `proxier.sync()` (render + apply) and its number of nft operations for
 * five changes: add one endpoint, remove one endpoint, replace one endpoint
 * (a pod rollout: same count), add a Service, delete a Service; then the
 * garbage collection that follows them (deletions off the critical path).
 *
 * Each runner the proxy can use is measured in its own namespace, side by
 * side: libnftables in-process (`openNftRunner("auto")`, the default) and
 * the `nft` binary per sync (`exec`). Like the proxy, the runner is wrapped
 * by drift detection (the nftables event monitor).
 *
 * The cluster is N Services × E endpoints, where the first 20 Services have
 * 1..20 endpoints, so that every endpoint count near E already has its
 * shared selection chain, as in a real cluster. The first Service with a
 * count nobody has yet (a new `pick-N` chain) is measured apart.
 *
 * The measurement runs in a child process inside the namespace, so nft
 * talks to the namespace's kernel state directly, as it does for the proxy.
 *
 * @module
 */

import {
  benchSettings,
  defaultEndpoints,
  generateState,
  ipv4,
  makeService,
  makeSlice,
  serviceName,
} from "./cluster_gen.ts";
import { denoInNamespace, withNamespace } from "./netns.ts";
import { Proxier, type SyncResult } from "../../src/sync/proxier.ts";
import { openNftRunner } from "../../src/nft/open_runner.ts";
import { type DriftDetection, startDriftDetection } from "../../src/sync/drift_detection.ts";
import type { NftRunner } from "../../src/nft/nft_runner.ts";
import { BASE_CHAINS } from "../../src/plan/skeleton.ts";
import { silentLogger } from "../../src/log/logger.ts";
import { roundSummary, summarize, type Summary } from "./stats.ts";

/** The measured changes. */
export const PARTIAL_OPS = [
  "addEndpoint",
  "removeEndpoint",
  "replaceEndpoint",
  "addService",
  "deleteService",
] as const;
/** One measured change. */
export type PartialOp = typeof PARTIAL_OPS[number];

/** How the measured proxier applies scripts. */
export type PartialBackend = "libnftables" | "exec";

/** Figures of one change. */
export interface PartialFigures {
  timeMs: Summary;
  /** Operations (Script.operations) of the first repetition, and min/max over all. */
  operations: number;
  operationsMin: number;
  operationsMax: number;
}

/** The first Service with an endpoint count nobody has: a new selection chain. */
export interface NewCountFigures {
  attempts: number;
  succeeded: number;
  /** nft's message for the first failure, if any. */
  firstError?: string;
  /** Times of the successful ones. */
  timeMs?: Summary;
}

/** Figures of one runner. */
export interface PartialRunnerResult {
  backend: PartialBackend;
  fullSyncMs: number;
  ops: Record<PartialOp, PartialFigures>;
  newCount: NewCountFigures;
  /** The garbage collection after each repetition's changes. */
  garbage: PartialFigures;
}

/** Result of (c). */
export interface PartialResult {
  services: number;
  endpointsPerService: number;
  repetitions: number;
  runners: PartialRunnerResult[];
}

/** Raised when a sync was not the one expected. */
export class UnexpectedSyncError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "UnexpectedSyncError";
  }
}

/** Arguments of the measurement child. */
interface PartialArgs {
  services: number;
  endpointsPerService: number;
  reps: number;
  backend: PartialBackend;
}

/** Services 0..SPREAD-1 have 1..SPREAD endpoints. */
export const SPREAD = 20;
const EXTRA_BASE = (10 << 24 | 200 << 16) >>> 0;
/** An endpoint count no generated Service has. */
const NEW_COUNT = 37;
const NEW_COUNT_TRIES = 5;

/**
 * Measures (c) with `services` Services and `reps` repetitions of each change,
 * for each backend in its own fresh namespace.
 */
export async function benchPartial(
  services: number,
  reps: number,
  options: { endpointsPerService?: number; backends?: PartialBackend[] } = {},
): Promise<PartialResult> {
  if (!(services > SPREAD && reps >= 1)) {
    throw new RangeError(`benchPartial: need services > ${SPREAD}, reps >= 1`);
  }
  const endpointsPerService = options.endpointsPerService ?? 10;
  const runners: PartialRunnerResult[] = [];
  for (const backend of options.backends ?? ["libnftables", "exec"]) {
    const args: PartialArgs = { services, endpointsPerService, reps, backend };
    runners.push(
      await withNamespace((ns) =>
        denoInNamespace<PartialRunnerResult>(ns, new URL(import.meta.url).pathname, args)
      ),
    );
  }
  return { services, endpointsPerService, repetitions: reps, runners };
}

function figures(times: number[], ops: number[]): PartialFigures {
  return {
    timeMs: roundSummary(summarize(times.length > 0 ? times : [NaN]), 2),
    operations: ops[0] ?? 0,
    operationsMin: ops.length ? Math.min(...ops) : 0,
    operationsMax: ops.length ? Math.max(...ops) : 0,
  };
}

/** What the sync loop does after a failure: full syncs until one succeeds (at most 3). */
async function retryFull(proxier: Proxier): Promise<void> {
  for (let i = 0;; i++) {
    try {
      await proxier.sync();
      return;
    } catch (e) {
      if (i >= 2) throw e;
    }
  }
}

/**
 * Drift detection around `runner`, as the proxy runs it (the bench's syncs go
 * through its runner); an outside change during a measurement is reported.
 */
export function benchDriftDetection(runner: NftRunner): DriftDetection {
  return startDriftDetection({
    runner,
    table: "kube-nft-proxy",
    baseChains: BASE_CHAINS,
    pollPeriodMs: 30_000,
    logger: silentLogger,
    onDrift: (what) => console.error(`unexpected drift: ${what}`),
  });
}

/** The measurement itself; runs inside the namespace. */
async function measurePartial(a: PartialArgs): Promise<PartialRunnerResult> {
  const gen = { services: a.services, endpointsPerService: a.endpointsPerService };
  const state = generateState({ ...gen, spreadCounts: SPREAD });
  const nft = openNftRunner(a.backend === "exec" ? "exec" : "auto");
  if (nft.backend !== a.backend) {
    throw new UnexpectedSyncError(`wanted ${a.backend}, got ${nft.backend}: ${nft.fallbackReason}`);
  }
  const drift = benchDriftDetection(nft.runner);
  const proxier = new Proxier({
    state,
    settings: benchSettings(),
    runner: drift.runner,
    logger: silentLogger,
  });
  try {
    const t0 = performance.now();
    const first = await proxier.sync();
    const fullSyncMs = performance.now() - t0;
    if (first.kind !== "full") throw new UnexpectedSyncError(`first sync was ${first.kind}`);
    const times = Object.fromEntries(PARTIAL_OPS.map((o) => [o, [] as number[]]));
    const ops = Object.fromEntries(PARTIAL_OPS.map((o) => [o, [] as number[]]));
    const gcTimes: number[] = [], gcOps: number[] = [];
    const timedSync = async (): Promise<[SyncResult, number]> => {
      const t = performance.now();
      const r = await proxier.sync();
      return [r, performance.now() - t];
    };
    const timed = async (op: PartialOp) => {
      const [r, ms] = await timedSync();
      if (r.kind !== "partial") throw new UnexpectedSyncError(`${op}: sync was ${r.kind}`);
      times[op].push(ms);
      ops[op].push(r.operations);
    };
    const collect = async () => {
      const t = performance.now();
      const g = await proxier.collectGarbage();
      if (g) {
        gcTimes.push(performance.now() - t);
        gcOps.push(g.operations);
      }
    };
    const span = a.services - SPREAD;
    const newCount: NewCountFigures = { attempts: 0, succeeded: 0 };
    const newCountTimes: number[] = [];
    for (let r = 0; r < a.reps; r++) {
      const k = SPREAD + (r * 7919) % span;
      const eps = defaultEndpoints(k, Math.max(a.endpointsPerService, SPREAD)).slice(
        0,
        a.endpointsPerService,
      );
      const slice = (addresses: string[], rv: string) =>
        state.upsert("EndpointSlice", makeSlice(k, addresses, rv));
      slice([...eps, ipv4(EXTRA_BASE + r)], `a${r}`);
      await timed("addEndpoint");
      slice(eps, `b${r}`);
      await timed("removeEndpoint");
      slice([...eps.slice(1), ipv4(EXTRA_BASE + 100_000 + r)], `c${r}`);
      await timed("replaceEndpoint");
      slice(eps, `d${r}`);
      await proxier.sync();
      const n = a.services + r;
      state.upsert("Service", makeService(n));
      state.upsert("EndpointSlice", makeSlice(n, defaultEndpoints(n, SPREAD).slice(0, 10)));
      await timed("addService");
      state.remove("Service", `bench/${serviceName(n)}`);
      state.remove("EndpointSlice", `bench/${serviceName(n)}-abcde`);
      await timed("deleteService");
      await collect();
      // A count nobody has: the partial sync must create its selection chain. Tried in the
      // first NEW_COUNT_TRIES repetitions only: while it fails, each try costs two full syncs.
      if (r >= NEW_COUNT_TRIES) continue;
      const extra = Array.from(
        { length: NEW_COUNT - eps.length },
        (_, j) => ipv4(EXTRA_BASE + 200_000 + r * 64 + j),
      );
      slice([...eps, ...extra], `e${r}`);
      newCount.attempts++;
      try {
        const [res, ms] = await timedSync();
        if (res.kind === "partial") {
          newCount.succeeded++;
          newCountTimes.push(ms);
        }
      } catch (e) {
        newCount.firstError ??= (e as Error).message.slice(0, 300);
        await retryFull(proxier);
      }
      slice(eps, `f${r}`);
      await proxier.sync();
      await collect();
    }
    if (newCountTimes.length > 0) newCount.timeMs = roundSummary(summarize(newCountTimes), 2);
    return {
      backend: a.backend,
      fullSyncMs: Math.round(fullSyncMs),
      ops: Object.fromEntries(
        PARTIAL_OPS.map((o) => [o, figures(times[o], ops[o])]),
      ) as Record<PartialOp, PartialFigures>,
      newCount,
      garbage: figures(gcTimes, gcOps),
    };
  } finally {
    await drift.stop();
    proxier.tracker.close();
    nft.close();
  }
}

if (import.meta.main) {
  console.log(JSON.stringify(await measurePartial(JSON.parse(Deno.args[0]))));
  Deno.exit(0);
}
