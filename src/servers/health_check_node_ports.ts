/**
 * The per-Service health check servers of Services with
 * `externalTrafficPolicy: Local`: one HTTP server per `healthCheckNodePort`
 * and node address, which external load balancers probe to learn whether
 * this node has local endpoints.
 *
 * Any path answers as upstream does: 200 when the node has ready local
 * endpoints and the proxy is healthy, 503 otherwise, with the header
 * `X-Load-Balancing-Endpoint-Weight: N` (weighted load balancers use it) and
 * the body
 * `{"service":{"namespace","name"},"localEndpoints":N,"serviceProxyHealthy":B}`,
 * where N counts the unique IP addresses of the Service's ready endpoints on
 * this node (a pod serving two ports counts once).
 *
 * The servers listen on the node's NodePort addresses of each family
 * (upstream: the `nodePortAddresses` selection), given at start and changed
 * at runtime with {@linkcode HealthCheckNodePorts.setAddresses}; a wildcard
 * address (`0.0.0.0` or `::`) listens on every address of both families. A
 * port and address that cannot be bound is logged with the Service's name
 * and tried again on the next update; nothing throws for it. All servers
 * share one connection budget.
 *
 * @module
 */

import { type Logger, silentLogger } from "../log/logger.ts";
import { type HttpServerHandle, jsonResponse, serveHttp } from "./_http_server.ts";
import { textResponse } from "./_http_response.ts";
import { ConnectionBudget, type HttpLimits } from "./http_limits.ts";
import { tryParseIp } from "../model/ip.ts";
import { isWildcardHost } from "./listen_tcp.ts";
import {
  checkHealthCheckEntry,
  type HealthCheckService,
  type NormalizedHealthCheckService,
  normalizeHealthCheckService,
} from "./health_check_service.ts";

export { countUniqueIPs, type HealthCheckService } from "./health_check_service.ts";

/** Options of {@linkcode HealthCheckNodePorts}. */
export interface HealthCheckNodePortsOptions {
  /**
   * Node addresses the servers listen on (IP literals of either family);
   * `0.0.0.0` or `::` means every address of both families.
   * @default ["0.0.0.0"]
   */
  addresses?: string[];
  /** The proxy's own health (e.g. `ProxyHealth.isHealthy`). @default always healthy */
  proxyHealthy?: () => boolean;
  /** This node's name, for log lines. */
  nodeName?: string;
  /**
   * Timeouts of each server; `maxConnections` caps all servers together.
   * @default DEFAULT_HTTP_LIMITS, with maxConnections 256
   */
  limits?: HttpLimits;
  /** @default silentLogger */
  logger?: Logger;
}

/** Open servers of one port, by address. */
type PortServers = Map<string, HttpServerHandle>;

function checkAddresses(addresses: unknown): string[] {
  if (!Array.isArray(addresses)) {
    throw new TypeError("Cannot serve health checks: 'addresses' must be a list of IP addresses");
  }
  // Canonical text: one server per address however it was spelled (`FD00::1`, `fd00::1`).
  const canonical = addresses.map((a) => {
    const ip = typeof a === "string" ? tryParseIp(a) : undefined;
    if (!ip) {
      throw new RangeError(
        `Cannot serve health checks: address ${JSON.stringify(a)} is not an IP address`,
      );
    }
    return ip.text;
  });
  // One wildcard covers every other address (binding both would conflict).
  if (canonical.some(isWildcardHost)) return ["0.0.0.0"];
  return [...new Set(canonical)].sort();
}

/** Opens and closes health check servers to match the wanted Services and node addresses. */
export class HealthCheckNodePorts {
  #proxyHealthy: () => boolean;
  #nodeName: string;
  #logger: Logger;
  #limits: HttpLimits;
  #budget: ConnectionBudget;
  #addresses: string[];
  #servers = new Map<number, PortServers>();
  #services = new Map<number, NormalizedHealthCheckService>();
  #queue: Promise<void> = Promise.resolve();
  #stopped = false;

  constructor(options: HealthCheckNodePortsOptions = {}) {
    this.#addresses = checkAddresses(options.addresses ?? ["0.0.0.0"]);
    this.#proxyHealthy = options.proxyHealthy ?? (() => true);
    this.#nodeName = options.nodeName ?? "";
    this.#logger = options.logger ?? silentLogger;
    this.#limits = options.limits ?? {};
    this.#budget = new ConnectionBudget(options.limits?.maxConnections ?? 256);
  }

