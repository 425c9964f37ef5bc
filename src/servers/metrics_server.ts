/**
 * The `/metrics` HTTP server (upstream's metricsBindAddress, default
 * `127.0.0.1:10249`). It also answers `/proxyMode` with the proxy mode, like
 * upstream. Other paths get 404, other methods than GET and HEAD 405.
 *
 * @module
 */

import { type Logger, silentLogger } from "../log/logger.ts";
import { PROMETHEUS_TEXT_CONTENT_TYPE, type Registry } from "../metrics/registry.ts";
import { type HttpServerHandle, serveHttp } from "./_http_server.ts";
import { textResponse } from "./_http_response.ts";
import type { HttpLimits } from "./http_limits.ts";

/** Options of {@linkcode startMetricsServer}. */
export interface MetricsServerOptions {
  /** Address to bind, e.g. "127.0.0.1". */
  hostname: string;
  /** Port to bind; 0 picks a free one. */
  port: number;
  /** The registry rendered on `/metrics`. */
  registry: Registry;
  /** Text served on `/proxyMode`. @default "nftables" */
  proxyMode?: string;
  /** Timeouts and caps of the server. @default DEFAULT_HTTP_LIMITS */
  limits?: HttpLimits;
  /** @default silentLogger */
  logger?: Logger;
}

/**
 * Starts the metrics server and returns once it is listening.
 *
 * @throws {ServerStartError} when the address cannot be bound.
 */
export function startMetricsServer(options: MetricsServerOptions): HttpServerHandle {
  const { registry } = options;
  if (!registry || typeof registry.metrics !== "function") {
    throw new TypeError("Cannot start metrics server: 'registry' must be a metrics Registry");
  }
  const logger = options.logger ?? silentLogger;
  const mode = options.proxyMode ?? "nftables";
  const handle = serveHttp({
    what: "metrics server",
    hostname: options.hostname,
    port: options.port,
    limits: options.limits,
    logger,
    handler: async (req) => {
      const path = new URL(req.url).pathname;
      if (path === "/proxyMode") {
        return new Response(mode, { headers: { "content-type": "text/plain; charset=utf-8" } });
      }
      if (path !== "/metrics") return textResponse(404, "404 page not found");
      try {
        const text = await registry.metrics();
        return new Response(text, { headers: { "content-type": PROMETHEUS_TEXT_CONTENT_TYPE } });
      } catch (err) {
        logger.error("Failed to render metrics", { err });
        return textResponse(500, `error rendering metrics: ${(err as Error).message}`);
      }
    },
  });
  logger.v(3).info("Starting metrics HTTP server", { address: handle.address });
  return handle;
}
