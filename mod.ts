/**
 * kube-nft-proxy as a library: the pieces of a Kubernetes node service proxy
 * whose dataplane is nftables, for embedding (e.g. in minimal node images or
 * tools that render or explain service rules).
 *
 * The data path, in order (each step is a folder of `src/` with its own
 * `mod.ts`):
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
 * @example Render the full nft script of a cluster held in memory
 * ```ts
 * import assert from "node:assert/strict";
 * import {
 *   ClusterState,
 *   configFromFlags,
 *   type EndpointSlice,
 *   ExecNftRunner,
 *   Proxier,
 *   proxySettingsFrom,
 *   type Service,
 *   silentLogger,
 * } from "./mod.ts";
 *
 * const service: Service = {
 *   metadata: { namespace: "default", name: "web" },
 *   spec: { clusterIP: "10.96.0.10", ports: [{ name: "http", port: 80 }] },
 * };
 * const slice: EndpointSlice = {
 *   metadata: {
 *     namespace: "default",
 *     name: "web-abc12",
 *     labels: { "kubernetes.io/service-name": "web" },
 *   },
 *   addressType: "IPv4",
 *   ports: [{ name: "http", port: 8080 }],
 *   endpoints: [{ addresses: ["10.244.1.5"], conditions: { ready: true } }],
 * };
 * const state = new ClusterState();
 * state.upsert("Service", service);
 * state.upsert("EndpointSlice", slice);
 * const config = configFromFlags(["--hostname-override=worker-0", "--cluster-cidr=10.244.0.0/16"]);
 * // prepare() only renders; a sync would apply the script with the runner (as root).
 * const proxier = new Proxier({
 *   state,
 *   settings: proxySettingsFrom(config),
 *   runner: new ExecNftRunner(),
 *   logger: silentLogger,
 * });
 * const { script, kind } = proxier.prepare();
 * assert.equal(kind, "full");
 * assert.match(script.text, /10\.96\.0\.10 \. tcp \. 80/);
 * assert.match(script.text, /10\.244\.1\.5 \. 8080/);
 * proxier.tracker.close();
 * ```
 *
 * @module
 */

export {
  type ApiServerSource,
  ClusterState,
  loadClientConfig,
  loadManifestsInto,
  ManifestError,
  type ObjectChange,
  objectKey,
  type ObjectKind,
  readManifests,
  startApiServerSource,
  startManifestSource,
} from "./src/source/mod.ts";
export {
  type CategorizedEndpoints,
  categorizeEndpoints,
  type Cidr,
  type EndpointInfo,
  type IpAddr,
  mergeEndpointSlices,
  parseCidr,
  parseIp,
  readService,
  type ServicePortInfo,
  tryParseCidr,
  tryParseIp,
} from "./src/model/mod.ts";
export type {
  EndpointPortSpec,
  EndpointSlice,
  EndpointSpec,
  KubeObject,
  Node,
  ObjectMeta,
  Service,
  ServiceCIDR,
  ServicePortSpec,
} from "./src/model/mod.ts";
export { familyContexts, type ProxySettings, RulesetPlan, type Script } from "./src/plan/mod.ts";
export { Proxier, SyncLoop, type SyncResult } from "./src/sync/mod.ts";
export {
  cleanupTables,
  ExecNftRunner,
  LibNftablesRunner,
  NftError,
  type NftRunner,
  openNftRunner,
} from "./src/nft/mod.ts";
export { explainPacket, type Explanation, formatExplanation } from "./src/explain/mod.ts";
export { Logger, silentLogger } from "./src/log/mod.ts";
export {
  ConfigError,
  configFromFlags,
  type ProxyConfig,
  proxySettingsFrom,
  resolveConfig,
  type ResolvedConfig,
} from "./src/config/mod.ts";
