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
 * Adding an element whose verdict jumps to a chain is the one change whose
 * cost grows with the table: the kernel validates the jumps of the whole
 * table on commit. The last part reproduces that alone, on a bare verdict map.
 *
 * @module
 */

import { benchSettings, generateState, ipv4, serviceIp } from "./cluster_gen.ts";
import { denoInNamespace, withNamespace } from "./netns.ts";
import { NftInteractive } from "./nft_interactive.ts";
import { Proxier } from "../../src/sync/proxier.ts";
import { LibNftablesRunner } from "../../src/nft/libnftables_runner.ts";
import { ExecNftRunner } from "../../src/nft/exec_nft_runner.ts";
import { silentLogger } from "../../src/log/logger.ts";
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

/**
 * The minimal reproduction of what bounds an entry point's change: one
 * element added to a bare verdict map of N elements, whose verdicts jump to a
 * chain (`goto c`, as the proxy's `service-ips`) or not (`accept`).
 */
export interface VmapFloor {
  elements: number;
  verdict: "goto" | "accept";
  /** Median of adding (then deleting) one element, libnftables, ms. */
  addMedianMs: number;
}

/** Result of (g). */
export interface ApplyPathsResult {
  runs: number;
  sizes: ApplyPathsSize[];
  vmapFloor: VmapFloor[];
}

interface Args {
  services: number;
  runs: number;
}

/**
 * Measures (g): `runs` of each change and method, at `services` and against a
 * 1-Service table; then the verdict-map reproduction at 0, `services` and
 * each of `vmapSizes` elements.
 */
export async function benchApplyPaths(
  services: number,
  runs: number,
  vmapSizes: number[] = [],
): Promise<ApplyPathsResult> {
  if (!(services >= 1 && runs >= 1)) throw new RangeError("benchApplyPaths: bad arguments");
  const self = new URL(import.meta.url).pathname;
  const sizes: ApplyPathsSize[] = [];
  for (const n of [services, 1]) {
    const args: Args = { services: n, runs };
    sizes.push(await withNamespace((ns) => denoInNamespace<ApplyPathsSize>(ns, self, args)));
  }
  const vmapFloor: VmapFloor[] = [];
  for (const elements of [...new Set([0, services, ...vmapSizes])]) {
    for (const verdict of ["goto", "accept"] as const) {
      const args: VmapArgs = { vmap: { elements, verdict, runs } };
      vmapFloor.push(await withNamespace((ns) => denoInNamespace<VmapFloor>(ns, self, args)));
    }
  }
  return { runs, sizes, vmapFloor };
}

interface VmapArgs {
  vmap: { elements: number; verdict: "goto" | "accept"; runs: number };
}

async function measureVmap(a: VmapArgs["vmap"]): Promise<VmapFloor> {
  const verdict = a.verdict === "goto" ? "goto c" : "accept";
  const lines = [
    "table ip t {",
    "\tmap m { type ipv4_addr : verdict; }",
    "\tchain c {",
    "\t}",
    "\tchain pre {",
    "\t\ttype nat hook prerouting priority -100; policy accept;",
    "\t\tip daddr vmap @m",
    "\t}",
    "}",
  ];
  for (let i = 0; i < a.elements; i += 5000) {
    const el: string[] = [];
    for (let j = i; j < Math.min(a.elements, i + 5000); j++) {
      el.push(`${ipv4(0x0a000000 + j)} : ${verdict}`);
    }
    lines.push(`add element ip t m { ${el.join(", ")} }`);
  }
  const lib = new LibNftablesRunner();
  try {
    await lib.apply(lines.join("\n"));
    const times: number[] = [];
    for (let k = -1; k < a.runs; k++) {
      const ip = ipv4(0x0b000000 + k + 1);
      const t = performance.now();
      await lib.apply(`add element ip t m { ${ip} : ${verdict} }`);
      if (k >= 0) times.push(performance.now() - t);
      await lib.apply(`delete element ip t m { ${ip} }`);
    }
    return {
      elements: a.elements,
      verdict: a.verdict,
      addMedianMs: roundSummary(summarize(times), 2).median,
    };
  } finally {
    lib.close();
  }
}

