/**
 * The API-server source: loads client configuration (kubeconfig, `--master`,
 * in-cluster), then lists and watches Services, EndpointSlices, this node's
 * Node and ServiceCIDRs into a {@linkcode ClusterState} with Deno's native
 * fetch, relisting on 410 and reconnecting with backoff on any failure.
 *
 * @module
 */

export {
  type ApiServerSource,
  type ApiServerSourceOptions,
  type ApiServerSourceStatus,
  startApiServerSource,
  watchedKinds,
} from "./source.ts";
export {
  type ClientConfig,
  loadClientConfig,
  type LoadClientConfigOptions,
} from "./client_config.ts";
export { ApiStatusError, KubeConfigError, WatchDecodeError, WatchStalledError } from "./errors.ts";
export { Reflector, type ReflectorOptions, type ReflectorStatus } from "./reflector.ts";
export { ApiClient } from "./api_client.ts";
