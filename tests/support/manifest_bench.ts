/**
 * Measures reading manifests: the manifest source's full read
 * (`loadManifestsInto`: files, YAML, checks, cluster state) and, with
 * `--parsers`, each YAML reader alone on the same text: the `yaml` package's
 * `parseAllDocuments`, js-yaml's `loadAll`, and the split + fast block reader
 * used here. Each measure runs in its own process; medians of `--runs`.
 *
 * ```sh
 * deno run -A tests/support/cluster_manifests.ts --services 10000 --out /tmp/cluster.yaml
 * deno run -A tests/support/manifest_bench.ts /tmp/cluster.yaml --parsers
 * ```
 *
 * @module
 */

import { parseArgs } from "node:util";
import process from "node:process";
import { parseAllDocuments } from "yaml";
// @ts-types="@types/js-yaml"
import yaml from "js-yaml";
import { ClusterState } from "../../src/source/cluster_state.ts";
import { loadManifestsInto } from "../../src/source/manifests/manifest_source.ts";
import { parseYamlDocuments } from "../../src/source/manifests/yaml_documents.ts";
import { MANIFEST_SCHEMA } from "../../src/source/manifests/block_yaml.ts";

const MEASURES: Record<string, (path: string) => Promise<unknown>> = {
  "loadManifestsInto": (path) => loadManifestsInto(path, new ClusterState()),
  "yaml parseAllDocuments": async (path) => {
    const docs = parseAllDocuments(await Deno.readTextFile(path));
    return (Array.isArray(docs) ? docs : [docs]).map((d) => d.toJS());
  },
  "js-yaml loadAll": async (path) =>
    yaml.loadAll(await Deno.readTextFile(path), null, { schema: MANIFEST_SCHEMA }),
  "split + block reader": async (path) => parseYamlDocuments(path, await Deno.readTextFile(path)),
};

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Runs one measure `runs` times in this process; prints `{wall, cpu}` medians as JSON. */
async function measure(name: string, path: string, runs: number): Promise<void> {
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < runs; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await MEASURES[name](path);
    wall.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  console.log(JSON.stringify({ wall: median(wall), cpu: median(cpu), runs: wall }));
}

if (import.meta.main) {
  const { values, positionals } = parseArgs({
    args: Deno.args,
    allowPositionals: true,
    options: {
      runs: { type: "string", default: "5" },
      parsers: { type: "boolean", default: false },
      only: { type: "string" },
    },
  });
  const [path] = positionals;
  const runs = Number(values.runs);
  if (!path) {
    console.error("usage: manifest_bench.ts FILE_OR_DIR [--runs N] [--parsers]");
    Deno.exit(2);
  }
  if (values.only) {
    await measure(values.only, path, runs);
  } else {
    const names = values.parsers ? Object.keys(MEASURES) : ["loadManifestsInto"];
    for (const name of names) {
      if (name !== "loadManifestsInto" && (await Deno.stat(path)).isDirectory) continue;
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", import.meta.filename!, path, "--only", name, "--runs", String(runs)],
        stdout: "piped",
      }).output();
      const r = JSON.parse(new TextDecoder().decode(out.stdout).trim().split("\n").pop()!);
      const ms = (x: number) => `${Math.round(x)} ms`;
      console.log(`${name.padEnd(24)} median ${ms(r.wall)} wall, ${ms(r.cpu)} CPU (${runs} runs)`);
    }
  }
}
