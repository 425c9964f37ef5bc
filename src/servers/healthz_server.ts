/**
 * The `/healthz` and `/livez` HTTP server (upstream's healthzBindAddress,
 * default `0.0.0.0:10256`, which listens on both families as Go does).
 *
 * Both answer 200 when healthy and 503 otherwise, with upstream's JSON body:
 *
 * ```json
 * {"lastUpdated":"2024-05-01T10:00:05Z","currentTime":"2024-05-01T10:00:05Z",
 *  "nodeEligible":true,"healthy":true,
 *  "status":{"IPv4":{"lastUpdated":"2024-05-01T10:00:01Z","healthy":true}, "IPv6":{...}},
 *  "quarantinedServices":[]}
 * ```
 *
 * `nodeEligible` and `quarantinedServices` (ours: Services left out of the
 * ruleset because the kernel rejected their rules) are on `/healthz` only;
 * `status` is left out before the first sync, as upstream omits an empty map.
 * As upstream does for compatibility, the top-level `lastUpdated` equals
 * `currentTime` while the answer is 200; otherwise it is the last successful
 * sync, or Go's zero time `0001-01-01T00:00:00Z` if there was none. `healthy`
 * is the proxy's own health; the status code of `/healthz` also needs
 * `nodeEligible`. Times are RFC 3339 in UTC with the fraction trimmed, as Go
 * prints them. Other paths get 404, other methods 405.
 *
 * @module
 */

import { type Logger, silentLogger } from "../log/logger.ts";
import { type HttpServerHandle, jsonResponse, serveHttp } from "./_http_server.ts";
import { textResponse } from "./_http_response.ts";
import type { HttpLimits } from "./http_limits.ts";
import type { ProxyHealth, ProxyHealthStatus } from "./proxy_health.ts";

/** Options of {@linkcode startHealthzServer}. */
export interface HealthzServerOptions {
  /** Address to bind, e.g. "0.0.0.0" (every address of both families) or "127.0.0.1". */
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
  /** Timeouts and caps of the server. @default DEFAULT_HTTP_LIMITS */
  limits?: HttpLimits;
  /** @default silentLogger */
  logger?: Logger;
}

/** Go's zero `time.Time` in JSON: what upstream prints before the first sync. */
export const GO_ZERO_TIME = "0001-01-01T00:00:00Z";

/**
 * Formats epoch milliseconds as Go's `time.Time` JSON does (RFC 3339, the
 * fraction without trailing zeros): `2024-05-01T10:00:05.12Z`,
 * `2024-05-01T10:00:05Z`; null gives {@linkcode GO_ZERO_TIME}.
 */
export function formatGoTime(ms: number | null): string {
  if (ms === null) return GO_ZERO_TIME;
  return new Date(ms).toISOString().replace(/\.?0+Z$/, "Z");
}

/** The JSON body of `/healthz` (`withNode`) or `/livez`, in upstream's field order. */
export function healthBody(status: ProxyHealthStatus, withNode: boolean, ok: boolean): string {
  const body: Record<string, unknown> = {
    lastUpdated: formatGoTime(ok ? status.currentTime : status.lastUpdated),
    currentTime: formatGoTime(status.currentTime),
  };
  if (withNode) body.nodeEligible = status.nodeEligible;
  body.healthy = status.healthy;
  const families = Object.entries(status.families);
  if (families.length > 0) {
    body.status = Object.fromEntries(
      families.map((
        [f, h],
      ) => [f, { lastUpdated: formatGoTime(h.lastUpdated), healthy: h.healthy }]),
    );
  }
  if (withNode) body.quarantinedServices = status.quarantinedServices;
  return JSON.stringify(body);
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
  const handle = serveHttp({
    what: "healthz server",
    hostname: options.hostname,
    port: options.port,
    limits: options.limits,
    logger,
    handler: (req) => {
      const path = new URL(req.url).pathname;
      if (path !== "/healthz" && path !== "/livez") return textResponse(404, "404 page not found");
      const s = health.status();
      const isHealthz = path === "/healthz";
      const ok = isHealthz ? s.healthy && s.nodeEligible : s.healthy;
      const code = ok ? 200 : 503;
      if (isHealthz) metrics?.healthzResponded(code);
      else metrics?.livezResponded(code);
      return jsonResponse(code, healthBody(s, isHealthz, ok));
    },
  });
  logger.v(3).info("Starting healthz HTTP server", {
    address: handle.address,
    node: options.nodeName ?? "",
  });
  return handle;
}
