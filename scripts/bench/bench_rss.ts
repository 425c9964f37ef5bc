/**
 * (e) Start to programmed, and peak memory: runs the real proxy
 * (`main.ts --manifests DIR`, libnftables in-process as deployed) inside a
 * fresh namespace until its first full sync is logged, then reads the
 * proxy's VmHWM and VmRSS from /proc. The manifests are YAML files shaped like
 * `kubectl get -o yaml` output ({@linkcode FILE_SERVICES} per file), so start to
 * programmed includes reading them. The proxy's own first-sync duration
 * (render and apply, from its log) is reported beside it: the full load.
 *
 * @module
 */

import { NODE_NAME } from "./cluster_gen.ts";
import { type ManifestFormat, writeManifests } from "./manifest_gen.ts";
import { withNamespace } from "./netns.ts";
import { BenchProxy, isSynced, procStatusKb } from "./bench_proxy.ts";
import { round } from "./stats.ts";

/** Result of (e) (and of the 100k section) for one size. */
export interface RssResult {
  services: number;
  endpointsPerService: number;
  format: ManifestFormat;
  manifestBytes: number;
  /** The apply path the proxy logged (`libnftables` unless it fell back). */
  backend: string;
  /** Peak RSS of the proxy process (VmHWM), MiB; libnftables' memory is in it. */
  proxyPeakMb: number;
  /** RSS of the proxy right after its first sync (VmRSS), MiB. */
  proxyRssAfterSyncMb: number;
  /** From process start to the first sync logged (includes reading the manifests). */
  startToProgrammedMs: number;
  /** The first sync's own duration from the proxy's log (render + apply): the full load. */
  firstSyncMs: number;
}

/**
 * Services per manifest file when the proxy starts from a directory: many
 * files of moderate size, the usual layout (one file per application or
 * namespace). The single big file is section (h)'s measure.
 */
export const FILE_SERVICES = 1000;

/** Proxy flags of the measurements (the bench cluster's node and pod CIDR, no servers). */
export const BENCH_PROXY_FLAGS: readonly string[] = [
  `--hostname-override=${NODE_NAME}`,
  "--cluster-cidr=10.128.0.0/9",
  "--healthz-bind-address=",
  "--metrics-bind-address=",
];

/** Measures one size; gives up after `timeoutMs`. */
export async function benchRss(
  services: number,
  o: { endpointsPerService?: number; format?: ManifestFormat; timeoutMs?: number } = {},
): Promise<RssResult> {
  const endpointsPerService = o.endpointsPerService ?? 10;
  const format = o.format ?? "yaml";
  const dir = await Deno.makeTempDir({ prefix: "kpb-rss-" });
  try {
    const w = await writeManifests(dir, {
      services,
      endpointsPerService,
      format,
      files: Math.ceil(services / FILE_SERVICES),
    });
    return await withNamespace(async (ns) => {
      const proxy = BenchProxy.start(ns, [...BENCH_PROXY_FLAGS, `--manifests=${dir}`]);
      try {
        const synced = await proxy.waitFor((l) => isSynced(l, "full"), o.timeoutMs ?? 600_000);
        const hwm = procStatusKb(proxy.pid, "VmHWM");
        const rss = procStatusKb(proxy.pid, "VmRSS");
        const fellBack = proxy.lines.some((l) => /libnftables is not available/.test(l.raw));
        return {
          services,
          endpointsPerService,
          format,
          manifestBytes: w.bytes,
          backend: fellBack ? "exec" : "libnftables",
          proxyPeakMb: round(hwm / 1024),
          proxyRssAfterSyncMb: round(rss / 1024),
          startToProgrammedMs: Math.round(synced.at - proxy.startedAt),
          firstSyncMs: Math.round(Number(synced.json!.durationMs)),
        };
      } finally {
        await proxy.stop();
      }
    });
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}
