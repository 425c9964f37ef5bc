/**
 * A process-wide guard for the long-running proxy: an unhandled promise
 * rejection or an uncaught error (thrown in a timer or event callback) is
 * logged and the process goes on, instead of Deno's default of printing it
 * and exiting. The proxy's rules stay programmed either way, but a node
 * service proxy that exits on a stray bug stops following the cluster until
 * it is restarted; one that logs keeps syncing.
 *
 * It also initialises Deno's signal handling up front. Deno 2.9 sets that up
 * lazily (a self-pipe, two file descriptors) and panics when it cannot, so a
 * process whose descriptors are exhausted at that moment (a connection flood
 * on the healthz port right after start) dies with "Deno has panicked ...
 * ext/signals ... Too many open files". A no-op SIGWINCH listener (a signal
 * whose default action is to be ignored) makes the setup happen at
 * installation instead.
 *
 * Install it once, first thing in `main`, before any server starts:
 *
 * ```ts
 * import { installProcessGuards } from "./process_guards.ts";
 * import { Logger } from "../log/logger.ts";
 *
 * const guards = installProcessGuards(new Logger());
 * // ... servers, sources, syncs ...
 * guards.uninstall(); // Deno's default (print and exit) returns
 * ```
 *
 * @module
 */

import type { Logger } from "../log/logger.ts";

/** What the guard has caught so far. */
export interface ProcessGuardCounts {
  unhandledRejections: number;
  uncaughtErrors: number;
}

/** The running guard: its counts, and how to remove it. */
export interface ProcessGuards {
  /** Events caught since installation. */
  readonly counts: Readonly<ProcessGuardCounts>;
  /** Removes the listeners (Deno's default behaviour returns). Idempotent. */
  uninstall(): void;
}

function describe(reason: unknown): Record<string, unknown> {
  if (reason instanceof Error) {
    return { err: reason, errorName: reason.name, stack: reason.stack ?? "" };
  }
  return { reason: String(reason) };
}

/**
 * Logs unhandled rejections and uncaught errors through `logger` and keeps
 * the process alive (the events' default action, exiting, is prevented).
 * `onEvent` is called after each log line, e.g. to count it in a metric.
 */
export function installProcessGuards(
  logger: Logger,
  onEvent?: (kind: "unhandledrejection" | "error", reason: unknown) => void,
): ProcessGuards {
  if (!logger || typeof logger.error !== "function") {
    throw new TypeError("Cannot install process guards: 'logger' must be a Logger");
  }
  const counts: ProcessGuardCounts = { unhandledRejections: 0, uncaughtErrors: 0 };
  const notify = (kind: "unhandledrejection" | "error", reason: unknown) => {
    try {
      onEvent?.(kind, reason);
    } catch {
      // A failing callback must not turn the guard into a new uncaught error.
    }
  };
  const onRejection = (e: PromiseRejectionEvent) => {
    e.preventDefault();
    counts.unhandledRejections++;
    logger.error("Unhandled promise rejection; continuing", describe(e.reason));
    notify("unhandledrejection", e.reason);
  };
  const onError = (e: ErrorEvent) => {
    e.preventDefault();
    counts.uncaughtErrors++;
    logger.error("Uncaught error; continuing", describe(e.error ?? e.message));
    notify("error", e.error ?? e.message);
  };
  globalThis.addEventListener("unhandledrejection", onRejection);
  globalThis.addEventListener("error", onError);
  const noop = () => {};
  let signalsReady = false;
  try {
    Deno.addSignalListener("SIGWINCH", noop);
    signalsReady = true;
  } catch (err) {
    logger.warn("Cannot initialise signal handling early", { err });
  }
  let installed = true;
  return {
    counts,
    uninstall() {
      if (!installed) return;
      installed = false;
      globalThis.removeEventListener("unhandledrejection", onRejection);
      globalThis.removeEventListener("error", onError);
      if (signalsReady) Deno.removeSignalListener("SIGWINCH", noop);
    },
  };
}
