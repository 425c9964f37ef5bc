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

/**
 * The tables present, as `family name` strings, read from `nft list chains`
 * (every table's header, empty tables too) rather than `nft list tables`,
 * which nft 1.0.6 answers only after fetching every element.
 */
export async function listTables(runner: NftRunner): Promise<Set<string>> {
  const text = await runner.run(["list", "chains"]);
  const out = new Set<string>();
  for (const line of text.split("\n")) {
    const m = /^table (\S+) (\S+) \{$/.exec(line.trim());
    if (m) out.add(`${m[1]} ${m[2]}`);
  }
  return out;
}

/** Whether a listing holds the header `table family table {`. */
function hasTable(listing: string, family: "ip" | "ip6", table: string): boolean {
  return listing.split("\n").some((line) => line.trim() === `table ${family} ${table} {`);
}

/**
 * The objects of `family table`, or undefined when the table does not exist.
 * Existence comes from `nft list chains`, which prints every table's header
 * (empty ones too): nft 1.0.6 answers `nft list tables` only after fetching
 * every element of every set, 1.8 s for a 10k-Service table, where the
 * listings used here take milliseconds.
 */
export async function tableObjects(
  runner: NftRunner,
  family: "ip" | "ip6",
  table: string,
): Promise<Map<string, KernelObjectKind> | undefined> {
  const chains = await runner.run(["list", "chains", family]);
  if (!hasTable(chains, family, table)) return undefined;
  const listing = [
    chains,
    await runner.run(["-t", "list", "sets", family]),
    await runner.run(["-t", "list", "maps", family]),
  ].join("\n");
  return parseTableObjects(listing, family, table);
}
