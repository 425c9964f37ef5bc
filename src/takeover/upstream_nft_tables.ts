/**
 * Upstream kube-proxy's nftables-mode leftovers: the tables `ip kube-proxy`
 * and `ip6 kube-proxy` (what its `CleanupLeftovers` deletes). They keep
 * DNATing until removed, so the proxy removes them in the SAME transaction
 * that installs its own table: at no moment does a family lack a NAT rule,
 * which established connections need (their replies are un-NATed by the
 * kernel only while some NAT chain of the family is hooked).
 *
 * Pure: it reads `nft list chains` output (every table's header; nft 1.0.6
 * fetches every element for `nft list tables`) and returns script text, so both
 * the `nft -f` path and libnftables can use it.
 *
 * @module
 */

/** The name of upstream kube-proxy's nftables tables. */
export const UPSTREAM_NFT_TABLE = "kube-proxy";

/** nft families upstream's nftables mode uses. */
export type UpstreamFamily = "ip" | "ip6";

/** What to remove, and the script lines that do it. */
export interface UpstreamTableRemoval {
  /** `family name` of each table to delete, e.g. `ip kube-proxy`. */
  tables: string[];
  /** nft commands (one transaction's worth), "" when there is nothing to do. */
  script: string;
}

/** The `family name` of every table in `nft list chains` (or `list tables`) output. */
export function listedTables(listing: string): Set<string> {
  const out = new Set<string>();
  for (const line of listing.split("\n")) {
    const m = /^\s*table\s+(\S+)\s+(\S+)/.exec(line);
    if (m) out.add(`${m[1]} ${m[2]}`);
  }
  return out;
}

/** Options of {@linkcode upstreamTableRemoval}. */
export interface UpstreamTableRemovalOptions {
  /**
   * Families in which the same transaction installs the proxy's own NAT chains; upstream's
   * table is removed only there. @default ["ip", "ip6"]
   */
  families?: readonly UpstreamFamily[];
  /** The proxy's own table name: never removed, even if it is "kube-proxy". */
  ownTable?: string;
}

/**
 * The commands that delete upstream's tables present in `listing` (`nft list chains`).
 * Each deletion is written `add table` + `delete table`, so the transaction still
 * succeeds if the table vanished after the listing.
 */
export function upstreamTableRemoval(
  listing: string,
  options: UpstreamTableRemovalOptions = {},
): UpstreamTableRemoval {
  if (options.ownTable === UPSTREAM_NFT_TABLE) return { tables: [], script: "" };
  const present = listedTables(listing);
  const tables: string[] = [];
  const lines: string[] = [];
  for (const family of options.families ?? ["ip", "ip6"]) {
    const t = `${family} ${UPSTREAM_NFT_TABLE}`;
    if (!present.has(t)) continue;
    tables.push(t);
    lines.push(`add table ${t}`, `delete table ${t}`);
  }
  return { tables, script: lines.length > 0 ? lines.join("\n") + "\n" : "" };
}

/**
 * The families whose own table `script` (re)defines with a NAT base chain: the families
 * in which removing upstream's table in the same transaction keeps a NAT rule in place.
 */
export function familiesWithOwnNat(script: string, ownTable: string): UpstreamFamily[] {
  const out: UpstreamFamily[] = [];
  const text = "\n" + script;
  for (const family of ["ip", "ip6"] as const) {
    const start = text.indexOf(`\ntable ${family} ${ownTable} {`);
    if (start < 0) continue;
    const end = text.indexOf("\n}", start);
    if (/type nat hook/.test(text.slice(start, end < 0 ? undefined : end))) out.push(family);
  }
  return out;
}
