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
import { Proxier, type SyncResult } from "../sync/proxier.ts";
import { SyncLoop } from "../sync/sync_loop.ts";
import { type NftBackend, type OpenedRunner, openNftRunner } from "../nft/open_runner.ts";
import { startDriftDetection } from "../sync/drift_detection.ts";
import { BASE_CHAINS } from "../plan/skeleton.ts";
import type { UdpServicePort } from "../sync/service_facts.ts";
import type { Logger } from "../log/logger.ts";
import { ProxyMetrics } from "../metrics/proxy_metrics.ts";
import { ProxyHealth } from "../servers/proxy_health.ts";
import { startHealthzServer } from "../servers/healthz_server.ts";
import { startMetricsServer } from "../servers/metrics_server.ts";
import { HealthCheckNodePorts } from "../servers/health_check_node_ports.ts";
import { ConntrackReconciler } from "../conntrack/reconciler.ts";
import { openConntrackTable } from "../conntrack/open_table.ts";
import type { UdpServicePortState } from "../conntrack/udp_state.ts";
import { TakeoverNftRunner } from "../takeover/takeover_runner.ts";
import { removeIptablesLeftovers } from "../takeover/iptables_cleanup.ts";
import type { IpFamily } from "../metrics/ip_family.ts";
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
  /**
   * Opens the nft runner for `config.nftBackend` (tests give an in-memory one).
   * @default openNftRunner
   */
  openRunner?: (backend: NftBackend) => OpenedRunner;
}

type StopReason = { code: number };

