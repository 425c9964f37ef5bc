/**
 * The `/healthz` and `/livez` HTTP server (upstream's healthzBindAddress,
 * default `0.0.0.0:10256`).
 *
 * Both answer 200 when healthy and 503 otherwise, with a JSON body like
 * upstream's: `{"lastUpdated": …, "currentTime": …}` (RFC 3339 times), plus
 * `"nodeEligible"` on `/healthz`. As upstream does for compatibility,
 * `lastUpdated` equals `currentTime` while healthy; when unhealthy it is the
 * last successful sync, or null if there was none. Other paths get 404.
 *
 * @module
 */

import { type Logger, silentLogger } from "../log/logger.ts";
import { type HttpServerHandle, jsonResponse, serveHttp } from "./_http_server.ts";
import type { ProxyHealth } from "./proxy_health.ts";

/** Options of {@linkcode startHealthzServer}. */
export interface HealthzServerOptions {
  /** Address to bind, e.g. "0.0.0.0" or "::". */
  hostname: string;
  /** Port to bind; 0 picks a free one. */
  port: number;
  /** The health the answers report. */
  health: ProxyHealth;
  /** This node's name, for log lines. */
  nodeName?: string;
  /** Counts answers per status code, e.g. a `ProxyMetrics`. */
  metrics?: {
    healthzResponded(code: number): void;
    livezResponded(code: number): void;
  };
  /** @default silentLogger */
  logger?: Logger;
}

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

/**
 * Starts the healthz server and returns once it is listening.
 *
 * @throws {ServerStartError} when the address cannot be bound.
 */
export function startHealthzServer(options: HealthzServerOptions): HttpServerHandle {
  const { health, metrics } = options;
  if (!health || typeof health.status !== "function") {
    throw new TypeError("Cannot start healthz server: 'health' must be a ProxyHealth");
  }
  const logger = options.logger ?? silentLogger;
  const handle = serveHttp("healthz server", options.hostname, options.port, (req) => {
    const path = new URL(req.url).pathname;
    if (path !== "/healthz" && path !== "/livez") {
      return new Response("404 page not found\n", { status: 404 });
    }
    const s = health.status();
    const ok = path === "/healthz" ? s.healthy && s.nodeEligible : s.healthy;
    const code = ok ? 200 : 503;
    const body: Record<string, unknown> = {
      lastUpdated: iso(ok ? s.currentTime : s.lastUpdated),
      currentTime: iso(s.currentTime),
    };
    if (path === "/healthz") {
      body.nodeEligible = s.nodeEligible;
      metrics?.healthzResponded(code);
    } else {
      metrics?.livezResponded(code);
    }
    return jsonResponse(code, JSON.stringify(body));
  });
  logger.v(3).info("Starting healthz HTTP server", {
    address: handle.address,
    node: options.nodeName ?? "",
  });
  return handle;
}
