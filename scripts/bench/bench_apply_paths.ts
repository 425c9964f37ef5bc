/**
 * (g) Apply paths for one-element changes, side by side, in one run: the
 * proxy's full ruleset for N Services is loaded into a fresh namespace, then
 * the same one-element transactions are sent three ways:
 *
 * - `process`: a new `nft -f -` process per change (what the exec runner does);
 * - `interactive`: one long-lived `nft -i` fed one transaction per line;
 * - `libnftables`: libnftables in-process with one context kept open
 *   ({@linkcode LibNftablesRunner}, the proxy's default).
 *
 * Changes: add and delete one element of the `endpoints` map (an endpoint)
 * and of the `service-ips` verdict map (an entry point; its element jumps to
 * a chain). The floor reproduction runs the same against a table holding one
 * Service ("empty"): where a figure at N equals the empty-table figure, the
 * table's size costs nothing and what remains is the kernel's commit.
 *
 * @module
 */

import { benchSettings, generateState, serviceIp } from "./cluster_gen.ts";
import { denoInNamespace, withNamespace } from "./netns.ts";
import { NftInteractive } from "./nft_interactive.ts";
import { Proxier } from "../../src/sync/proxier.ts";
import { LibNftablesRunner } from "../../src/nft/libnftables_runner.ts";
import { ExecNftRunner } from "../../src/nft/exec_nft_runner.ts";
import { silentLogger } from "../../src/log/logger.ts";
import { ipv4 } from "./cluster_gen.ts";
import { roundSummary, summarize, type Summary } from "./stats.ts";

/** The ways a change is sent. */
export const APPLY_METHODS = ["process", "interactive", "libnftables"] as const;
/** One way. */
export type ApplyMethod = typeof APPLY_METHODS[number];
/** The measured one-element changes. */
export const ELEMENT_CHANGES = [
  "addEndpoint",
  "deleteEndpoint",
  "addEntry",
  "deleteEntry",
] as const;
/** One change. */
export type ElementChange = typeof ELEMENT_CHANGES[number];

/** Figures at one table size. */
export interface ApplyPathsSize {
  services: number;
  /** Full load of the table before the changes (libnftables), ms. */
  loadMs: number;
  methods: Record<ApplyMethod, Record<ElementChange, Summary>>;
}

/** Result of (g). */
export interface ApplyPathsResult {
  runs: number;
  sizes: ApplyPathsSize[];
}

interface Args {
  services: number;
  runs: number;
}

/** Measures (g): `runs` of each change and method, at `services` and against a 1-Service table. */
export async function benchApplyPaths(services: number, runs: number): Promise<ApplyPathsResult> {
  if (!(services >= 1 && runs >= 1)) throw new RangeError("benchApplyPaths: bad arguments");
  const sizes: ApplyPathsSize[] = [];
  for (const n of [services, 1]) {
    const args: Args = { services: n, runs };
    sizes.push(
      await withNamespace((ns) =>
        denoInNamespace<ApplyPathsSize>(ns, new URL(import.meta.url).pathname, args)
      ),
    );
  }
  return { runs, sizes };
}

const T = "ip kube-nft-proxy";
const EP_BASE = (10 << 24 | 201 << 16) >>> 0;

/** The transaction text of change `c`, run `r`. */
function changeText(c: ElementChange, r: number, services: number): string {
  // An endpoint slot that no Service uses (index 60) of an existing Service; an unused address.
  const vip = serviceIp((r * 7919) % services);
  const freeVip = serviceIp(services + 10 + r);
  switch (c) {
    case "addEndpoint":
      return `add element ${T} endpoints { ${vip} . tcp . 80 . 60 : ${ipv4(EP_BASE + r)} . 8080 }`;
    case "deleteEndpoint":
      return `delete element ${T} endpoints { ${vip} . tcp . 80 . 60 }`;
    case "addEntry":
      return `add element ${T} service-ips { ${freeVip} . tcp . 80 : goto pick-10 }`;
    case "deleteEntry":
      return `delete element ${T} service-ips { ${freeVip} . tcp . 80 }`;
  }
}

async function measure(a: Args): Promise<ApplyPathsSize> {
  const state = generateState({ services: a.services });
  const proxier = new Proxier({
    state,
    settings: benchSettings(),
    runner: new ExecNftRunner(),
    logger: silentLogger,
  });
  const full = proxier.prepare().script.text;
  proxier.tracker.close();
  const lib = new LibNftablesRunner();
  const exec = new ExecNftRunner();
  const nftI = await NftInteractive.start();
  try {
    const t0 = performance.now();
    await lib.apply(full);
    const loadMs = Math.round(performance.now() - t0);
    const send: Record<ApplyMethod, (text: string) => Promise<unknown>> = {
      process: (t) => exec.apply(t),
      interactive: (t) => nftI.run(t),
      libnftables: (t) => lib.apply(t),
    };
    const methods = {} as Record<ApplyMethod, Record<ElementChange, Summary>>;
    for (const m of APPLY_METHODS) {
      const times = Object.fromEntries(ELEMENT_CHANGES.map((c) => [c, [] as number[]]));
      // One warm-up pair first (the first use fills nft's cache).
      for (let r = -1; r < a.runs; r++) {
        for (const c of ELEMENT_CHANGES) {
          const text = changeText(c, r + 1, a.services);
          const t = performance.now();
          await send[m](text);
          if (r >= 0) times[c].push(performance.now() - t);
        }
      }
      methods[m] = Object.fromEntries(
        ELEMENT_CHANGES.map((c) => [c, roundSummary(summarize(times[c]), 2)]),
      ) as Record<ElementChange, Summary>;
    }
    return { services: a.services, loadMs, methods };
  } finally {
    await nftI.close();
    lib.close();
  }
}

if (import.meta.main) {
  console.log(JSON.stringify(await measure(JSON.parse(Deno.args[0]))));
  Deno.exit(0);
}
