/**
 * (d) Event-to-kernel latency: a fake API server (plain HTTP, in this
 * process) holds the generated cluster; the real API-server source, the
 * Proxier and the SyncLoop apply into a fresh namespace through the runner
 * the proxy uses (`openNftRunner("auto")`: libnftables, wrapped by drift
 * detection). EndpointSlice changes are streamed at a fixed rate; each change
 * is timed from the moment the server's store emits its watch event to the
 * moment the apply holding it completes (the runner is wrapped to see which
 * changes each script carries: `prepare()` and `apply()` run without an
 * await between). Then single changes after an idle period (3 s apart) are
 * timed the same way: with minSyncPeriod 1 s, the first change after an idle
 * period must be programmed at once, as upstream's bounded-frequency runner does.
 *
 * @module
 */

import { FakeApiServer } from "../../tests/support/fake_apiserver/server.ts";
import {
  benchSettings,
  defaultEndpoints,
  generateObjects,
  ipv4,
  makeSlice,
  NODE_NAME,
} from "./cluster_gen.ts";
import { denoInNamespace, sh, withNamespace } from "./netns.ts";
import { ClusterState } from "../../src/source/cluster_state.ts";
import { startApiServerSource } from "../../src/source/apiserver/mod.ts";
import { Proxier } from "../../src/sync/proxier.ts";
import { SyncLoop } from "../../src/sync/sync_loop.ts";
import type { NftRunner } from "../../src/nft/nft_runner.ts";
import { openNftRunner } from "../../src/nft/open_runner.ts";
import { benchDriftDetection } from "./bench_partial.ts";
import { silentLogger } from "../../src/log/logger.ts";
import { round, roundSummary, summarize, type Summary } from "./stats.ts";

/** Result of (d) for one minSyncPeriod. */
export interface LatencyResult {
  services: number;
  minSyncPeriodMs: number;
  ratePerSecond: number;
  durationSeconds: number;
  eventsSent: number;
  eventsMeasured: number;
  syncs: number;
  latencyMs: Summary;
  /** The runner that applied (libnftables unless it could not be loaded). */
  backend: string;
  /** Single changes after an idle period: event to kernel. */
  idleChanges: number;
  idleLatencyMs: Summary;
}

/** Arguments of the measurement child. */
interface LatencyArgs {
  services: number;
  minSyncPeriodMs: number;
  ratePerSecond: number;
  durationSeconds: number;
  idleChanges: number;
}

/** Seeds a fake API server with a generated cluster (plain HTTP). */
export async function seededServer(services: number): Promise<FakeApiServer> {
  const server = await FakeApiServer.start({ maxHistory: 4 * services + 100_000 });
  const { services: svcs, slices, node } = generateObjects({ services });
  server.upsert("nodes", node as never);
  for (const s of svcs) server.upsert("services", s as never);
  for (const s of slices) server.upsert("endpointslices", s as never);
  return server;
}

const CHANGE_BASE = (10 << 24 | 210 << 16) >>> 0;
/** Changes made so far in this process: every change writes a new address, so none is a no-op. */
let changeCounter = 0;

/**
 * Runs one latency measurement in a fresh namespace: a child process inside
 * it runs the test API server (on the namespace's loopback, `services`
 * services), the real API-server source, the proxier and its sync loop, with
 * nft run directly as the proxy runs it.
 */
export function benchLatency(
  services: number,
  minSyncPeriodMs: number,
  ratePerSecond: number,
  durationSeconds: number,
  idleChanges = 10,
): Promise<LatencyResult> {
  if (!(ratePerSecond > 0 && durationSeconds > 0 && idleChanges >= 1)) {
    throw new RangeError("benchLatency: bad rate/duration/idleChanges");
  }
  return withNamespace(async (ns) => {
    // The API server listens on the namespace's own loopback.
    await sh(["ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up"]);
    const args: LatencyArgs = {
      services,
      minSyncPeriodMs,
      ratePerSecond,
      durationSeconds,
      idleChanges,
    };
    return await denoInNamespace<LatencyResult>(ns, new URL(import.meta.url).pathname, args);
  });
}

