/**
 * The long-running proxy: a source fills the cluster state, the proxier and
 * its sync loop program nft, and the servers report health and metrics.
 * SIGTERM and SIGINT stop it and leave the rules in place, as upstream.
 *
 * @module
 */

import type { ProxyOptions } from "../config/options.ts";
import { settingsFrom } from "../config/resolve_options.ts";
import { ClusterState } from "../source/cluster_state.ts";
import { startManifestSource } from "../source/manifests/manifest_source.ts";
import { Proxier } from "../sync/proxier.ts";
import { SyncLoop } from "../sync/sync_loop.ts";
import { openNftRunner } from "../nft/open_runner.ts";
import type { Logger } from "../log/logger.ts";
import { ProxyMetrics } from "../metrics/proxy_metrics.ts";
import { ProxyHealth } from "../servers/proxy_health.ts";
import { startHealthzServer } from "../servers/healthz_server.ts";
import { startMetricsServer } from "../servers/metrics_server.ts";
import { HealthCheckNodePorts } from "../servers/health_check_node_ports.ts";
import { parseBindAddress } from "../servers/bind_address.ts";
import type { HttpServerHandle } from "../servers/_http_server.ts";
import { startDriftDetection } from "../sync/drift_detection.ts";
import { BASE_CHAINS } from "../plan/skeleton.ts";
import { ConntrackReconciler } from "../conntrack/reconciler.ts";
import { openConntrackTable } from "../conntrack/open_table.ts";
import type { UdpServicePortState } from "../conntrack/udp_state.ts";
import { TakeoverNftRunner } from "../takeover/takeover_runner.ts";
import { removeIptablesLeftovers } from "../takeover/iptables_cleanup.ts";
import type { UdpServicePort } from "../sync/service_facts.ts";
import type { Node } from "../model/kube_types.ts";
import { type IpAddr, tryParseIp } from "../model/ip.ts";

