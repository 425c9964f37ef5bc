/**
 * Drift detection: notices when the proxy's tables are changed behind its
 * back and asks for them to be restored. By events from the kernel's
 * nftables notifications ({@linkcode TableMonitor}); where the monitor cannot
 * be opened, by polling the tables' chains every `pollPeriodMs`. The periodic
 * full resync remains the last fallback.
 *
 * @module
 */

import type { NftRunner } from "../nft/nft_runner.ts";
import { type NftTransaction, TableMonitor } from "../nft/table_monitor.ts";
import { MonitoredRunner } from "../nft/monitored_runner.ts";
import { DriftChecker } from "../nft/drift_checker.ts";
import type { Logger } from "../log/logger.ts";

/** Options of {@linkcode startDriftDetection}. */
export interface DriftDetectionOptions {
  runner: NftRunner;
  table: string;
  /** Base chains each family's table holds (checked when polling). */
  baseChains: readonly string[];
  /** Polling period when events are unavailable; 0 disables detection entirely. */
  pollPeriodMs: number;
  logger: Logger;
  /** Called once per burst of outside changes, with what was seen. */
  onDrift: (what: string) => void;
}

/** A running drift detection. */
export interface DriftDetection {
  /** The runner to apply scripts with: it tells the monitor which changes are the proxy's. */
  runner: NftRunner;
  /** `events`, `polling` or `off`. */
  mode: "events" | "polling" | "off";
  stop(): Promise<void>;
}

/** Starts drift detection (see the module doc). */
export function startDriftDetection(options: DriftDetectionOptions): DriftDetection {
  if (options.pollPeriodMs <= 0) {
    return {
      runner: options.runner,
      mode: "off",
      stop: () => Promise.resolve(),
    };
  }
  const tables = [`ip ${options.table}`, `ip6 ${options.table}`];
  let pending = false;
  const drift = (what: string) => {
    // One restore per burst: the events of one outside command arrive together.
    if (pending) return;
    pending = true;
    queueMicrotask(() => {
      pending = false;
      options.onDrift(what);
    });
  };
  try {
    const monitor = new TableMonitor({
      tables,
      onForeignChange: (t: NftTransaction) =>
        drift(
          `${[...t.tables].filter((x) => tables.includes(x)).join(", ")} changed by ${
            t.processName || "another process"
          }${t.pid ? ` (${t.pid})` : ""}`,
        ),
      onLost: () => drift("nftables notifications were lost"),
      onError: (e) => options.logger.error("nftables monitor stopped", { error: e.message }),
    });
    monitor.start();
    return {
      runner: new MonitoredRunner(options.runner, monitor),
      mode: "events",
      stop: () => monitor.stop(),
    };
  } catch (e) {
    options.logger.warn("Cannot watch nftables events; polling for drift instead", {
      error: (e as Error).message,
      periodMs: options.pollPeriodMs,
    });
  }
  const checker = new DriftChecker({
    runner: options.runner,
    table: options.table,
    baseChains: options.baseChains,
  });
  const timer = setInterval(async () => {
    const missing = await checker.check().catch(() => undefined);
    if (missing && missing.length > 0) drift(missing.join(", "));
  }, options.pollPeriodMs);
  return {
    runner: options.runner,
    mode: "polling",
    stop: () => {
      clearInterval(timer);
      return Promise.resolve();
    },
  };
}
