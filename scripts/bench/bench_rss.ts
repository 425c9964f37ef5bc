/**
 * (e) Peak memory: runs the real proxy (`main.ts --manifests DIR`) inside a
 * fresh namespace until its first sync is logged, then reads the proxy's
 * VmHWM from /proc. The nft it runs is a wrapper first on PATH that runs the
 * real nft under `/usr/bin/time -f %M`, so nft's peak RSS is known too.
 *
 * @module
 */

import { generateObjects, NODE_NAME } from "./cluster_gen.ts";
import { BenchCommandError, gnuTime, sh, withNamespace } from "./netns.ts";
import { PERMISSIONS, V8_FLAGS } from "../build.ts";
import { round } from "./stats.ts";

/** Result of (e) for one size. */
export interface RssResult {
  services: number;
  /** Peak RSS of the proxy process (VmHWM), MiB. */
  proxyPeakMb: number;
  /** RSS of the proxy right after its first sync (VmRSS), MiB. */
  proxyRssAfterSyncMb: number;
  /** Peak RSS of the nft child of the first sync, MiB (NaN without /usr/bin/time). */
  nftPeakMb: number;
  /** From process start to the first sync logged (includes reading the manifests). */
  startToSyncedMs: number;
  manifestBytes: number;
}

const MAIN = new URL("../../main.ts", import.meta.url).pathname;

async function writeManifests(dir: string, services: number): Promise<number> {
  const { services: svcs, slices, node } = generateObjects({ services });
  const all = [node, ...svcs, ...slices];
  let bytes = 0;
  for (let i = 0; i < all.length; i += 5000) {
    const text = JSON.stringify({ apiVersion: "v1", kind: "List", items: all.slice(i, i + 5000) });
    bytes += text.length;
    await Deno.writeTextFile(`${dir}/objects-${String(i / 5000).padStart(4, "0")}.json`, text);
  }
  return bytes;
}

function statusKb(pid: number, field: string): number {
  const text = Deno.readTextFileSync(`/proc/${pid}/status`);
  const m = text.match(new RegExp(`^${field}:\\s+(\\d+) kB`, "m"));
  if (!m) throw new BenchCommandError(`no ${field} in /proc/${pid}/status`);
  return Number(m[1]);
}

/** Measures (e) at one size; gives up after `timeoutMs`. */
export async function benchRss(services: number, timeoutMs = 300_000): Promise<RssResult> {
  const dir = await Deno.makeTempDir({ prefix: "kpb-rss-" });
  try {
    const manifestBytes = await writeManifests(dir, services);
    const wrapDir = `${dir}/bin`;
    await Deno.mkdir(wrapDir);
    const nftReal = (await sh(["sh", "-c", "command -v nft"])).trim();
    const time = gnuTime();
    const nftLog = `${dir}/nft-rss.txt`;
    await Deno.writeTextFile(
      `${wrapDir}/nft`,
      time
        ? `#!/bin/sh\nexec ${time} -a -o ${nftLog} -f %M ${nftReal} "$@"\n`
        : `#!/bin/sh\nexec ${nftReal} "$@"\n`,
    );
    await Deno.chmod(`${wrapDir}/nft`, 0o755);
    const manifests = `${dir}/m`;
    await Deno.mkdir(manifests);
    for await (const e of Deno.readDir(dir)) {
      if (e.name.endsWith(".json")) await Deno.rename(`${dir}/${e.name}`, `${manifests}/${e.name}`);
    }
    return await withNamespace(async (ns) => {
      const t0 = performance.now();
      const child = new Deno.Command("ip", {
        args: [
          "netns",
          "exec",
          ns,
          Deno.execPath(),
          "run",
          ...PERMISSIONS,
          ...V8_FLAGS,
          MAIN,
          `--manifests=${manifests}`,
          `--hostname-override=${NODE_NAME}`,
          "--healthz-bind-address=",
          "--metrics-bind-address=",
          "--drift-check-period=0",
          "--cluster-cidr=10.128.0.0/9",
          "--v=2",
        ],
        env: { PATH: `${wrapDir}:${Deno.env.get("PATH") ?? "/usr/sbin:/usr/bin:/sbin:/bin"}` },
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      // `ip netns exec` execs the command: the child's pid is the proxy's.
      const pid = child.pid;
      let logs = "";
      const dec = new TextDecoder();
      const drain = async (s: ReadableStream<Uint8Array>) => {
        for await (const c of s) logs += dec.decode(c, { stream: true });
      };
      const drains = [drain(child.stdout), drain(child.stderr)];
      try {
        const deadline = Date.now() + timeoutMs;
        while (!/Synced nftables rules/.test(logs)) {
          if (Date.now() > deadline) {
            throw new BenchCommandError(`proxy did not sync in ${timeoutMs} ms`);
          }
          const st = await Promise.race([
            child.status,
            new Promise((r) => setTimeout(r, 20, null)),
          ]);
          if (st) throw new BenchCommandError(`proxy exited before syncing:\n${logs.slice(-2000)}`);
        }
        const startToSyncedMs = performance.now() - t0;
        const hwm = statusKb(pid, "VmHWM");
        const rss = statusKb(pid, "VmRSS");
        let nftKb = NaN;
        if (time) {
          const lines = (await Deno.readTextFile(nftLog)).trim().split("\n").map(Number).filter((
            x,
          ) => x > 0);
          nftKb = Math.max(...lines);
        }
        return {
          services,
          proxyPeakMb: round(hwm / 1024),
          proxyRssAfterSyncMb: round(rss / 1024),
          nftPeakMb: round(nftKb / 1024),
          startToSyncedMs: Math.round(startToSyncedMs),
          manifestBytes,
        };
      } finally {
        try {
          child.kill("SIGTERM");
        } catch { /* gone */ }
        await child.status;
        await Promise.allSettled(drains);
      }
    });
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}