/** Runs until SIGTERM/SIGINT; returns the exit code. */
export async function runProxy(o: ProxyOptions, nodeName: string, log: Logger): Promise<number> {
  const state = new ClusterState();
  const settings = settingsFrom(o, nodeName);
  if (settings.nodePortAddresses !== "primary") {
    // CIDR --nodeport-addresses select this host's interface addresses, as upstream (read once at start).
    settings.localAddresses = Deno.networkInterfaces().map((i) => tryParseIp(i.address))
      .filter((ip): ip is IpAddr => ip !== undefined);
  }
  const nft = openNftRunner(o.nftBackend);
  if (nft.fallbackReason) {
    log.warn("libnftables is not available; using the nft binary (slower syncs)", {
      reason: nft.fallbackReason,
    });
  }
  // Set once the loop exists: drift detection restores the tables through it.
  let restore: (what: string) => void = () => {};
  const drift = startDriftDetection({
    runner: nft.runner,
    table: o.tableName,
    baseChains: BASE_CHAINS,
    pollPeriodMs: o.driftCheckPeriodMs,
    logger: log,
    onDrift: (what) => restore(what),
  });
  // Takeover from upstream kube-proxy (on unless --remove-upstream-rules=false): its nftables
  // tables go in our first full transaction; its iptables chains right after it succeeded.
  let iptablesCleanup: Promise<unknown> | undefined;
  const runner = o.removeUpstreamRules === false ? drift.runner : new TakeoverNftRunner({
    inner: drift.runner,
    logger: log,
    ownTable: o.tableName,
    onTakenOver: () => iptablesCleanup = removeIptablesLeftovers({ logger: log }),
  });
  const metrics = new ProxyMetrics({ ipFamilies: ["IPv4", "IPv6"] });
  const health = new ProxyHealth({ healthTimeoutMs: 2 * o.syncPeriodMs });
  const servers: HttpServerHandle[] = [];

  const healthzAddr = parseBindAddress(o.healthzBindAddress);
  if (healthzAddr) {
    servers.push(startHealthzServer({ ...healthzAddr, health, nodeName, metrics, logger: log }));
    log.info("Serving health checks", { address: o.healthzBindAddress });
  }
  const metricsAddr = parseBindAddress(o.metricsBindAddress);
  if (metricsAddr) {
    servers.push(startMetricsServer({ ...metricsAddr, registry: metrics.registry, logger: log }));
    log.info("Serving metrics", { address: o.metricsBindAddress });
  }

  // Source.
  let stopSource: () => Promise<void> | void;
  if (o.manifests) {
    const src = await startManifestSource(o.manifests, state, log);
    stopSource = () => src.stop();
    log.info("Reading objects from manifests", { path: o.manifests });
  } else {
    // Loaded only in API-server mode: @kubernetes/client-node costs ~90 MB of memory.
    const { startApiServerSource } = await import("../source/apiserver/mod.ts");
    const src = startApiServerSource({
      kubeconfigPath: o.kubeconfig || undefined,
      master: o.master || undefined,
      nodeName,
      state,
      logger: log,
    });
    stopSource = () => src.stop();
    log.info("Waiting for the first list of every watched kind");
    await src.synced;
  }

  const proxier = new Proxier({ state, settings, runner, logger: log });
  const healthChecks = new HealthCheckNodePorts({
    proxyHealthy: () => health.isHealthy(),
    nodeName,
    logger: log,
  });
  const conntrack = o.conntrackCleanup
    ? new ConntrackReconciler({
      table: openConntrackTable({ logger: log }),
      logger: log,
      onResult: (r) => {
        metrics.conntrackEntriesDeleted(r.deletedByFamily[4], "IPv4");
        metrics.conntrackEntriesDeleted(r.deletedByFamily[6], "IPv6");
      },
    })
    : undefined;

  const loop = new SyncLoop({
    syncer: proxier,
    logger: log,
    minSyncPeriodMs: o.minSyncPeriodMs,
    syncPeriodMs: o.syncPeriodMs,
    fullSyncPeriodMs: o.fullSyncPeriodMs,
    onQueued: (now) => {
      health.queued(now);
      metrics.queued(now);
    },
    onSynced: (r) => {
      const now = Date.now();
      health.synced(now);
      health.syncNode((state.get("Node", nodeName) as Node | undefined) ?? null);
      metrics.synced(now);
      if (r.kind === "full" || r.kind === "partial") {
        metrics.observeSync(r.kind, r.durationMs / 1000);
      }
      metrics.serviceChanged(r.pending.serviceChanges);
      metrics.endpointsChanged(r.pending.endpointChanges);
      if (r.pending.oldestChangeAt !== undefined) {
        metrics.networkProgrammed(r.pending.triggerTimes, now);
      }
      metrics.setNoLocalEndpoints(proxier.noLocalEndpoints());
      healthChecks.update(proxier.healthCheckNodePorts()).catch((e) =>
        log.error("Health check servers", { error: e.message })
      );
      // After every sync that changed the ruleset (the first one too, which covers a restart).
      if (conntrack && r.kind !== "none" && r.kind !== "garbage") {
        conntrack.request(proxier.udpServicePorts().map(toReconcilerState));
      }
    },
    onFailed: () => {
      health.syncFailed();
      metrics.syncFailed();
    },
  });
  loop.start();

  restore = (what) => {
    log.warn("The proxy's table was changed behind its back; restoring it", { change: what });
    metrics.driftRestored();
    proxier.requestFull({ relist: true });
    loop.request(0);
  };

  const stopped = new Promise<string>((resolve) => {
    const on = (sig: Deno.Signal) => Deno.addSignalListener(sig, () => resolve(sig));
    on("SIGTERM");
    on("SIGINT");
  });
  const sig = await stopped;
  log.info("Stopping; the rules stay in place", { signal: sig });
  await drift.stop();
  await conntrack?.close();
  await iptablesCleanup;
  loop.stop();
  await loop.whenIdle();
  await stopSource();
  await healthChecks.stop();
  await Promise.all(servers.map((s) => s.stop()));
  proxier.tracker.close();
  nft.close();
  return 0;
}

function toReconcilerState(p: UdpServicePort): UdpServicePortState {
  return { ...p, servingEndpoints: new Set(p.servingEndpoints) };
}
