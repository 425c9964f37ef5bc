/**
 * Test harness: an HTTPS fake API server requiring a client certificate, a
 * kubeconfig pointing at it, and the API-server source feeding a fresh
 * ClusterState, with fast reconnects.
 *
 * @module
 */

import { ClusterState } from "../../../src/source/cluster_state.ts";
import { Logger } from "../../../src/log/logger.ts";
import {
  type ApiServerSource,
  startApiServerSource,
} from "../../../src/source/apiserver/source.ts";
import { generateTestCerts, type TestCerts, writeKubeconfig } from "../certs.ts";
import { FakeApiServer, type FakeApiServerOptions } from "./server.ts";

/** A running server + source pair. */
export interface Harness {
  server: FakeApiServer;
  source: ApiServerSource;
  state: ClusterState;
  certs: TestCerts;
  kubeconfigPath: string;
  /** Log lines the source printed. */
  logs: string[];
  /** Stops the source and the server and removes the certificates. */
  close(): Promise<void>;
}

/** Options of {@linkcode startHarness}. */
export interface HarnessOptions {
  server?: Omit<FakeApiServerOptions, "tls">;
  /** Called with the server before the source starts (to seed objects). */
  seed?: (server: FakeApiServer) => void;
  nodeName?: string;
  watchTimeoutSeconds?: number;
  /** @default 30000 */
  watchGraceMs?: number;
}

/** Starts the HTTPS fake server, writes a client-cert kubeconfig and starts the source. */
export async function startHarness(opts: HarnessOptions = {}): Promise<Harness> {
  const certs = await generateTestCerts();
  const server = await FakeApiServer.start({
    ...opts.server,
    tls: { cert: certs.serverCert, key: certs.serverKey, clientCa: certs.caCert },
  });
  opts.seed?.(server);
  const kubeconfigPath = `${certs.dir}/kubeconfig`;
  await writeKubeconfig(kubeconfigPath, {
    server: server.url,
    caFile: certs.caCertFile,
    certFile: certs.clientCertFile,
    keyFile: certs.clientKeyFile,
  });
  const logs: string[] = [];
  const state = new ClusterState();
  const source = startApiServerSource({
    kubeconfigPath,
    nodeName: opts.nodeName ?? "node-a",
    state,
    logger: new Logger({ verbosity: 4, write: (l) => logs.push(l) }),
    watchTimeoutSeconds: opts.watchTimeoutSeconds ?? 30,
    watchGraceMs: opts.watchGraceMs,
    backoff: { initialMs: 100, maxMs: 800 },
  });
  return {
    server,
    source,
    state,
    certs,
    kubeconfigPath,
    logs,
    async close() {
      await source.stop();
      await server.stop();
      await certs.cleanup();
    },
  };
}
