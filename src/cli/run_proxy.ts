/**
 * The long-running proxy: conntrack sysctls at start; the health and metrics
 * servers (retried when they cannot bind, unless `bindAddressHardFail`); a
 * source that fills the cluster state; the proxier and its sync loop. It
 * stops on SIGTERM or SIGINT (exit 0, rules left in place, as upstream), and
 * when the `--config` file changes (exit 1 so that the supervisor restarts it
 * with the new file, as upstream; exit 2 when the new file is invalid).
 *
 * @module
 */

import type { ProxyConfig } from "../config/proxy_config.ts";
import { formatHostPort } from "../config/host_port.ts";
import { proxySettingsFrom } from "../config/proxy_settings_from.ts";
import { applyConntrackSysctls } from "../host/conntrack_sysctls.ts";
import { Proxier } from "../sync/proxier.ts";
import { SyncLoop } from "../sync/sync_loop.ts";
import { ExecNftRunner } from "../nft/nft_runner.ts";
import type { Logger } from "../log/logger.ts";
import { ProxyMetrics } from "../metrics/proxy_metrics.ts";
import { ProxyHealth } from "../servers/proxy_health.ts";
import { startHealthzServer } from "../servers/healthz_server.ts";
import { startMetricsServer } from "../servers/metrics_server.ts";
import { HealthCheckNodePorts } from "../servers/health_check_node_ports.ts";
import { DriftChecker } from "../nft/drift_checker.ts";
import { ConntrackCleaner } from "../nft/conntrack_cleaner.ts";
import type { Node } from "../model/kube_types.ts";
import { startClusterSource } from "./cluster_source.ts";
import { type RetryingServer, startServerWithRetry, type StoppableServer } from "./server_retry.ts";
import { watchConfigFile } from "./config_watcher.ts";

/** Exit code after a change of the `--config` file (upstream exits with an error too). */
export const EXIT_CONFIG_CHANGED = 1;
/** Exit code after a change of the `--config` file to an invalid one. */
export const EXIT_CONFIG_INVALID = 2;

/** Options of {@linkcode runProxy}. */
export interface RunProxyOptions {
  /** The text of the `--config` file at start, to detect changes. @default no watch */
  configText?: string;
  /** Checks a new `--config` text; throws when invalid. @default accepts anything */
  checkConfig?: (text: string) => Promise<void>;
  /** Pause between attempts to bind a server. @default 5000 */
  serverRetryMs?: number;
}

type StopReason = { code: number };

