/**
 * Upstream kube-proxy's iptables-mode leftovers, read from `iptables-save`
 * output: exactly the chains its `CleanupLeftovers` removes (pkg/proxy/iptables),
 * and the jumps to them from the built-in chains. The kubelet's own `KUBE-*`
 * chains (`KUBE-FIREWALL`, `KUBE-KUBELET-CANARY`, `KUBE-MARK-DROP`, hostport
 * chains, ...) are not on the list and stay.
 *
 * A listed chain that something else still uses (a rule in a chain that
 * stays, e.g. an old kubelet's hostport chain jumping to `KUBE-MARK-MASQ`) is
 * kept, with everything it jumps to: deleting it would make the whole
 * restore fail (upstream's cleanup fails then) or break that user.
 *
 * Pure: text in, `iptables-restore --noflush` text out.
 *
 * @module
 */

/** kube-proxy's fixed chains per table (upstream's CleanupLeftovers lists). */
export const KUBE_PROXY_CHAINS: Readonly<Record<string, readonly string[]>> = {
  nat: [
    "KUBE-SERVICES",
    "KUBE-NODEPORTS",
    "KUBE-POSTROUTING",
    "KUBE-MARK-MASQ",
    "KUBE-PROXY-CANARY",
  ],
  filter: [
    "KUBE-SERVICES",
    "KUBE-EXTERNAL-SERVICES",
    "KUBE-FORWARD",
    "KUBE-NODEPORTS",
    "KUBE-PROXY-FIREWALL",
    "KUBE-PROXY-CANARY",
  ],
  mangle: ["KUBE-PROXY-CANARY"],
};

/** Prefixes of kube-proxy's per-service and per-endpoint chains (nat table). */
export const KUBE_PROXY_CHAIN_PREFIXES: readonly string[] = [
  "KUBE-SVC-",
  "KUBE-SVL-",
  "KUBE-SEP-",
  "KUBE-FW-",
  "KUBE-EXT-",
  "KUBE-XLB-", // before 1.24
];

const BUILTIN = new Set(["PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"]);

/** One table of an `iptables-save` dump. */
export interface SavedTable {
  name: string;
  chains: string[];
  /** `-A CHAIN ...` lines, in order. */
  rules: { chain: string; line: string; targets: string[] }[];
}

/** Splits `iptables-save` output into tables. Comments and counters are ignored. */
export function parseIptablesSave(text: string): SavedTable[] {
  const tables: SavedTable[] = [];
  let cur: SavedTable | undefined;
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    if (line.startsWith("*")) tables.push(cur = { name: line.slice(1), chains: [], rules: [] });
    else if (!cur) continue;
    else if (line.startsWith(":")) cur.chains.push(line.slice(1).split(/\s+/)[0]);
    else if (line.startsWith("-A ")) {
      const chain = line.split(/\s+/)[1];
      const targets = [...line.matchAll(/\s-[jg]\s+(\S+)/g)].map((m) => m[1]);
      cur.rules.push({ chain, line, targets });
    } else if (line === "COMMIT") cur = undefined;
  }
  return tables;
}

function isKubeProxyChain(table: string, chain: string): boolean {
  if (KUBE_PROXY_CHAINS[table]?.includes(chain)) return true;
  return table === "nat" && KUBE_PROXY_CHAIN_PREFIXES.some((p) => chain.startsWith(p));
}

/** The cleanup of one dump. */
export interface IptablesCleanupPlan {
  /** `iptables-restore --noflush` input; "" when there is nothing to remove. */
  restore: string;
  /** `table/CHAIN` removed. */
  removedChains: string[];
  /** Jump rules removed from built-in chains. */
  removedJumps: number;
  /** `table/CHAIN` of kube-proxy that stay because a remaining rule uses them. */
  kept: string[];
}

/** Plans the removal of kube-proxy's chains and jumps from an `iptables-save` dump. */
export function planIptablesCleanup(saveOutput: string): IptablesCleanupPlan {
  const plan: IptablesCleanupPlan = { restore: "", removedChains: [], removedJumps: 0, kept: [] };
  const sections: string[] = [];
  for (const t of parseIptablesSave(saveOutput)) {
    const remove = new Set(t.chains.filter((c) => isKubeProxyChain(t.name, c)));
    if (remove.size === 0) continue;
    // Keep what a remaining non-built-in chain still jumps to, until nothing changes.
    for (let changed = true; changed;) {
      changed = false;
      for (const r of t.rules) {
        if (BUILTIN.has(r.chain) || remove.has(r.chain)) continue;
        for (const target of r.targets) {
          if (remove.delete(target)) changed = true;
        }
      }
    }
    for (const c of t.chains) {
      if (isKubeProxyChain(t.name, c) && !remove.has(c)) plan.kept.push(`${t.name}/${c}`);
    }
    if (remove.size === 0) continue;
    const jumps = t.rules.filter((r) =>
      BUILTIN.has(r.chain) && r.targets.some((x) => remove.has(x))
    );
    const chains = t.chains.filter((c) => remove.has(c));
    sections.push(
      `*${t.name}`,
      ...chains.map((c) => `:${c} - [0:0]`), // declaring a chain with --noflush flushes it
      ...jumps.map((r) => r.line.replace(/^-A /, "-D ")),
      ...chains.map((c) => `-X ${c}`),
      "COMMIT",
    );
    plan.removedJumps += jumps.length;
    plan.removedChains.push(...chains.map((c) => `${t.name}/${c}`));
  }
  plan.restore = sections.length > 0 ? sections.join("\n") + "\n" : "";
  return plan;
}
