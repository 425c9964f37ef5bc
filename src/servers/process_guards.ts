/**
 * A process-wide guard for the long-running proxy: an unhandled promise
 * rejection or an uncaught error (thrown in a timer or event callback) is
 * logged and the process goes on, instead of Deno's default of printing it
 * and exiting. The proxy's rules stay programmed either way, but a node
 * service proxy that exits on a stray bug stops following the cluster until
 * it is restarted; one that logs keeps syncing.
 *
 * Install it once, early in `main`:
 *
 * ```ts
 * const uninstall = installProcessGuards(logger);
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
  let installed = true;
  return {
    counts,
    uninstall() {
      if (!installed) return;
      installed = false;
      globalThis.removeEventListener("unhandledrejection", onRejection);
      globalThis.removeEventListener("error", onError);
    },
  };
}
