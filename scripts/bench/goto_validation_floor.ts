/**
 * The floor under a partial sync at 100k Services: in the proxy's own full
 * ruleset (N Services × E endpoints, loaded in a fresh namespace through
 * libnftables), the time of one-element transactions of three kinds:
 *
 * - a `service-ips` element that jumps to a selection chain (`goto pick-5`),
 *   which is what a change of a Service's endpoint count or a new Service writes;
 * - a `service-ips` element with a plain verdict (`drop`);
 * - an `endpoints-tcp` element (data, no verdict).
 *
 * The kernel re-validates every jump of the table at commit when an element
 * with a chain verdict is added (`NFT_VALIDATE_NEED`), so only the first kind
 * grows with the table. Then the same after removing `nat-output`'s jump to
 * `services`, to show that the walk runs once per hook that reaches the map.
 *
 * Usage: `sudo deno run -A scripts/bench/goto_validation_floor.ts [SERVICES] [ENDPOINTS]`
 * (default 100000 × 5; about a minute).
 *
 * @module
 */

import { benchSettings, generateState } from "./cluster_gen.ts";
import { denoInNamespace, sh, withNamespace } from "./netns.ts";
import { summarize } from "./stats.ts";
import { Proxier } from "../../src/sync/proxier.ts";
import { LibNftablesRunner } from "../../src/nft/libnftables_runner.ts";
import { silentLogger } from "../../src/log/logger.ts";

const TABLE = "ip kube-nft-proxy";
const RUNS = 30;

/** Median and p99 (ms) of each kind, with both hooks and with prerouting only. */
type Floor = Record<string, { median: number; p99: number }>;

async function measure(args: { services: number; endpoints: number }): Promise<Floor> {
  const state = generateState({
    services: args.services,
    endpointsPerService: args.endpoints,
    spreadCounts: 20,
  });
  const runner = new LibNftablesRunner();
  const proxier = new Proxier({ state, settings: benchSettings(), runner, logger: silentLogger });
  await proxier.sync();
  const out: Floor = {};
  const time = async (label: string, element: (i: number) => string) => {
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const t = performance.now();
      await runner.apply(`add element ${TABLE} ${element(i)}\n`);
      times.push(performance.now() - t);
    }
    const s = summarize(times);
    out[label] = { median: Number(s.median.toFixed(2)), p99: Number(s.p99.toFixed(2)) };
  };
  const kinds = async (hooks: string, n: number) => {
    await time(
      `${hooks}: goto element`,
      (i) => `service-ips { 10.201.${n}.${i} . tcp . 80 : goto pick-5 }`,
    );
    await time(
      `${hooks}: drop element`,
      (i) => `service-ips { 10.202.${n}.${i} . tcp . 80 : drop }`,
    );
    await time(
      `${hooks}: endpoint element`,
      (i) => `endpoints-tcp { 10.203.${n}.${i} . 80 . 0 : 10.1.1.1 . 8080 }`,
    );
  };
  await kinds("nat-prerouting and nat-output", 1);
  const listing = await sh(["nft", "-a", "list", "chain", "ip", "kube-nft-proxy", "nat-output"]);
  const handle = /jump services # handle (\d+)/.exec(listing)?.[1];
  if (!handle) throw new Error(`no jump to services in nat-output:\n${listing}`);
  await runner.apply(`delete rule ${TABLE} nat-output handle ${handle}\n`);
  await kinds("nat-prerouting only", 2);
  proxier.tracker.close();
  runner.close();
  return out;
}

if (import.meta.main) {
  if (Deno.args[0]?.startsWith("{")) {
    console.log(JSON.stringify(await measure(JSON.parse(Deno.args[0]))));
    Deno.exit(0);
  }
  const services = Number(Deno.args[0] ?? 100_000), endpoints = Number(Deno.args[1] ?? 5);
  const floor = await withNamespace((ns) =>
    denoInNamespace<Floor>(ns, new URL(import.meta.url).pathname, { services, endpoints })
  );
  console.log(`one-element transactions in the proxy's ${services} x ${endpoints} table (ms):`);
  for (const [label, f] of Object.entries(floor)) {
    console.log(`  ${label.padEnd(46)} median ${f.median}  p99 ${f.p99}`);
  }
}
