/**
 * `--cleanup`: deletes the proxy's tables in both families, and nothing else.
 * Running it when the tables are gone is not an error.
 *
 * @module
 */

import type { NftRunner } from "./nft_runner.ts";

/** Deletes `ip TABLE` and `ip6 TABLE` if present; returns the tables deleted. */
export async function cleanupTables(runner: NftRunner, table: string): Promise<string[]> {
  const listing = await runner.run(["list", "tables"]);
  const present = new Set(
    listing.split("\n").map((l) => l.trim()).filter((l) => l.startsWith("table ")),
  );
  const deleted: string[] = [];
  for (const family of ["ip", "ip6"]) {
    if (present.has(`table ${family} ${table}`)) {
      await runner.apply(`delete table ${family} ${table}\n`);
      deleted.push(`${family} ${table}`);
    }
  }
  return deleted;
}
