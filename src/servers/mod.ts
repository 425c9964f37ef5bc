/**
 * The proxy's HTTP servers, as upstream's: `/healthz` and `/livez`
 * ({@linkcode startHealthzServer} over {@linkcode ProxyHealth}),
 * `/metrics` ({@linkcode startMetricsServer}), and one health check server
 * per `healthCheckNodePort` ({@linkcode HealthCheckNodePorts}). All are
 * bounded (connections, header size and time) so that a flood of clients
 * cannot starve the proxy; {@linkcode installProcessGuards} keeps a stray
 * rejection from killing it.
 *
 * @module
 */

export { type HttpServerHandle, ServerStartError } from "./_http_server.ts";
export {
  countUniqueIPs,
  HealthCheckNodePorts,
  type HealthCheckNodePortsOptions,
  type HealthCheckService,
} from "./health_check_node_ports.ts";
export {
  formatGoTime,
  GO_ZERO_TIME,
  healthBody,
  type HealthzServerOptions,
  startHealthzServer,
} from "./healthz_server.ts";
export {
  ConnectionBudget,
  DEFAULT_HTTP_LIMITS,
  type HttpLimits,
  type ResolvedHttpLimits,
  resolveHttpLimits,
} from "./http_limits.ts";
export { isWildcardHost, type ListenFn, listenTcp } from "./listen_tcp.ts";
export { type MetricsServerOptions, startMetricsServer } from "./metrics_server.ts";
export {
  installProcessGuards,
  type ProcessGuardCounts,
  type ProcessGuards,
} from "./process_guards.ts";
export {
  type FamilyHealth,
  type NodeWithTaints,
  ProxyHealth,
  type ProxyHealthOptions,
  type ProxyHealthStatus,
  TO_BE_DELETED_TAINT,
} from "./proxy_health.ts";
