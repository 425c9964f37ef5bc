/**
 * Soak (`--only soak`): the real proxy in API-server mode (the path that runs
 * the most code: list, watch, change tracking, partial syncs, garbage
 * collections, conntrack cleanup, drift detection, metrics) against the test
 * API server, at N Services, with churn at R changes per second for M
 * minutes: endpoints replaced, added and removed, Services added and deleted,
 * and now and then an invalid object added and deleted (a Service with a port
 * out of range, or a slice with a bad address: the problem-report map must
 * forget them). A UDP sender keeps conntrack busy: datagrams to the
 * UDP Services' ClusterIPs are DNATed and leave through a veth pair.
 *
 * Every `sampleSeconds`, the proxy's RSS, open fds, threads, CPU, V8 heap
 * (from its /metrics) and the namespace's conntrack entries are sampled. The
 * report gives each series' slope and its growth over the last 20 minutes (or
 * the last two thirds of a shorter run), first minute of that window against
 * its last minute (target < 5 %).
 *
 * Everything runs in one child process inside a fresh namespace: the test API
 * server (on the namespace's loopback), the churn, the sampler, and the proxy
 * as its own process.
 *
 * @module
 */

import { FakeApiServer } from "../../tests/support/fake_apiserver/server.ts";
import {
  defaultEndpoints,
  endpointCount,
  generateObjects,
  type GenerateOptions,
  ipv4,
  makeService,
  makeSlice,
  protocolOf,
  serviceIp,
  serviceName,
} from "./cluster_gen.ts";
import { denoInNamespace, sh, withNamespace } from "./netns.ts";
import {
  BenchProxy,
  CLOCK_TICKS,
  isSynced,
  openFds,
  procCpuTicks,
  threads,
} from "./bench_proxy.ts";
import { BENCH_PROXY_FLAGS } from "./bench_rss.ts";
import { SPREAD } from "./bench_partial.ts";
import { round } from "./stats.ts";
import { type SoakSample, type SoakTrend, trends } from "./soak_trends.ts";

export type { SoakSample, SoakTrend } from "./soak_trends.ts";

/** Result of the soak. */
export interface SoakResult {
  services: number;
  minutes: number;
  ratePerSecond: number;
  changes: Record<string, number>;
  /** Minutes of the growth window (20, or two thirds of a shorter run). */
  windowMinutes: number;
  trends: SoakTrend[];
  /** Timers: not observable from outside the process (see the report). */
  timersObservable: false;
  syncs: { partial: number; full: number; garbage: number; failed: number };
  /** UDP datagrams sent (rate × duration). */
  udpDatagrams: number;
  samples: SoakSample[];
}

interface SoakArgs {
  services: number;
  minutes: number;
  rate: number;
  sampleSeconds: number;
}

/** Runs the soak in a fresh namespace. */
export function benchSoak(
  services: number,
  minutes: number,
  o: { rate?: number; sampleSeconds?: number } = {},
): Promise<SoakResult> {
  if (!(services > SPREAD && minutes > 0)) throw new RangeError("benchSoak: bad arguments");
  const args: SoakArgs = {
    services,
    minutes,
    rate: o.rate ?? 50,
    sampleSeconds: o.sampleSeconds ?? 10,
  };
  return withNamespace(async (ns) => {
    const x = (...a: string[]) => sh(["ip", "netns", "exec", ns, ...a]);
    await x("ip", "link", "set", "lo", "up");
    // Where DNATed datagrams leave: a veth pair inside the namespace, through a gateway with a
    // fixed MAC address that nothing has; the other end drops them. Their conntrack entries stay.
    await x("ip", "link", "add", "kpbsoak0", "type", "veth", "peer", "name", "kpbsoak1");
    await x("ip", "link", "set", "kpbsoak0", "up");
    await x("ip", "link", "set", "kpbsoak1", "up");
    await x("ip", "addr", "add", "192.0.2.1/24", "dev", "kpbsoak0");
    await x(
      "ip",
      "neigh",
      "add",
      "192.0.2.2",
      "lladdr",
      "02:00:00:00:00:02",
      "dev",
      "kpbsoak0",
      "nud",
      "permanent",
    );
    for (const net of ["10.96.0.0/12", "10.128.0.0/9"]) {
      await x("ip", "route", "add", net, "via", "192.0.2.2", "dev", "kpbsoak0", "src", "192.0.2.1");
    }
    return await denoInNamespace<SoakResult>(ns, new URL(import.meta.url).pathname, args);
  }, "kpbs");
}

