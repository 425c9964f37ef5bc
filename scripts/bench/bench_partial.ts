/**
 * (c) Partial syncs: after a full sync in a fresh namespace, the time of
 * `proxier.sync()` (render + `nft -f`) and its number of nft operations for
 * five changes: add one endpoint, remove one endpoint, replace one endpoint
 * (a pod rollout: same count), add a service, delete a service.
 *
 * The measurement runs in a child process inside the namespace, so nft runs
 * there directly, as it does for the real proxy (no `ip netns exec` per sync).
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
import { withNamespace } from "./netns.ts";
import { Proxier } from "../../src/sync/proxier.ts";
import { ExecNftRunner } from "../../src/nft/exec_nft_runner.ts";
import { silentLogger } from "../../src/log/logger.ts";
import { roundSummary, summarize, type Summary } from "./stats.ts";

/** The four measured changes. */
export const PARTIAL_OPS = [
  "addEndpoint",
  "removeEndpoint",
  "replaceEndpoint",
  "addService",
  "deleteService",
] as const;
/** One measured change. */
export type PartialOp = typeof PARTIAL_OPS[number];

/** Figures of one change. */
export interface PartialFigures {
  timeMs: Summary;
  /** Operations (Script.operations) of the first repetition, and min/max over all. */
  operations: number;
  operationsMin: number;
  operationsMax: number;
}

/** Result of (c). */
export interface PartialResult {
  services: number;
  repetitions: number;
  fullSyncMs: number;
  ops: Record<PartialOp, PartialFigures>;
}

/** Raised when a sync was not the partial one expected. */
export class UnexpectedSyncError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "UnexpectedSyncError";
  }
}

const EXTRA_BASE = (10 << 24 | 200 << 16) >>> 0;

/** Measures (c) with `services` services and `reps` repetitions of each change, in a fresh namespace. */
export function benchPartial(services: number, reps: number): Promise<PartialResult> {
  if (!(services >= 2 && reps >= 1)) {
    throw new RangeError("benchPartial: need services >= 2, reps >= 1");
  }
  return withNamespace(async (ns) => {
    const self = new URL(import.meta.url).pathname;
    const out = await new Deno.Command("ip", {
      args: [
        "netns",
        "exec",
        ns,
        Deno.execPath(),
        "run",
        "-A",
        self,
        String(services),
        String(reps),
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(out.stdout);
    if (!out.success) {
      throw new UnexpectedSyncError(
        `partial bench failed: ${new TextDecoder().decode(out.stderr).slice(-2000)}`,
      );
    }
    return JSON.parse(text) as PartialResult;
  });
}

/** The measurement itself; runs inside the namespace. */
async function measurePartial(services: number, reps: number): Promise<PartialResult> {
  {
    const state = generateState({ services });
    const proxier = new Proxier({
      state,
      settings: benchSettings(),
      runner: new ExecNftRunner(),
      logger: silentLogger,
    });
    try {
      const t0 = performance.now();
      const first = await proxier.sync();
      const fullSyncMs = performance.now() - t0;
      if (first.kind !== "full") throw new UnexpectedSyncError(`first sync was ${first.kind}`);
      const times = Object.fromEntries(PARTIAL_OPS.map((o) => [o, [] as number[]])) as Record<
        PartialOp,
        number[]
      >;
      const ops = Object.fromEntries(PARTIAL_OPS.map((o) => [o, [] as number[]])) as Record<
        PartialOp,
        number[]
      >;
      const timed = async (op: PartialOp) => {
        const t = performance.now();
        const r = await proxier.sync();
        times[op].push(performance.now() - t);
        if (r.kind !== "partial") throw new UnexpectedSyncError(`${op}: sync was ${r.kind}`);
        ops[op].push(r.operations);
      };
      for (let r = 0; r < reps; r++) {
        const k = (r * 7919) % services;
        const eps = defaultEndpoints(k);
        state.upsert("EndpointSlice", makeSlice(k, [...eps, ipv4(EXTRA_BASE + r)], `a${r}`));
        await timed("addEndpoint");
        state.upsert("EndpointSlice", makeSlice(k, eps, `b${r}`));
        await timed("removeEndpoint");
        state.upsert(
          "EndpointSlice",
          makeSlice(k, [...eps.slice(1), ipv4(EXTRA_BASE + 100_000 + r)], `c${r}`),
        );
        await timed("replaceEndpoint");
        state.upsert("EndpointSlice", makeSlice(k, eps, `d${r}`));
        await proxier.sync();
        const n = services + r;
        state.upsert("Service", makeService(n));
        state.upsert("EndpointSlice", makeSlice(n, defaultEndpoints(n)));
        await timed("addService");
        state.remove("Service", `bench/${serviceName(n)}`);
        state.remove("EndpointSlice", `bench/${serviceName(n)}-abcde`);
        await timed("deleteService");
      }
      const out = {} as Record<PartialOp, PartialFigures>;
      for (const op of PARTIAL_OPS) {
        out[op] = {
          timeMs: roundSummary(summarize(times[op]), 2),
          operations: ops[op][0],
          operationsMin: Math.min(...ops[op]),
          operationsMax: Math.max(...ops[op]),
        };
      }
      return { services, repetitions: reps, fullSyncMs: Math.round(fullSyncMs), ops: out };
    } finally {
      proxier.tracker.close();
    }
  }
}

if (import.meta.main) {
  const [services, reps] = Deno.args.map(Number);
  console.log(JSON.stringify(await measurePartial(services, reps)));
}
