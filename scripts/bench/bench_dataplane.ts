/**
 * (f) Dataplane: TCP connection setup latency (connect + first byte) from an
 * external client through the node to a ClusterIP whose only endpoint is a
 * pod, with the proxy's ruleset, with an iptables-mode-style linear ruleset
 * (the target is the LAST service of the list: the worst case), and directly
 * to the pod IP without any proxy rules. Uses the netns harness topology.
 *
 * @module
 */

import { Topology } from "../../tests/support/netns/mod.ts";
import {
  benchSettings,
  generateState,
  SERVICE_PORT,
  serviceIp,
  TARGET_PORT,
} from "./cluster_gen.ts";
import { plainServices, renderIptablesStyle } from "./layouts.ts";
import { CLIENT_PY, SERVER_PY } from "./tcp_agents.ts";
import { BenchCommandError, sh, tempScript } from "./netns.ts";
import { Proxier } from "../../src/sync/proxier.ts";
import { ExecNftRunner } from "../../src/nft/exec_nft_runner.ts";
import { silentLogger } from "../../src/log/logger.ts";
import { roundSummary, summarize, type Summary } from "./stats.ts";

/** Latency of one case, microseconds. */
export interface DataplaneCase {
  layout: "ours" | "iptables-style" | "direct";
  services: number;
  target: string;
  latencyUs: Summary;
}

/** Result of (f). */
export interface DataplaneResult {
  connections: number;
  cases: DataplaneCase[];
}

function ourScript(services: number, podIp: string): string {
  const proxier = new Proxier({
    state: generateState({ services, lastServiceEndpoints: [podIp] }),
    settings: benchSettings(),
    runner: new ExecNftRunner(),
    logger: silentLogger,
  });
  const text = proxier.prepare().script.text;
  proxier.tracker.close();
  return text;
}

/** Measures (f) for each size (1 is always added), `connections` each. */
export async function benchDataplane(
  sizes: number[],
  connections: number,
  log: (s: string) => void,
  result: DataplaneResult = { connections, cases: [] },
): Promise<DataplaneResult> {
  const all = [...new Set([1, ...sizes])].sort((a, b) => a - b);
  const topo = await Topology.create({
    pods: [{ name: "web", server: false }],
    externals: ["client"],
    dualStack: false,
    prefix: "kpbf",
  });
  let server: Deno.ChildProcess | undefined;
  try {
    const podIp = topo.podIp("web");
    server = new Deno.Command("ip", {
      args: [
        "netns",
        "exec",
        topo.nsName("web"),
        "python3",
        "-u",
        "-c",
        SERVER_PY,
        String(TARGET_PORT),
      ],
      stdout: "piped",
      stderr: "null",
    }).spawn();
    const first = await server.stdout.getReader().read();
    if (!new TextDecoder().decode(first.value).includes("ready")) {
      throw new BenchCommandError("dataplane server did not start");
    }
    const node = topo.nsName("node");
    const measure = async (ip: string, port: number): Promise<Summary> => {
      const out = await sh([
        "ip",
        "netns",
        "exec",
        topo.nsName("client"),
        "python3",
        "-c",
        CLIENT_PY,
        ip,
        String(port),
        String(connections),
        String(Math.min(100, connections)),
      ]);
      return roundSummary(summarize(JSON.parse(out) as number[]), 1);
    };
    const cases = result.cases;
    const flush = () => sh(["ip", "netns", "exec", node, "nft", "flush", "ruleset"]);
    await flush();
    cases.push({
      layout: "direct",
      services: 0,
      target: `${podIp}:${TARGET_PORT}`,
      latencyUs: await measure(podIp, TARGET_PORT),
    });
    log(`  (f) direct: median ${cases.at(-1)!.latencyUs.median} us`);
    for (const n of all) {
      const vip = serviceIp(n - 1);
      for (const layout of ["ours", "iptables-style"] as const) {
        await flush();
        const text = layout === "ours"
          ? ourScript(n, podIp)
          : renderIptablesStyle(plainServices(n, 10, [podIp]));
        // No time limit: the iptables-style load at 30k takes tens of seconds.
        const file = await tempScript(text);
        try {
          await sh(["ip", "netns", "exec", node, "nft", "-f", file]);
        } finally {
          await Deno.remove(file).catch(() => {});
        }
        cases.push({
          layout,
          services: n,
          target: `${vip}:${SERVICE_PORT}`,
          latencyUs: await measure(vip, SERVICE_PORT),
        });
        log(`  (f) ${layout} ${n}: median ${cases.at(-1)!.latencyUs.median} us`);
      }
    }
    return result;
  } finally {
    try {
      server?.kill("SIGKILL");
    } catch { /* gone */ }
    await server?.status;
    await server?.stdout.cancel().catch(() => {});
    await topo.destroy();
  }
}
