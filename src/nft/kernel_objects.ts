/**
 * Reads which chains, sets and maps a table holds from nft's terse listings
 * (`nft list chains`, `nft -t list sets`, `nft -t list maps`), without their
 * rules or elements: cheap even for a table with hundreds of thousands of
 * elements. Used to take over the table a previous run left behind.
 *
 * @module
 */

import type { NftRunner } from "./nft_runner.ts";

/** An object of a table, by kind. */
export type KernelObjectKind = "chain" | "set" | "map";

/** Parses listings into the objects of table `family table`: name → kind. */
export function parseTableObjects(
  listing: string,
  family: "ip" | "ip6",
  table: string,
): Map<string, KernelObjectKind> {
  const out = new Map<string, KernelObjectKind>();
  let inTable = false;
  for (const raw of listing.split("\n")) {
    const line = raw.trim();
    const t = /^table (\S+) (\S+) \{$/.exec(line);
    if (t) {
      inTable = t[1] === family && t[2] === table;
      continue;
    }
    if (!inTable) continue;
    const o = /^(chain|set|map) (\S+) \{/.exec(line);
    if (o) out.set(o[2], o[1] as KernelObjectKind);
  }
  return out;
}

/** The tables present, as `family name` strings. */
export async function listTables(runner: NftRunner): Promise<Set<string>> {
  const text = await runner.run(["list", "tables"]);
  const out = new Set<string>();
  for (const line of text.split("\n")) {
    const m = /^table (\S+) (\S+)$/.exec(line.trim());
    if (m) out.add(`${m[1]} ${m[2]}`);
  }
  return out;
}

/** The objects of `family table`, or undefined when the table does not exist. */
export async function tableObjects(
  runner: NftRunner,
  family: "ip" | "ip6",
  table: string,
): Promise<Map<string, KernelObjectKind> | undefined> {
  const tables = await listTables(runner);
  if (!tables.has(`${family} ${table}`)) return undefined;
  const listing = [
    await runner.run(["list", "chains", family]),
    await runner.run(["-t", "list", "sets", family]),
    await runner.run(["-t", "list", "maps", family]),
  ].join("\n");
  return parseTableObjects(listing, family, table);
}
