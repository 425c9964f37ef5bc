/**
 * `--cleanup`: deletes the proxy's tables in both families, and nothing else.
 * Running it when the tables are gone is not an error.
 *
 * @module
 */

import type { NftRunner } from "./nft_runner.ts";
import { listTables } from "./kernel_objects.ts";

/**
 * Deletes `ip TABLE` and `ip6 TABLE` if present; returns the tables deleted.
 *
 * @example Remove the proxy's tables from a ruleset, and nothing else
 * ```ts
 * import assert from "node:assert/strict";
 * import { cleanupTables } from "./cleanup.ts";
 * import { FakeNftRunner } from "./fake_nft_runner.ts";
 *
 * const runner = new FakeNftRunner(); // on a node: openNftRunner().runner (as root)
 * await runner.apply(
 *   "add table ip kube-nft-proxy\nadd table ip6 kube-nft-proxy\nadd table ip filter\n",
 * );
 * assert.deepEqual(await cleanupTables(runner, "kube-nft-proxy"), [
 *   "ip kube-nft-proxy",
 *   "ip6 kube-nft-proxy",
 * ]);
 * assert.deepEqual(runner.tableNames(), ["ip filter"]);
 * // Nothing left: not an error.
 * assert.deepEqual(await cleanupTables(runner, "kube-nft-proxy"), []);
 * ```
 */
export async function cleanupTables(runner: NftRunner, table: string): Promise<string[]> {
  const present = await listTables(runner);
  const deleted: string[] = [];
  for (const family of ["ip", "ip6"]) {
    if (present.has(`${family} ${table}`)) {
      await runner.apply(`delete table ${family} ${table}\n`);
      deleted.push(`${family} ${table}`);
    }
  }
  return deleted;
}
