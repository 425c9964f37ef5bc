/**
 * The folders of `src/` are layers: the data path source → model → plan →
 * nft → sync, with config, cli, servers, metrics, explain, host, log, util,
 * conntrack and takeover around it. Each folder may import only the folders
 * its row of {@linkcode LAYERS} names; an import of anything else (a
 * back-edge, e.g. model → plan, or anything → cli) fails this test with the
 * file and line.
 *
 * The table was taken from the imports as they are (no back-edge then).
 */

import assert from "node:assert/strict";
import { listTsFiles, relativeImports } from "../../support/source_scan.ts";

const SRC = new URL("../../../src/", import.meta.url);

/**
 * What each folder may import besides itself: a folder name, or one file
 * (`model/kube_types.ts`) when a folder may use only that part of another.
 */
const LAYERS: Readonly<Record<string, readonly string[]>> = {
  // Leaves: imported by anyone, import nothing of the project.
  util: [],
  log: [],
  // The data path, in order.
  // Sources hold raw objects: they know the object shapes, never the readers.
  source: ["model/kube_types.ts", "util", "log"],
  model: ["util", "log"],
  plan: ["model", "util", "log"],
  nft: ["model", "host", "util", "log"],
  sync: ["source", "model", "plan", "nft", "util", "log"],
  // Around the data path.
  host: ["model", "util", "log"],
  conntrack: ["host", "model", "util", "log"],
  takeover: ["nft", "host", "model", "util", "log"],
  explain: ["source", "model", "plan", "util", "log"],
  metrics: ["util", "log"],
  servers: ["config/host_port.ts", "metrics", "model", "util", "log"],
  config: ["plan", "model", "host", "util", "log"],
  // The commands wire everything together; nothing imports them.
  cli: [
    "config",
    "conntrack",
    "explain",
    "host",
    "log",
    "metrics",
    "model",
    "nft",
    "plan",
    "servers",
    "source",
    "sync",
    "takeover",
    "util",
  ],
};

/** An import between two modules of `src/`, both as paths relative to `src/`. */
interface Edge {
  from: string;
  to: string;
  line: number;
}

/** The folder (layer) of a path relative to `src/`: its first segment, or `(root)`. */
function layerOf(path: string): string {
  const slash = path.indexOf("/");
  return slash < 0 ? "(root)" : path.slice(0, slash);
}

/** The edges that `layers` does not allow, as readable lines. */
function backEdges(edges: Edge[], layers: Readonly<Record<string, readonly string[]>>): string[] {
  const bad: string[] = [];
  for (const { from, to, line } of edges) {
    const a = layerOf(from), b = layerOf(to);
    if (a === b) continue;
    const allowed = layers[a] ?? [];
    if (allowed.includes(b) || allowed.includes(to)) continue;
    bad.push(`src/${from}:${line} imports src/${to} (${a} may import: ${allowed.join(", ")})`);
  }
  return bad;
}

async function srcEdges(): Promise<Edge[]> {
  const edges: Edge[] = [];
  for (const from of await listTsFiles(SRC.pathname)) {
    const text = await Deno.readTextFile(new URL(from, SRC));
    for (const { specifier, line } of relativeImports(text)) {
      const to = new URL(specifier, new URL(from, SRC)).pathname.slice(SRC.pathname.length);
      edges.push({ from, to, line });
    }
  }
  return edges;
}

Deno.test("every folder under src/ imports only the layers its row allows (no back-edges)", async () => {
  const edges = await srcEdges();
  assert.ok(edges.length > 300, `only ${edges.length} imports found: the scanner is broken`);
  assert.deepEqual(backEdges(edges, LAYERS), []);
});

Deno.test("the layer table names every folder of src/, and only those", async () => {
  const folders = new Set((await listTsFiles(SRC.pathname)).map(layerOf));
  assert.deepEqual([...folders].sort(), Object.keys(LAYERS).sort());
});

Deno.test("the data path runs one way: source → model → plan → nft → sync", () => {
  const path = ["source", "model", "plan", "nft", "sync"];
  for (const [i, layer] of path.entries()) {
    const later = path.slice(i + 1);
    const wholeFolders = LAYERS[layer].filter((x) => !x.endsWith(".ts"));
    assert.deepEqual(
      wholeFolders.filter((x) => later.includes(x)),
      [],
      `${layer} imports a later step`,
    );
  }
  // The one exception: sources store objects, so they know the object shapes (and nothing else).
  assert.deepEqual(LAYERS.source.filter((x) => layerOf(x) === "model"), ["model/kube_types.ts"]);
  assert.deepEqual(
    Object.entries(LAYERS).filter(([, allowed]) => allowed.includes("cli")).map(([l]) => l),
    [],
    "nothing imports cli",
  );
});

Deno.test("backEdges() reports an import against the data path with file, line and the allowed layers", () => {
  const edges: Edge[] = [
    { from: "model/ip.ts", to: "plan/nft_vocabulary.ts", line: 3 },
    { from: "plan/names.ts", to: "model/ip.ts", line: 9 },
    { from: "source/cluster_state.ts", to: "model/kube_types.ts", line: 9 },
    { from: "source/cluster_state.ts", to: "model/service_port.ts", line: 10 },
    { from: "sync/proxier.ts", to: "cli/run_proxy.ts", line: 12 },
  ];
  assert.deepEqual(backEdges(edges, LAYERS), [
    "src/model/ip.ts:3 imports src/plan/nft_vocabulary.ts (model may import: util, log)",
    "src/source/cluster_state.ts:10 imports src/model/service_port.ts " +
    "(source may import: model/kube_types.ts, util, log)",
    "src/sync/proxier.ts:12 imports src/cli/run_proxy.ts " +
    "(sync may import: source, model, plan, nft, util, log)",
  ]);
});