const EP_BASE = (10 << 24 | 201 << 16) >>> 0;

/** Raised when the proxy's full script does not hold the elements the changes are made from. */
export class ElementTemplateError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ElementTemplateError";
  }
}

/** How one-element changes are written for the proxy's current layout. */
export interface ElementTemplates {
  /** `ip TABLE SET` of the endpoints map and of the entry-point verdict map. */
  endpointsSet: string;
  entrySet: string;
  /** The key and value of an endpoint element for `vip`, slot `index`, endpoint `addr`. */
  endpoint(vip: string, index: number, addr: string): { key: string; value: string };
  /** The key and verdict of an entry-point element for `vip`. */
  entry(vip: string): { key: string; value: string };
}

/**
 * Reads the element shapes from the proxy's own full script (the first IPv4
 * element of the first `endpoints*` map and of `service-ips`), so that the
 * changes follow the layout as it is, whatever its map names and key parts:
 * an endpoint key starts with the entry point's address and ends with the
 * slot index; its value starts with the endpoint's address.
 */
export function elementTemplates(fullScript: string): ElementTemplates {
  const first = (set: RegExp) => {
    for (const line of fullScript.split("\n")) {
      const m = /^add element (ip \S+) (\S+) \{ ([^,}]+)/.exec(line);
      if (m && set.test(m[2])) return { set: `${m[1]} ${m[2]}`, element: m[3].trim() };
    }
    throw new ElementTemplateError(`no IPv4 element of a set matching ${set} in the full script`);
  };
  const ep = first(/^endpoints/);
  const [epKey, epValue] = ep.element.split(" : ").map((x) => x.split(" . "));
  if (!epValue || epKey.length < 2 || !/^\d+$/.test(epKey.at(-1)!)) {
    throw new ElementTemplateError(`unexpected endpoint element in ${ep.set}: ${ep.element}`);
  }
  const en = first(/^service-ips$/);
  const [enKey, enVerdict] = en.element.split(" : ");
  if (!enVerdict) {
    throw new ElementTemplateError(`unexpected entry element in ${en.set}: ${en.element}`);
  }
  return {
    endpointsSet: ep.set,
    entrySet: en.set,
    endpoint: (vip, index, addr) => ({
      key: [vip, ...epKey.slice(1, -1), String(index)].join(" . "),
      value: [addr, ...epValue.slice(1)].join(" . "),
    }),
    entry: (vip) => ({ key: [vip, ...enKey.split(" . ").slice(1)].join(" . "), value: enVerdict }),
  };
}

/** The transaction text of change `c`, run `r`. */
function changeText(t: ElementTemplates, c: ElementChange, r: number, services: number): string {
  // An endpoint slot that no Service uses (index 60) of an existing Service; an unused address.
  const ep = t.endpoint(serviceIp((r * 7919) % services), 60, ipv4(EP_BASE + r));
  const entry = t.entry(serviceIp(services + 10 + r));
  switch (c) {
    case "addEndpoint":
      return `add element ${t.endpointsSet} { ${ep.key} : ${ep.value} }`;
    case "deleteEndpoint":
      return `delete element ${t.endpointsSet} { ${ep.key} }`;
    case "addEntry":
      return `add element ${t.entrySet} { ${entry.key} : ${entry.value} }`;
    case "deleteEntry":
      return `delete element ${t.entrySet} { ${entry.key} }`;
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
  const templates = elementTemplates(full);
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
          const text = changeText(templates, c, r + 1, a.services);
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
  const args = JSON.parse(Deno.args[0]) as Args | VmapArgs;
  console.log(JSON.stringify("vmap" in args ? await measureVmap(args.vmap) : await measure(args)));
  Deno.exit(0);
}