/** Runs until SIGTERM/SIGINT or a change of the config file; returns the exit code. */
export async function runProxy(
  config: ProxyConfig,
  log: Logger,
  options: RunProxyOptions = {},
): Promise<number> {
  const nodeName = config.nodeName;
  await applyConntrackSysctls(config.conntrack, { logger: log });
  const settings = proxySettingsFrom(config);
  const runner = new ExecNftRunner();
  const metrics = new ProxyMetrics({ ipFamilies: ["IPv4", "IPv6"] });
  const health = new ProxyHealth({ healthTimeoutMs: 2 * config.syncPeriodMs });
  const servers: RetryingServer<StoppableServer>[] = [];

  let stopWith!: (r: StopReason) => void;
  const stopped = new Promise<StopReason>((resolve) => (stopWith = resolve));
  const onSignal = (sig: Deno.Signal) => () => {
    log.info("Stopping; the rules stay in place", { signal: sig });
    stopWith({ code: 0 });
  };
  const signals: [Deno.Signal, () => void][] = [
    ["SIGTERM", onSignal("SIGTERM")],
    ["SIGINT", onSignal("SIGINT")],
  ];
  for (const [sig, fn] of signals) Deno.addSignalListener(sig, fn);
  const watcher = config.configFile && options.configText !== undefined
    ? watchConfigFile({
      file: config.configFile,
      text: options.configText,
      check: options.checkConfig ?? (() => Promise.resolve()),
      logger: log,
      onChange(change) {
        if (change.valid) {
          log.info("The configuration file changed; exiting so that the proxy restarts with it", {
            file: config.configFile,
          });
          stopWith({ code: EXIT_CONFIG_CHANGED });
        } else {
          log.error("The configuration file changed and is invalid; exiting", {
            file: config.configFile,
            error: change.error.message,
          });
          stopWith({ code: EXIT_CONFIG_INVALID });
        }
      },
    })
    : undefined;

  let source: Awaited<ReturnType<typeof startClusterSource>> | undefined;
  let loop: SyncLoop | undefined;
  let proxier: Proxier | undefined;
  let healthChecks: HealthCheckNodePorts | undefined;
  let driftTimer: ReturnType<typeof setInterval> | undefined;
  try {
    const serve = async (
      name: string,
      serving: string,
      addr: ProxyConfig["healthzBindAddress"],
      start: (a: { hostname: string; port: number }) => StoppableServer,
    ) => {
      if (!addr) return;
      const address = formatHostPort(addr);
      servers.push(
        await startServerWithRetry({
          name,
          address,
          start: () => start(addr),
          hardFail: config.bindAddressHardFail,
          logger: log,
          retryMs: options.serverRetryMs,
        }),
      );
      log.info(serving, { address });
    };
    await serve(
      "health check server",
      "Serving health checks",
      config.healthzBindAddress,
      (a) => startHealthzServer({ ...a, health, nodeName, metrics, logger: log }),
    );
    await serve(
      "metrics server",
      "Serving metrics",
      config.metricsBindAddress,
      (a) => startMetricsServer({ ...a, registry: metrics.registry, logger: log }),
    );

    source = await startClusterSource(config, { logger: log, watch: true });
    log.info("Reading objects", { from: source.description });
    const first = await Promise.race([source.synced.then(() => undefined), stopped]);
    if (first) return first.code;
    const state = source.state;

    const p = proxier = new Proxier({ state, settings, runner, logger: log });
    const hc = healthChecks = new HealthCheckNodePorts({
      proxyHealthy: () => health.isHealthy(),
      nodeName,
      logger: log,
    });
    const conntrack = config.conntrackCleanup ? new ConntrackCleaner({ logger: log }) : undefined;
    const l = loop = new SyncLoop({
      proxier: p,
      logger: log,
      minSyncPeriodMs: config.minSyncPeriodMs,
      syncPeriodMs: config.syncPeriodMs,
      fullSyncPeriodMs: config.fullSyncPeriodMs,
      onQueued: (now) => {
        health.queued(now);
        metrics.queued(now);
      },
      onSynced: (r) => {
        const now = Date.now();
        health.synced(now);
        health.syncNode((state.get("Node", nodeName) as Node | undefined) ?? null);
        metrics.synced(now);
        if (r.kind !== "none") metrics.observeSync(r.kind, r.durationMs / 1000);
        metrics.serviceChanged(r.pending.serviceChanges);
        metrics.endpointsChanged(r.pending.endpointChanges);
        if (r.pending.oldestChangeAt !== undefined) {
          metrics.networkProgrammed(r.pending.triggerTimes, now);
        }
        metrics.setNoLocalEndpoints(p.noLocalEndpoints());
        hc.update(p.healthCheckTargets()).catch((e) =>
          log.error("Health check servers", { error: e.message })
        );
        if (conntrack && r.staleUdpEndpoints.length > 0) {
          conntrack.clear(r.staleUdpEndpoints).then((n) => metrics.conntrackEntriesDeleted(n));
        }
      },
      onFailed: () => {
        health.syncFailed();
        metrics.syncFailed();
      },
    });
    l.start();

    if (config.driftCheckPeriodMs > 0) {
      const drift = new DriftChecker({ runner, table: config.tableName });
      driftTimer = setInterval(async () => {
        const missing = await drift.check().catch(() => undefined);
        if (missing && missing.length > 0) {
          log.warn("The proxy's table was changed behind its back; restoring it", {
            missing: missing.join(", "),
          });
          metrics.driftRestored();
          p.requestFull();
          l.request(0);
        }
      }, config.driftCheckPeriodMs);
    }
    return (await stopped).code;
  } finally {
    watcher?.stop();
    for (const [sig, fn] of signals) Deno.removeSignalListener(sig, fn);
    clearInterval(driftTimer);
    loop?.stop();
    await loop?.whenIdle();
    await source?.stop();
    await healthChecks?.stop();
    await Promise.all(servers.map((s) => s.stop()));
    proxier?.tracker.close();
  }
}
