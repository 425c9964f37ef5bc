/**
 * The API-server source: one reflector per watched kind (Services,
 * EndpointSlices, this node's Node, ServiceCIDRs) writing into
 * {@linkcode ClusterState}.
 *
 * @module
 */

import type { ClusterState, ObjectKind } from "../cluster_state.ts";
import { HEADLESS_LABEL, SERVICE_PROXY_NAME_LABEL } from "../../model/kube_types.ts";
import type { Logger } from "../../log/logger.ts";
import { ApiClient } from "./api_client.ts";
import type { BackoffOptions } from "../../util/backoff.ts";
import { type ClientConfig, loadClientConfig } from "./client_config.ts";
import { Reflector, type ReflectorStatus } from "./reflector.ts";

/** Options of {@linkcode startApiServerSource}. */
export interface ApiServerSourceOptions {
  /** kubeconfig file; without it (and without `master`) the in-cluster service account is used. */
  kubeconfigPath?: string;
  /** Overrides the server URL. */
  master?: string;
  /** This node's name; its Node object is watched. */
  nodeName: string;
  state: ClusterState;
  logger: Logger;
  /** Server-side watch timeout. @default random 5-10 min per watch */
  watchTimeoutSeconds?: number;
  /** A ready configuration; skips loading from `kubeconfigPath`/`master`. */
  clientConfig?: ClientConfig;
  /** Reconnect backoff. @default 0.5 s doubling to 30 s */
  backoff?: BackoffOptions;
  /** A watch still open this long past its timeout is aborted. @default 30000 */
  watchGraceMs?: number;
}

/** Health of the source. */
export interface ApiServerSourceStatus {
  server: string;
  kinds: Record<ObjectKind, ReflectorStatus>;
}

/** A running API-server source. */
export interface ApiServerSource {
  /** Resolves when every kind has completed its first list. */
  readonly synced: Promise<void>;
  /** Stops every watch; the state keeps its last contents. */
  stop(): Promise<void>;
  /** Per-kind connection and error status. */
  status(): ApiServerSourceStatus;
}

interface WatchedKind {
  kind: ObjectKind;
  path: string;
  labelSelector?: string;
  fieldSelector?: string;
  optional?: boolean;
}

/** The collections kube-proxy watches, with its selectors. */
export function watchedKinds(nodeName: string): WatchedKind[] {
  return [
    // As upstream: Services another proxy owns and headless Services are not even listed.
    {
      kind: "Service",
      path: "/api/v1/services",
      labelSelector: `!${SERVICE_PROXY_NAME_LABEL},!${HEADLESS_LABEL}`,
    },
    {
      kind: "EndpointSlice",
      path: "/apis/discovery.k8s.io/v1/endpointslices",
      labelSelector: `!${HEADLESS_LABEL},!${SERVICE_PROXY_NAME_LABEL}`,
    },
    { kind: "Node", path: "/api/v1/nodes", fieldSelector: `metadata.name=${nodeName}` },
    { kind: "ServiceCIDR", path: "/apis/networking.k8s.io/v1/servicecidrs", optional: true },
  ];
}

/**
 * Loads the client configuration and starts listing and watching.
 *
 * @throws {KubeConfigError} when the configuration cannot be used.
 * @throws {TypeError} when `nodeName` is empty.
 *
 * @example Follow the cluster for this node (needs an API server: not run here)
 * ```ts
 * import { ClusterState } from "../cluster_state.ts";
 * import { Logger } from "../../log/logger.ts";
 * import { startApiServerSource } from "./source.ts";
 *
 * async function follow(kubeconfigPath: string): Promise<ClusterState> {
 *   const state = new ClusterState();
 *   const source = startApiServerSource({
 *     kubeconfigPath,
 *     nodeName: "worker-0",
 *     state,
 *     logger: new Logger({ verbosity: 2 }),
 *   });
 *   await source.synced; // every kind listed once; watches keep the state current
 *   console.log(source.status().kinds.Service.resourceVersion);
 *   return state;
 * }
 * ```
 */
export function startApiServerSource(options: ApiServerSourceOptions): ApiServerSource {
  if (typeof options.nodeName !== "string" || options.nodeName.trim() === "") {
    throw new TypeError("startApiServerSource: 'nodeName' must be a non-empty string");
  }
  if (!options.state) throw new TypeError("startApiServerSource: 'state' is required");
  const { logger } = options;
  const config = options.clientConfig ??
    loadClientConfig({ kubeconfigPath: options.kubeconfigPath, master: options.master });
  for (const w of config.warnings) logger.warn(w, { origin: config.origin });
  const client = new ApiClient(config);
  logger.info("Watching the API server", { server: config.server, origin: config.origin });
  const reflectors = watchedKinds(options.nodeName).map((w) =>
    new Reflector({
      ...w,
      client,
      state: options.state,
      logger,
      watchTimeoutSeconds: options.watchTimeoutSeconds,
      watchGraceMs: options.watchGraceMs,
      backoff: options.backoff,
    })
  );
  for (const r of reflectors) r.start();
  let stopping: Promise<void> | undefined;
  return {
    synced: Promise.all(reflectors.map((r) => r.synced)).then(() => {}),
    stop() {
      stopping ??= Promise.all(reflectors.map((r) => r.stop())).then(() => client.close());
      return stopping;
    },
    status() {
      const kinds = {} as Record<ObjectKind, ReflectorStatus>;
      for (const r of reflectors) {
        const s = r.status();
        kinds[s.kind] = s;
      }
      return { server: config.server, kinds };
    },
  };
}
