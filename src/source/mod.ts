/**
 * Sources: where the Kubernetes objects come from. Both fill one
 * {@linkcode ClusterState} (the latest Services, EndpointSlices, this
 * node's Node and the ServiceCIDRs, with change notification):
 *
 * - the API server ({@linkcode startApiServerSource}: list and watch on
 *   Deno's native fetch, relist on 410, reconnect with backoff);
 * - manifest files ({@linkcode loadManifestsInto},
 *   {@linkcode startManifestSource}).
 *
 * @module
 */

export {
  type ChangeListener,
  ClusterState,
  OBJECT_KINDS,
  type ObjectChange,
  objectKey,
  type ObjectKind,
} from "./cluster_state.ts";
export * from "./apiserver/mod.ts";
export * from "./manifests/mod.ts";