/** The UDP sender: `python3 -c UDP_SENDER IP... ` sends round-robin, ~RATE/s, forever. */
const UDP_SENDER = `
import socket, sys, time
ips, rate = sys.argv[2:], float(sys.argv[1])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
n = 0
start = time.monotonic()
while True:
    for ip in ips:
        s.sendto(b"x", (ip, 80))
        n += 1
        due = start + n / rate
        d = due - time.monotonic()
        if d > 0:
            time.sleep(d)
`;

async function runSoak(a: SoakArgs): Promise<SoakResult> {
  const gen: GenerateOptions = { services: a.services, spreadCounts: SPREAD, udpEvery: 10 };
  const server = await FakeApiServer.start({ maxHistory: 100_000 });
  const { services, slices, node } = generateObjects(gen);
  server.upsert("nodes", node as never);
  for (const s of services) server.upsert("services", s as never);
  for (const s of slices) server.upsert("endpointslices", s as never);
  // Current endpoints per Service index (for the churn).
  const stride = Math.max(10, SPREAD);
  const eps = new Map<number, string[]>();
  for (let i = SPREAD; i < a.services; i++) {
    eps.set(i, defaultEndpoints(i, stride).slice(0, endpointCount(i, gen)));
  }
  const proxy = BenchProxy.start("", [
    ...BENCH_PROXY_FLAGS,
    `--master=${server.url}`,
    "--metrics-bind-address=127.0.0.1:10249",
  ]);
  const udpIps: string[] = [];
  for (let i = SPREAD; i < a.services && udpIps.length < 200; i++) {
    if (protocolOf(i, gen) === "UDP") udpIps.push(serviceIp(i));
  }
  let sender: Deno.ChildProcess | undefined;
  let timer: ReturnType<typeof setInterval> | undefined;
  const changes: Record<string, number> = {
    replaceEndpoint: 0,
    addEndpoint: 0,
    removeEndpoint: 0,
    addService: 0,
    deleteService: 0,
    addInvalidObject: 0,
    deleteInvalidObject: 0,
  };
  try {
    await proxy.waitFor((l) => isSynced(l, "full"), 600_000);
    const udpRate = 200;
    sender = new Deno.Command("python3", {
      args: ["-c", UDP_SENDER, String(udpRate), ...udpIps],
      stdout: "null",
      stderr: "null",
    }).spawn();
    let counter = 0;
    const extra: number[] = [];
    const invalid: number[] = [];
    let nextService = a.services;
    const change = () => {
      const c = counter++;
      const roll = c % 20;
      const k = SPREAD + (c * 7919) % (a.services - SPREAD);
      const list = eps.get(k)!;
      const proto = protocolOf(k, gen);
      const put = () =>
        server.upsert("endpointslices", makeSlice(k, list, `s${c}`, proto) as never);
      const fresh = () => ipv4(((10 << 24) | (220 << 16)) + (c % 1_000_000));
      if (roll < 8) {
        list[c % list.length] = fresh();
        changes.replaceEndpoint++;
        put();
      } else if (roll < 12) {
        // Counts stay within 5..15: every such count keeps its selection chain.
        if (list.length < 15) {
          list.push(fresh());
          changes.addEndpoint++;
        } else {
          list.pop();
          changes.removeEndpoint++;
        }
        put();
      } else if (roll < 16) {
        if (list.length > 5) {
          list.pop();
          changes.removeEndpoint++;
        } else {
          list.push(fresh());
          changes.addEndpoint++;
        }
        put();
      } else if (roll === 16 || (roll === 17 && extra.length === 0)) {
        const n = nextService++;
        server.upsert("services", makeService(n) as never);
        server.upsert("endpointslices", makeSlice(n, defaultEndpoints(n, stride)) as never);
        extra.push(n);
        changes.addService++;
      } else if (roll === 17) {
        const n = extra.shift()!;
        server.delete("services", `bench/${serviceName(n)}`);
        server.delete("endpointslices", `bench/${serviceName(n)}-abcde`);
        changes.deleteService++;
      } else if (roll === 18 || invalid.length === 0) {
        // Invalid objects, reported and never programmed, then deleted: a Service whose port is
        // out of range, or a valid Service whose slice holds an invalid address (in turns).
        const n = nextService++;
        const svc = makeService(n);
        const badSlice = c % 40 === 18;
        if (!badSlice) svc.spec!.ports![0].port = 70000 + (c % 1000);
        server.upsert("services", svc as never);
        if (badSlice) {
          server.upsert("endpointslices", makeSlice(n, ["10.0.0.300", "10.0.0.1"]) as never);
        }
        invalid.push(n);
        changes.addInvalidObject++;
      } else {
        const n = invalid.shift()!;
        server.delete("services", `bench/${serviceName(n)}`);
        server.delete("endpointslices", `bench/${serviceName(n)}-abcde`);
        changes.deleteInvalidObject++;
      }
    };
    const samples: SoakSample[] = [];
    const start = performance.now();
    let sent = 0;
    let lastCpu = procCpuTicks(proxy.pid), lastT = 0;
    const total = Math.round(a.minutes * 60 * a.rate);
    timer = setInterval(() => {
      const due = Math.min(total, Math.floor((performance.now() - start) * a.rate / 1000));
      for (; sent < due; sent++) change();
    }, 10);
    const sample = async (t: number) => {
      const cpu = procCpuTicks(proxy.pid);
      let heapMb = NaN;
      try {
        const text = await (await fetch("http://127.0.0.1:10249/metrics")).text();
        const m = text.match(/^deno_heap_used_bytes (\S+)$/m);
        if (m) heapMb = round(Number(m[1]) / 1048576, 1);
      } catch { /* keep NaN */ }
      const ct = Number((await sh(["conntrack", "-C"])).trim());
      samples.push({
        t: round(t, 1),
        rssMb: round(
          Number(Deno.readTextFileSync(`/proc/${proxy.pid}/status`).match(/^VmRSS:\s+(\d+)/m)![1]) /
            1024,
          1,
        ),
        fds: openFds(proxy.pid),
        threads: threads(proxy.pid),
        heapMb,
        conntrack: ct,
        cpuPercent: round((cpu - lastCpu) / CLOCK_TICKS / Math.max(0.001, t - lastT) * 100, 1),
      });
      lastCpu = cpu;
      lastT = t;
      if (Deno.env.get("KPB_DEBUG")) console.error(JSON.stringify(samples.at(-1)));
    };
    await sample(0);
    for (let i = 1; i * a.sampleSeconds <= a.minutes * 60; i++) {
      const at = start + i * a.sampleSeconds * 1000;
      await new Promise((r) => setTimeout(r, Math.max(0, at - performance.now())));
      await sample((performance.now() - start) / 1000);
    }
    clearInterval(timer);
    const count = (re: RegExp) => proxy.lines.filter((l) => re.test(l.raw)).length;
    const windowMinutes = Math.min(20, round(a.minutes * 2 / 3, 2));
    return {
      services: a.services,
      minutes: a.minutes,
      ratePerSecond: a.rate,
      changes,
      windowMinutes,
      trends: trends(samples, windowMinutes),
      timersObservable: false,
      syncs: {
        partial: proxy.lines.filter((l) => isSynced(l, "partial")).length,
        full: proxy.lines.filter((l) => isSynced(l, "full")).length,
        garbage: proxy.lines.filter((l) => isSynced(l, "garbage")).length,
        failed: count(/Failed to sync/),
      },
      udpDatagrams: Math.round(udpRate * a.minutes * 60),
      samples,
    };
  } finally {
    clearInterval(timer);
    try {
      sender?.kill("SIGKILL");
    } catch { /* gone */ }
    await sender?.status;
    await proxy.stop();
    await server.stop();
  }
}

if (import.meta.main) {
  console.log(JSON.stringify(await runSoak(JSON.parse(Deno.args[0]))));
  Deno.exit(0);
}
