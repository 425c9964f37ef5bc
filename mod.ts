/**
 * kube-nft-proxy as a library: the pieces of a Kubernetes node service proxy
 * whose dataplane is nftables, for embedding (e.g. in minimal node images or
 * tools that render or explain service rules).
 *
 * The data path, in order:
 * - sources fill a {@linkcode ClusterState}: {@linkcode startApiServerSource}
 *   (list/watch with client certificates or tokens) or
 *   {@linkcode loadManifestsInto} / {@linkcode startManifestSource};
 * - the model reads objects: {@linkcode readService},
 *   {@linkcode mergeEndpointSlices}, {@linkcode categorizeEndpoints};
 * - the plan renders nft: {@linkcode RulesetPlan} (full and partial scripts);
 * - the {@linkcode Proxier} ties them together and applies scripts with an
 *   {@linkcode NftRunner} such as {@linkcode ExecNftRunner}; a
 *   {@linkcode SyncLoop} schedules syncs.
 *
 * ```ts
 * import { ClusterState, loadManifestsInto, Proxier, silentLogger } from "./mod.ts";
 * const state = new ClusterState();
 * await loadManifestsInto("./cluster.yaml", state);
 * const proxier = new Proxier({ state, logger: silentLogger, runner: myRunner, settings });
 * console.log(proxier.prepare().script.text); // the full nft script
 * ```
 *
 * @module
 */

export {
  ClusterState,
  type ObjectChange,
  objectKey,
  type ObjectKind,
} from "./src/source/cluster_state.ts";
export {
  type ApiServerSource,
  loadClientConfig,
  startApiServerSource,
} from "./src/source/apiserver/mod.ts";
export { loadManifestsInto, startManifestSource } from "./src/source/manifests/manifest_source.ts";
export { ManifestError, readManifests } from "./src/source/manifests/read_manifests.ts";
export { readService, type ServicePortInfo } from "./src/model/service_port.ts";
export { type EndpointInfo, mergeEndpointSlices } from "./src/model/endpoints.ts";
export { type CategorizedEndpoints, categorizeEndpoints } from "./src/model/categorize.ts";
export {
  type Cidr,
  type IpAddr,
  parseCidr,
  parseIp,
  tryParseCidr,
  tryParseIp,
} from "./src/model/ip.ts";
export type * from "./src/model/kube_types.ts";
export { RulesetPlan, type Script } from "./src/plan/ruleset_plan.ts";
export { familyContexts, type ProxySettings } from "./src/plan/proxy_settings.ts";
export { Proxier, type SyncResult } from "./src/sync/proxier.ts";
export { SyncLoop } from "./src/sync/sync_loop.ts";
export { NftError, type NftRunner } from "./src/nft/nft_runner.ts";
export { ExecNftRunner } from "./src/nft/exec_nft_runner.ts";
export { LibNftablesRunner } from "./src/nft/libnftables_runner.ts";
export { openNftRunner } from "./src/nft/open_runner.ts";
export { cleanupTables } from "./src/nft/cleanup.ts";
export {
  explainPacket,
  type Explanation,
  formatExplanation,
} from "./src/explain/explain_packet.ts";
export { Logger, silentLogger } from "./src/log/logger.ts";
export {
  configFromFlags,
  resolveConfig,
  type ResolvedConfig,
} from "./src/config/resolve_config.ts";
export type { ProxyConfig } from "./src/config/proxy_config.ts";
export { proxySettingsFrom } from "./src/config/proxy_settings_from.ts";
export { ConfigError } from "./src/config/config_error.ts";
