/**
 * Reconciles the UDP entries of the conntrack table with the desired UDP
 * state, as upstream kube-proxy does after every sync: list each family's
 * UDP entries once, pick the stale ones ({@linkcode findStaleFlows}), delete
 * exactly those. Runs never overlap: a request made during a run waits, and
 * all requests made meanwhile are served by ONE next run with the latest
 * state. Failures are logged, never thrown.
 *
 * @module
 */

import type { Logger } from "../log/logger.ts";
import { describeFlow, type FlowFamily, IPPROTO_UDP } from "./flow.ts";
import { familiesToReconcile, findStaleFlows } from "./stale_flows.ts";
import type { ConntrackTable } from "./table.ts";
import type { UdpServicePortState } from "./udp_state.ts";

/** What one run did. */
export interface ReconcileResult {
  /** Entries deleted. */
  deleted: number;
  /** Entries deleted per family (for the per-family metric). */
  deletedByFamily: Record<FlowFamily, number>;
  /** Stale entries found (some may have gone by themselves before the deletion). */
  stale: number;
  /** UDP entries listed. */
  listed: number;
  /** Wall time of the run, for `kubeproxy_conntrack_reconciler_sync_duration_seconds`. */
  durationMs: number;
  /** What failed (already logged). Empty when all went well. */
  errors: string[];
}

/** Options of {@linkcode ConntrackReconciler}. */
export interface ConntrackReconcilerOptions {
  table: ConntrackTable;
  logger: Logger;
  /**
   * This host's addresses (NodePort entries are addressed to one of them), read at every run.
   * @default the addresses of `Deno.networkInterfaces()`
   */
  localAddresses?: () => Iterable<string>;
  /** Called after every run, e.g. to update metrics. */
  onResult?: (result: ReconcileResult) => void;
  /** Clock. @default performance.now */
  now?: () => number;
}

function interfaceAddresses(): Iterable<string> {
  return Deno.networkInterfaces().map((i) => i.address.replace(/%.*$/, ""));
}

/** Serialized, coalescing conntrack reconciliation. */
export class ConntrackReconciler {
  #table: ConntrackTable;
  #log: Logger;
  #local: () => Iterable<string>;
  #onResult?: (r: ReconcileResult) => void;
  #now: () => number;
  #running: Promise<void> | null = null;
  #next: {
    desired: readonly UdpServicePortState[];
    waiters: ((r: ReconcileResult) => void)[];
  } | null = null;
  #runs = 0;

  constructor(options: ConntrackReconcilerOptions) {
    this.#table = options.table;
    this.#log = options.logger;
    this.#local = options.localAddresses ?? interfaceAddresses;
    this.#onResult = options.onResult;
    this.#now = options.now ?? (() => performance.now());
  }

  /** Number of runs so far. */
  get runs(): number {
    return this.#runs;
  }

  /**
   * Asks for a run against `desired`, the FULL desired UDP state, which the
   * ruleset must already implement (call it after a successful apply). Resolves
   * with the result of the run that used this state or a later one.
   */
  request(desired: readonly UdpServicePortState[]): Promise<ReconcileResult> {
    return new Promise((resolve) => {
      if (this.#next) {
        this.#next.desired = desired;
        this.#next.waiters.push(resolve);
      } else {
        this.#next = { desired, waiters: [resolve] };
      }
      this.#running ??= this.#drain();
    });
  }

  /** Resolves once no run is in progress or queued. */
  async whenIdle(): Promise<void> {
    while (this.#running) await this.#running;
  }

  /** Waits for the runs in progress or queued, then releases the table. */
  async close(): Promise<void> {
    await this.whenIdle();
    this.#table.close();
  }

  async #drain(): Promise<void> {
    try {
      while (this.#next) {
        const { desired, waiters } = this.#next;
        this.#next = null;
        const result = await this.#run(desired);
        for (const w of waiters) w(result);
      }
    } finally {
      this.#running = null;
    }
  }

  async #run(desired: readonly UdpServicePortState[]): Promise<ReconcileResult> {
    const start = this.#now();
    const result: ReconcileResult = {
      deleted: 0,
      deletedByFamily: { 4: 0, 6: 0 },
      stale: 0,
      listed: 0,
      durationMs: 0,
      errors: [],
    };
    this.#runs++;
    const local = new Set(this.#local());
    for (const family of familiesToReconcile(desired)) {
      try {
        const flows = await this.#table.list(family, IPPROTO_UDP);
        result.listed += flows.length;
        const stale = findStaleFlows(flows, desired, local);
        result.stale += stale.length;
        if (stale.length === 0) continue;
        if (this.#log.v(4).enabled) {
          for (const f of stale.slice(0, 20)) {
            this.#log.v(4).info("Deleting stale UDP conntrack entry", { flow: describeFlow(f) });
          }
        }
        const d = await this.#table.delete(stale);
        result.deleted += d.deleted;
        result.deletedByFamily[family] += d.deleted;
        if (d.failed > 0) {
          const msg = `IPv${family}: ${d.failed} deletions failed (${d.errors.join(", ")})`;
          result.errors.push(msg);
          this.#log.error("Failed to delete stale UDP conntrack entries", {
            ipFamily: `IPv${family}`,
            failed: d.failed,
            errors: d.errors.join(", "),
          });
        }
      } catch (e) {
        const msg = `IPv${family}: ${(e as Error).message}`;
        result.errors.push(msg);
        this.#log.error("Failed to reconcile UDP conntrack entries", {
          ipFamily: `IPv${family}`,
          backend: this.#table.name,
          error: (e as Error).message,
        });
      }
    }
    result.durationMs = this.#now() - start;
    const line = {
      listed: result.listed,
      stale: result.stale,
      deleted: result.deleted,
      took: `${result.durationMs.toFixed(1)}ms`,
    };
    if (result.deleted > 0) this.#log.v(2).info("Deleted stale UDP conntrack entries", line);
    else this.#log.v(4).info("Reconciled UDP conntrack entries", line);
    try {
      this.#onResult?.(result);
    } catch (e) {
      this.#log.error("Conntrack reconciler result handler failed", {
        error: (e as Error).message,
      });
    }
    return result;
  }
}