  /** The addresses servers listen on now (a wildcard is `0.0.0.0`). */
  get addresses(): readonly string[] {
    return [...this.#addresses];
  }

  /** Ports with at least one listening server, ascending. */
  openPorts(): number[] {
    return [...this.#servers].filter(([, s]) => s.size > 0).map(([p]) => p).sort((a, b) => a - b);
  }

  /** `address:port` of every listening server, e.g. `10.0.0.5:32000`, `[fd00::5]:32000`, sorted. */
  listening(): string[] {
    return [...this.#servers.values()].flatMap((s) => [...s.values()].map((h) => h.address))
      .sort();
  }

  /**
   * Makes the open servers match `wanted` (port → Service): closes the ports
   * no longer wanted, opens new ones, and updates what the others report.
   * Also retries ports and addresses that failed to bind before. Calls are
   * serialised. Invalid entries reject before anything changes.
   *
   * @throws {RangeError} for an invalid port or Service entry.
   */
  update(wanted: Map<number, HealthCheckService>): Promise<void> {
    if (!(wanted instanceof Map)) {
      return Promise.reject(new TypeError("Cannot update health checks: 'wanted' must be a Map"));
    }
    let copy: Map<number, NormalizedHealthCheckService>;
    try {
      for (const [port, svc] of wanted) checkHealthCheckEntry(port, svc);
      copy = new Map([...wanted].map(([p, s]) => [p, normalizeHealthCheckService(s)]));
    } catch (err) {
      return Promise.reject(err);
    }
    return this.#enqueue(() => {
      this.#services = copy;
    });
  }

  /**
   * Changes the node addresses the servers listen on (e.g. after the Node's
   * addresses changed): closes servers on addresses no longer listed and
   * opens every wanted port on the new ones. Serialised with
   * {@linkcode update}.
   *
   * @throws {RangeError} when an entry is not an IP address.
   */
  setAddresses(addresses: string[]): Promise<void> {
    let next: string[];
    try {
      next = checkAddresses(addresses);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.#enqueue(() => {
      this.#addresses = next;
    });
  }

  #enqueue(change: () => void): Promise<void> {
    if (this.#stopped) {
      return Promise.reject(new Error("Cannot update health checks: stopped"));
    }
    const run = this.#queue.then(() => {
      if (this.#stopped) return;
      change();
      return this.#reconcile();
    });
    this.#queue = run.catch(() => {});
    return run;
  }

  /** Closes what is not wanted, then opens what is missing. */
  async #reconcile(): Promise<void> {
    const closing: Promise<void>[] = [];
    for (const [port, servers] of this.#servers) {
      const keepPort = this.#services.has(port);
      for (const [address, server] of servers) {
        if (keepPort && this.#addresses.includes(address)) continue;
        servers.delete(address);
        closing.push(server.stop());
      }
      if (!keepPort) {
        this.#logger.v(2).info("Closing healthcheck", { port });
        this.#servers.delete(port);
      }
    }
    await Promise.all(closing);
    for (const [port, svc] of this.#services) {
      let servers = this.#servers.get(port);
      if (!servers) this.#servers.set(port, servers = new Map());
      for (const address of this.#addresses) {
        if (servers.has(address)) continue;
        const service = `${svc.namespace}/${svc.name}`;
        this.#logger.v(2).info("Opening healthcheck", { service, port, address });
        try {
          servers.set(address, this.#open(address, port));
        } catch (err) {
          this.#logger.error("Failed to start healthcheck, will retry on the next sync", {
            node: this.#nodeName,
            service,
            port,
            address,
            err,
          });
        }
      }
    }
  }

  #open(address: string, port: number): HttpServerHandle {
    return serveHttp({
      what: "healthcheck",
      hostname: address,
      port,
      limits: this.#limits,
      budget: this.#budget,
      logger: this.#logger,
      handler: () => this.#answer(port),
    });
  }

  #answer(port: number): Response {
    const svc = this.#services.get(port);
    if (!svc) return textResponse(503, "health check closed");
    const healthy = this.#proxyHealthy();
    const n = svc.localEndpoints;
    // Upstream's body is an indented JSON document; the same text keeps byte-level comparisons happy.
    const body = JSON.stringify(
      {
        service: { namespace: svc.namespace, name: svc.name },
        localEndpoints: n,
        serviceProxyHealthy: healthy,
      },
      null,
      "\t",
    );
    return jsonResponse(n > 0 && healthy ? 200 : 503, body, {
      "x-load-balancing-endpoint-weight": String(n),
    });
  }

  /** Closes every server; later updates are rejected. */
  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#queue;
    const servers = [...this.#servers.values()].flatMap((s) => [...s.values()]);
    this.#servers.clear();
    this.#services = new Map();
    await Promise.all(servers.map((s) => s.stop()));
  }
}