/** Runs until SIGTERM/SIGINT or a change of the config file; returns the exit code. */
export async function runProxy(
  config: ProxyConfig,
  log: Logger,
  options: RunProxyOptions = {},
): Promise<number> {
  const nodeName = config.nodeName;
  // A deployment that runs `--init-only` apart (with write access to /proc/sys) gives the daemon
  // no write permission at all: then the sysctls are that step's job, not a warning here.
  const mayWrite = Deno.permissions.querySync({ name: "write", path: "/proc/sys/net/netfilter" });
  if (mayWrite.state === "granted") await applyConntrackSysctls(config.conntrack, { logger: log });
  else log.v(2).info("No write access to /proc/sys; conntrack sysctls are left to --init-only");
  const settings = proxySettingsFrom(config);
  const metrics = new ProxyMetrics({ ipFamilies: ["IPv4", "IPv6"] });
  const health = new ProxyHealth({
    healthTimeoutMs: 2 * config.syncPeriodMs,
    ipFamilies: ["IPv4", "IPv6"],
  });
  const nft = (options.openRunner ?? openNftRunner)(config.nftBackend);
  if (nft.fallbackReason) {
    log.warn("libnftables is not available; using the nft binary (slower syncs)", {
      reason: nft.fallbackReason,
    });
  }
  // Drift restores through the loop, which exists only once the source has synced.
  let restore: (what: string) => void = () => {};
  const drift = startDriftDetection({
    runner: nft.runner,
    table: config.tableName,
    baseChains: BASE_CHAINS,
    pollPeriodMs: config.driftCheckPeriodMs,
    logger: log,
    onDrift: (what) => restore(what),
  });
  // Takeover from upstream kube-proxy (unless --remove-upstream-rules=false): its nftables tables
  // go in our first full transaction; its iptables chains right after that succeeded.
  let iptablesCleanup: Promise<unknown> | undefined;
  const runner = !config.removeUpstreamRules ? drift.runner : new TakeoverNftRunner({
    inner: drift.runner,
    logger: log,
    ownTable: config.tableName,
    onTakenOver: () => iptablesCleanup = removeIptablesLeftovers({ logger: log }),
  });
  const servers: RetryingServer<StoppableServer>[] = [];

  let stopWith!: (reason: StopReason) => void;
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
  let conntrack: ConntrackReconciler | undefined;
  try {
    const serve = async (
      name: string,
      serving: string,
      addr: ProxyConfig["healthzBindAddress"],
      start: (address: { hostname: string; port: number }) => StoppableServer,
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
      (address) => startHealthzServer({ ...address, health, nodeName, metrics, logger: log }),
    );
    await serve(
      "metrics server",
      "Serving metrics",
      config.metricsBindAddress,
      (address) => startMetricsServer({ ...address, registry: metrics.registry, logger: log }),
    );

    source = await startClusterSource(config, { logger: log, watch: true });
    log.info("Reading objects", { from: source.description });
    const first = await Promise.race([source.synced.then(() => undefined), stopped]);
    if (first) return first.code;
    const state = source.state;

    const startedProxier = proxier = new Proxier({ state, settings, runner, logger: log });
    const startedHealthChecks = healthChecks = new HealthCheckNodePorts({
      addresses: [],
      proxyHealthy: () => health.isHealthy(),
      nodeName,
      logger: log,
    });
    const startedReconciler = conntrack = config.conntrackCleanup
      ? new ConntrackReconciler({
        table: openConntrackTable({ logger: log }),
        logger: log,
        onResult: (result) => {
          for (const family of [4, 6] as const) {
            metrics.conntrackReconciled(familyName(family), {
              seconds: result.durationMs / 1000,
              deleted: result.deletedByFamily[family],
            });
          }
        },
      })
      : undefined;
    const startedLoop = loop = new SyncLoop({
      syncer: startedProxier,
      logger: log,
      minSyncPeriodMs: config.minSyncPeriodMs,
      syncPeriodMs: config.syncPeriodMs,
      fullSyncPeriodMs: config.fullSyncPeriodMs,
      onQueued: (now) => {
        health.queued(now);
        metrics.queued(now);
      },
      onSynced: (result) => {
        const now = Date.now();
        health.synced(now);
        health.syncNode((state.get("Node", nodeName) as Node | undefined) ?? null);
        metrics.synced(now);
        recordSync(metrics, result, now);
        for (const family of [4, 6] as const) {
          metrics.setServicePortsWithoutLocalEndpoints(
            familyName(family),
            startedProxier.noLocalEndpoints(family),
          );
        }
        const quarantined = [...startedProxier.skippedServices()].filter(([, why]) =>
          why === "quarantined"
        )
          .map(([k]) => k);
        health.setQuarantinedServices(quarantined);
        metrics.setQuarantinedServices(quarantined.length);
        metrics.setServicesOverLimit(
          [...startedProxier.skippedServices().values()].filter((why) => why === "too-large")
            .length,
        );
        metrics.setInvalidObjects(Object.fromEntries(startedProxier.invalidObjects()));
        const refused = startedProxier.refusedAddresses();
        metrics.setRefusedServiceAddresses({
          cluster_ip: refused["cluster-ip"],
          service_cidr: refused["service-cidr"],
          claimed: refused.conflict,
        });
        startedHealthChecks.setAddresses(startedProxier.nodePortAddresses());
        startedHealthChecks.update(startedProxier.healthCheckNodePorts()).catch((e) =>
          log.error("Health check servers", { error: e.message })
        );
        // After every sync that changed the ruleset (the first one too, which covers a restart).
        if (startedReconciler && (result.kind === "full" || result.kind === "partial")) {
          startedReconciler.request(startedProxier.udpServicePorts().map(toReconcilerState));
        }
      },
      onFailed: () => {
        health.syncFailed();
        metrics.syncFailed();
      },
    });
    restore = (what) => {
      log.warn("The proxy's table was changed behind its back; restoring it", { change: what });
      for (const tableFamily of ["ip", "ip6"] as const) {
        if (what.includes(`${tableFamily} ${config.tableName}`)) {
          metrics.driftRestored(familyOf(tableFamily));
        }
      }
      startedProxier.requestFull({ relist: true });
      startedLoop.request(0);
    };
    startedLoop.start();

    return (await stopped).code;
  } finally {
    watcher?.stop();
    for (const [sig, fn] of signals) Deno.removeSignalListener(sig, fn);
    loop?.stop();
    await loop?.whenIdle();
    await drift.stop();
    await conntrack?.close();
    await iptablesCleanup;
    await source?.stop();
    await healthChecks?.stop();
    await Promise.all(servers.map((s) => s.stop()));
    proxier?.tracker.close();
    nft.close();
  }
}

function familyName(family: 4 | 6): IpFamily {
  return family === 4 ? "IPv4" : "IPv6";
}

function familyOf(word: "ip" | "ip6"): IpFamily {
  return word === "ip" ? "IPv4" : "IPv6";
}

/** The sync metrics of one sync. */
function recordSync(metrics: ProxyMetrics, result: SyncResult, now: number): void {
  if (result.kind === "full" || result.kind === "partial") {
    metrics.observeSync(result.kind, result.durationMs / 1000);
    metrics.observeNftApply(result.kind, result.applyMs / 1000);
  } else if (result.kind === "garbage") metrics.observeNftApply("cleanup", result.applyMs / 1000);
  metrics.serviceChanged(result.pending.serviceChanges);
  metrics.endpointsChanged(result.pending.endpointChanges);
  for (const family of [4, 6] as const) {
    const times = result.pending.triggerTimes.filter((t) => t.family === family).map((t) => t.at);
    if (times.length > 0) metrics.networkProgrammed(times, now, familyName(family));
  }
}

function toReconcilerState(port: UdpServicePort): UdpServicePortState {
  return { ...port, servingEndpoints: new Set(port.servingEndpoints) };
}
