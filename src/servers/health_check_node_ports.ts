/**
 * The per-Service health check servers of Services with
 * `externalTrafficPolicy: Local`: one HTTP server per `healthCheckNodePort`,
 * which external load balancers probe to learn whether this node has local
 * endpoints.
 *
 * Any path answers with upstream's JSON body
 * `{"service":{"namespace","name"},"localEndpoints":N,"serviceProxyHealthy":B}`:
 * 200 when the node has local endpoints and the proxy is healthy, 503
 * otherwise.
 *
 * A port that cannot be bound is logged with the Service's name and tried
 * again on the next {@linkcode HealthCheckNodePorts.update}; it never throws.
 *
 * @module
 */

import { type Logger, silentLogger } from "../log/logger.ts";
import { type HttpServerHandle, jsonResponse, serveHttp } from "./_http_server.ts";

/** What one health check port reports. */
export interface HealthCheckService {
  namespace: string;
  name: string;
  /** Ready endpoints of the Service on this node. */
  localEndpoints: number;
}

/** Options of {@linkcode HealthCheckNodePorts}. */
export interface HealthCheckNodePortsOptions {
  /** Address the servers bind. @default "0.0.0.0" */
  hostname?: string;
  /** The proxy's own health (e.g. `ProxyHealth.isHealthy`). @default always healthy */
  proxyHealthy?: () => boolean;
  /** This node's name, for log lines. */
  nodeName?: string;
  /** @default silentLogger */
  logger?: Logger;
}

function checkEntry(port: number, svc: HealthCheckService): void {
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new RangeError(`Cannot serve health checks: port must be 1-65535, got ${port}`);
  }
  if (
    typeof svc?.namespace !== "string" || svc.namespace === "" || typeof svc.name !== "string" ||
    svc.name === ""
  ) {
    throw new RangeError(
      `Cannot serve health checks on port ${port}: namespace and name are required`,
    );
  }
  if (!Number.isInteger(svc.localEndpoints) || svc.localEndpoints < 0) {
    throw new RangeError(
      `Cannot serve health checks for ${svc.namespace}/${svc.name}: localEndpoints must be an integer >= 0, got ${svc.localEndpoints}`,
    );
  }
}

/** Opens and closes health check servers to match the wanted Services. */
export class HealthCheckNodePorts {
  readonly hostname: string;
  #proxyHealthy: () => boolean;
  #nodeName: string;
  #logger: Logger;
  #servers = new Map<number, HttpServerHandle>();
  #services = new Map<number, HealthCheckService>();
  #queue: Promise<void> = Promise.resolve();
  #stopped = false;

  constructor(options: HealthCheckNodePortsOptions = {}) {
    this.hostname = options.hostname ?? "0.0.0.0";
    this.#proxyHealthy = options.proxyHealthy ?? (() => true);
    this.#nodeName = options.nodeName ?? "";
    this.#logger = options.logger ?? silentLogger;
  }

  /** Ports with a listening server, ascending. */
  openPorts(): number[] {
    return [...this.#servers.keys()].sort((a, b) => a - b);
  }

  /**
   * Makes the open servers match `wanted` (port → Service): closes the ports
   * no longer wanted, opens new ones, and updates the endpoint counts the
   * others report. Calls are serialised. Invalid entries throw before
   * anything changes.
   *
   * @throws {RangeError} for an invalid port or Service entry.
   */
  update(wanted: Map<number, HealthCheckService>): Promise<void> {
    if (!(wanted instanceof Map)) {
      return Promise.reject(new TypeError("Cannot update health checks: 'wanted' must be a Map"));
    }
    try {
      for (const [port, svc] of wanted) checkEntry(port, svc);
    } catch (err) {
      return Promise.reject(err);
    }
    if (this.#stopped) {
      return Promise.reject(new Error("Cannot update health checks: stopped"));
    }
    const copy = new Map([...wanted].map(([p, s]) => [p, { ...s }]));
    const run = this.#queue.then(() => this.#apply(copy));
    this.#queue = run.catch(() => {});
    return run;
  }

  async #apply(wanted: Map<number, HealthCheckService>): Promise<void> {
    if (this.#stopped) return;
    for (const [port, server] of [...this.#servers]) {
      if (wanted.has(port)) continue;
      const old = this.#services.get(port);
      this.#logger.v(2).info("Closing healthcheck", {
        service: `${old?.namespace}/${old?.name}`,
        port,
      });
      this.#servers.delete(port);
      await server.stop();
    }
    this.#services = wanted;
    for (const [port, svc] of wanted) {
      if (this.#servers.has(port)) continue;
      const service = `${svc.namespace}/${svc.name}`;
      this.#logger.v(2).info("Opening healthcheck", { service, port });
      try {
        this.#servers.set(
          port,
          serveHttp("healthcheck", this.hostname, port, () => this.#answer(port)),
        );
      } catch (err) {
        this.#logger.error("Failed to start healthcheck, will retry on the next sync", {
          node: this.#nodeName,
          service,
          port,
          err,
        });
      }
    }
  }

  #answer(port: number): Response {
    const svc = this.#services.get(port);
    if (!svc) return new Response("health check closed\n", { status: 503 });
    const healthy = this.#proxyHealthy();
    const body = {
      service: { namespace: svc.namespace, name: svc.name },
      localEndpoints: svc.localEndpoints,
      serviceProxyHealthy: healthy,
    };
    const code = svc.localEndpoints > 0 && healthy ? 200 : 503;
    return jsonResponse(code, JSON.stringify(body, null, "\t"));
  }

  /** Closes every server; later updates are rejected. */
  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#queue;
    const servers = [...this.#servers.values()];
    this.#servers.clear();
    this.#services = new Map();
    await Promise.all(servers.map((s) => s.stop()));
  }
}
