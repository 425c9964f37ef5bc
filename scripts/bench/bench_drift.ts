/**
 * (i) Drift: the real proxy (manifests, default flags, so drift detection by
 * nftables events is on) programs N Services in a fresh namespace. Then:
 *
 * - idle CPU: the proxy's user + system time over `idleSeconds` with nothing
 *   changing (from /proc/PID/stat), as a share of one core, after as long
 *   again to settle;
 * - outside changes: `nft flush table ip kube-nft-proxy` and
 *   `nft delete table ip kube-nft-proxy`, `repeats` times each: the time from
 *   the command's exit to the proxy's drift warning (detected) and to the end
 *   of the full sync that follows (restored); the table's `service-ips` map is
 *   then checked to hold every Service again, and failed syncs in between are
 *   counted;
 * - the restore counter `kubeproxy_sync_proxy_rules_drift_restored_total`,
 *   read from the proxy's /metrics inside the namespace.
 *
 * @module
 */

import { type ManifestFormat, writeManifests } from "./manifest_gen.ts";
import { BenchCommandError, sh, withNamespace } from "./netns.ts";
import { BenchProxy, CLOCK_TICKS, isSynced, procCpuTicks } from "./bench_proxy.ts";
import { BENCH_PROXY_FLAGS, FILE_SERVICES } from "./bench_rss.ts";
import { round, roundSummary, summarize, type Summary } from "./stats.ts";

/** The outside changes. */
export const OUTSIDE_CHANGES = ["flush table", "delete table"] as const;

/** Figures of one kind of outside change. */
export interface DriftChangeFigures {
  change: typeof OUTSIDE_CHANGES[number];
  detectMs: Summary;
  restoreMs: Summary;
  /** Failed syncs logged between the change and the restore, over all repeats. */
  failedSyncs: number;
}

/** Result of (i). */
export interface DriftResult {
  services: number;
  idleSeconds: number;
  /** CPU of the idle proxy, % of one core. */
  idleCpuPercent: number;
  changes: DriftChangeFigures[];
  /** The counter after all changes, and how many changes were made. */
  restoredMetric: number;
  outsideChanges: number;
}

const TABLE = "ip kube-nft-proxy";

async function metric(ns: string, name: string): Promise<number> {
  const text = await sh([
    "ip",
    "netns",
    "exec",
    ns,
    "python3",
    "-c",
    "import urllib.request;print(urllib.request.urlopen('http://127.0.0.1:10249/metrics').read().decode())",
  ]);
  const m = text.match(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, "m"));
  return m ? Number(m[1]) : NaN;
}

/** Measures (i) at `services`. */
export async function benchDrift(
  services: number,
  o: { idleSeconds?: number; repeats?: number; format?: ManifestFormat; timeoutMs?: number } = {},
): Promise<DriftResult> {
  const idleSeconds = o.idleSeconds ?? 60;
  const repeats = o.repeats ?? 3;
  const dir = await Deno.makeTempDir({ prefix: "kpb-drift-" });
  try {
    await writeManifests(dir, {
      services,
      format: o.format ?? "yaml",
      files: Math.ceil(services / FILE_SERVICES),
    });
    return await withNamespace(async (ns) => {
      await sh(["ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up"]);
      const proxy = BenchProxy.start(ns, [
        ...BENCH_PROXY_FLAGS,
        "--metrics-bind-address=127.0.0.1:10249",
        `--manifests=${dir}`,
      ]);
      try {
        await proxy.waitFor((l) => isSynced(l, "full"), o.timeoutMs ?? 600_000);
        // Let the start settle first: for about a minute after the first sync, V8's memory
        // reducer runs full garbage collections of the big heap the start left (measured: ~0.7 %
        // of a core in the first minute, ~0.1 % afterwards). The target is the steady state.
        await new Promise((r) => setTimeout(r, idleSeconds * 1000));
        const c0 = procCpuTicks(proxy.pid);
        await new Promise((r) => setTimeout(r, idleSeconds * 1000));
        const ticks = procCpuTicks(proxy.pid) - c0;
        const idleCpuPercent = round((ticks / CLOCK_TICKS) / idleSeconds * 100, 2);
        const changes: DriftChangeFigures[] = [];
        let made = 0;
        for (const change of OUTSIDE_CHANGES) {
          const detect: number[] = [], restore: number[] = [];
          let failedSyncs = 0;
          for (let r = 0; r < repeats; r++) {
            const from = proxy.lines.length;
            // From the start of the outside command (its own run is part of the figure).
            const t0 = performance.now();
            await sh(["ip", "netns", "exec", ns, "nft", ...change.split(" "), ...TABLE.split(" ")]);
            made++;
            const warned = await proxy.waitFor(
              (l) => /changed behind its back/.test(String(l.json?.msg)),
              30_000,
              from,
            );
            const done = await proxy.waitFor((l) => isSynced(l, "full"), 60_000, from);
            detect.push(warned.at - t0);
            restore.push(done.at - t0);
            failedSyncs += proxy.lines.slice(from).filter((l) =>
              /Failed to sync/.test(String(l.json?.msg))
            ).length;
            const listed = await sh([
              "ip",
              "netns",
              "exec",
              ns,
              "nft",
              "list",
              "map",
              ...TABLE.split(" "),
              "service-ips",
            ]);
            const entries = (listed.match(/ : goto /g) ?? []).length;
            if (entries < services) {
              throw new BenchCommandError(
                `after ${change}: service-ips holds ${entries} entries, want ${services}`,
              );
            }
            await new Promise((r) => setTimeout(r, 3000));
          }
          changes.push({
            change,
            detectMs: roundSummary(summarize(detect), 1),
            restoreMs: roundSummary(summarize(restore), 1),
            failedSyncs,
          });
        }
        return {
          services,
          idleSeconds,
          idleCpuPercent,
          changes,
          restoredMetric: await metric(ns, "kubeproxy_sync_proxy_rules_drift_restored_total"),
          outsideChanges: made,
        };
      } finally {
        await proxy.stop();
      }
    });
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}