/** The measurement itself; runs inside the namespace. */
async function measureLatency(server: FakeApiServer, a: LatencyArgs): Promise<LatencyResult> {
  const { services, minSyncPeriodMs, ratePerSecond, durationSeconds } = a;
  {
    const emitted = new Map<string, number>();
    const arrived: string[] = [];
    const latencies: number[] = [];
    let syncs = 0;
    const unsubscribe = server.store.subscribe((ev) => {
      if (ev.def.kind === "EndpointSlice") {
        emitted.set(ev.object.metadata!.resourceVersion!, performance.now());
      }
    });
    const state = new ClusterState();
    state.onChange((c) => {
      const rv = c.current?.metadata?.resourceVersion;
      if (c.kind === "EndpointSlice" && rv && emitted.has(rv)) arrived.push(rv);
    });
    const nft = openNftRunner("auto");
    const drift = benchDriftDetection(nft.runner);
    const inner = drift.runner;
    const runner: NftRunner = {
      run: (args) => inner.run(args),
      check: (script) => inner.check(script),
      async apply(script) {
        const batch = arrived.splice(0);
        try {
          await inner.apply(script);
        } catch (e) {
          arrived.unshift(...batch);
          throw e;
        }
        const t = performance.now();
        syncs++;
        for (const rv of batch) latencies.push(t - emitted.get(rv)!);
      },
    };
    const source = startApiServerSource({
      nodeName: NODE_NAME,
      state,
      logger: silentLogger,
      clientConfig: {
        server: server.url,
        insecureSkipTlsVerify: false,
        origin: "bench",
        warnings: [],
      },
      watchTimeoutSeconds: 3600,
    });
    let timer: ReturnType<typeof setInterval> | undefined;
    let proxier: Proxier | undefined;
    let loop: SyncLoop | undefined;
    try {
      await source.synced;
      // Built after the first list, as the proxy does: the SyncLoop syncs on any change.
      proxier = new Proxier({ state, settings: benchSettings(), runner, logger: silentLogger });
      let firstSync!: () => void;
      const synced = new Promise<void>((r) => firstSync = r);
      loop = new SyncLoop({
        syncer: proxier,
        logger: silentLogger,
        minSyncPeriodMs,
        syncPeriodMs: 3_600_000,
        onSynced: (r) => {
          if (Deno.env.get("KPB_DEBUG")) {
            console.error("synced", r.kind, r.operations, performance.now());
          }
          if (r.kind === "full") firstSync();
        },
        onFailed: (e) => console.error("sync failed", e.message),
      });
      loop.start();
      await synced;
      syncs = 0;
      const total = Math.round(ratePerSecond * durationSeconds);
      let sent = 0;
      const change = (i: number) => {
        const k = (i * 7919) % services;
        const eps = defaultEndpoints(k);
        eps[0] = ipv4(CHANGE_BASE + changeCounter++);
        server.upsert("endpointslices", makeSlice(k, eps) as never);
      };
      const start = performance.now();
      await new Promise<void>((done) => {
        // Send on schedule: as many changes as are due since the start.
        timer = setInterval(() => {
          const due = Math.min(
            total,
            Math.floor((performance.now() - start) * ratePerSecond / 1000) + 1,
          );
          for (; sent < due; sent++) change(sent);
          if (sent >= total) done();
        }, Math.max(1, Math.floor(1000 / ratePerSecond / 2)));
      });
      clearInterval(timer);
      const deadline = Date.now() + 30_000;
      while (latencies.length < sent && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
      }
      const streamed = latencies.splice(0);
      const measured = streamed.length;
      // Single changes after an idle period (longer than minSyncPeriod and the garbage delay).
      const idle: number[] = [];
      for (let i = 0; i < a.idleChanges; i++) {
        await new Promise((r) => setTimeout(r, 3000));
        change(sent + i);
        const until = Date.now() + 10_000;
        while (latencies.length === 0 && Date.now() < until) {
          await new Promise((r) => setTimeout(r, 1));
        }
        idle.push(...latencies.splice(0));
      }
      return {
        services,
        minSyncPeriodMs,
        ratePerSecond,
        durationSeconds,
        eventsSent: sent,
        eventsMeasured: measured,
        syncs,
        latencyMs: roundSummary(summarize(measured ? streamed : [NaN]), 1),
        backend: nft.backend,
        idleChanges: a.idleChanges,
        idleLatencyMs: roundSummary(summarize(idle.length ? idle : [NaN]), 1),
      };
    } finally {
      clearInterval(timer);
      unsubscribe();
      const debug = (m: string) => Deno.env.get("KPB_DEBUG") && console.error(m);
      debug("stopping loop");
      loop?.stop();
      await loop?.whenIdle();
      debug("stopping source");
      await source.stop();
      debug("stopped");
      proxier?.tracker.close();
      await drift.stop();
      nft.close();
      await new Promise((r) => setTimeout(r, round(10)));
    }
  }
}

if (import.meta.main) {
  const args = JSON.parse(Deno.args[0]) as LatencyArgs;
  const server = await seededServer(args.services);
  try {
    console.log(JSON.stringify(await measureLatency(server, args)));
  } finally {
    await server.stop();
  }
  Deno.exit(0);
}
