/**
 * Taking over a node from upstream kube-proxy: the first full sync also
 * deletes upstream's nftables tables (`ip kube-proxy`, `ip6 kube-proxy`) in
 * the families where this proxy's NAT is installed, in the same transaction,
 * and upstream's iptables chains are removed afterwards. Other tables and
 * chains are never touched.
 *
 * @module
 */

export {
  type FlavourResult,
  IPTABLES_FLAVOURS,
  type IptablesCleanupOptions,
  removeIptablesLeftovers,
} from "./iptables_cleanup.ts";
export {
  type IptablesCleanupPlan,
  KUBE_PROXY_CHAIN_PREFIXES,
  KUBE_PROXY_CHAINS,
  parseIptablesSave,
  planIptablesCleanup,
  type SavedTable,
} from "./iptables_leftovers.ts";
export { TakeoverNftRunner, type TakeoverNftRunnerOptions } from "./takeover_runner.ts";
export {
  familiesWithOwnNat,
  listedTables,
  UPSTREAM_NFT_TABLE,
  type UpstreamFamily,
  type UpstreamTableRemoval,
  upstreamTableRemoval,
  type UpstreamTableRemovalOptions,
} from "./upstream_nft_tables.ts";
