/**
 * Starts an HTTP server (healthz, metrics), and when its address cannot be
 * bound, logs it and tries again every few seconds, as upstream kube-proxy
 * does unless `bindAddressHardFail` is set (then the failure is fatal).
 *
 * @module
 */

import type { Logger } from "../log/logger.ts";

/** What the server start returns: something that can be stopped. */
export interface StoppableServer {
  stop(): Promise<void>;
}

/** Options of {@linkcode startServerWithRetry}. */
export interface ServerRetryOptions<S extends StoppableServer> {
  /** Named in the log, e.g. "health check server". */
  name: string;
  /** Where it listens, for the log. */
  address: string;
  /** Starts the server; throws when the address cannot be bound. */
  start: () => S | Promise<S>;
  /** Rethrow the first failure instead of retrying. */
  hardFail: boolean;
  logger: Logger;
  /** Pause between attempts. @default 5000 (upstream's) */
  retryMs?: number;
}

/** A server that is running, or being retried. */
export interface RetryingServer<S extends StoppableServer> {
  /** The running server, once an attempt has succeeded. */
  readonly server: S | undefined;
  /** Number of failed attempts so far. */
  readonly failures: number;
  /** Stops retrying, and the server if it runs. */
  stop(): Promise<void>;
}

/**
 * Starts the server. The first attempt is made before this resolves.
 *
 * @throws the start error when `hardFail` is set and the first attempt fails, or when the
 * process lacks the permission to listen there (Deno's `--allow-net`).
 */
export async function startServerWithRetry<S extends StoppableServer>(
  options: ServerRetryOptions<S>,
): Promise<RetryingServer<S>> {
  const retryMs = options.retryMs ?? 5000;
  let server: S | undefined;
  let failures = 0;
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const attempt = async (): Promise<void> => {
    timer = undefined;
    if (stopped) return;
    try {
      server = await options.start();
      if (stopped) await server.stop();
      else if (failures > 0) {
        options.logger.info(`Started the ${options.name} after ${failures} failed attempts`, {
          address: options.address,
        });
      }
    } catch (e) {
      failures++;
      // A missing permission is a deployment error, not a busy port: waiting will not fix it.
      if (options.hardFail || isPermissionError(e)) throw e;
      options.logger.error(`Cannot start the ${options.name}; retrying`, {
        address: options.address,
        error: (e as Error).message,
        retryIn: `${retryMs / 1000}s`,
      });
      timer = setTimeout(() => void attempt(), retryMs);
    }
  };
  await attempt();
  return {
    get server() {
      return server;
    },
    get failures() {
      return failures;
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await server?.stop();
    },
  };
}

/** Whether `e` (or its cause) is Deno's refusal of a permission. */
function isPermissionError(e: unknown): boolean {
  for (let x = e; x instanceof Error; x = x.cause) {
    if (x instanceof Deno.errors.NotCapable || x instanceof Deno.errors.PermissionDenied) {
      return x instanceof Deno.errors.NotCapable || /--allow-/.test(x.message);
    }
  }
  return false;
}
