import assert from "node:assert/strict";
import { CoreV1Api, KubeConfig, makeInformer, type V1Service } from "@kubernetes/client-node";
import { FakeApiServer } from "../support/fake_apiserver/server.ts";
import { waitUntil } from "../support/fake_apiserver/wait.ts";
import { generateTestCerts, writeKubeconfig } from "../support/certs.ts";

Deno.test({
  name: "FakeApiServer speaks list+watch the way client-node's makeInformer uses it, over mTLS",
  async fn() {
    const certs = await generateTestCerts();
    const server = await FakeApiServer.start({
      tls: { cert: certs.serverCert, key: certs.serverKey, clientCa: certs.caCert },
    });
    const kubeconfig = `${certs.dir}/kubeconfig`;
    await writeKubeconfig(kubeconfig, {
      server: server.url,
      caFile: certs.caCertFile,
      certFile: certs.clientCertFile,
      keyFile: certs.clientKeyFile,
    });
    server.upsert("Service", { metadata: { name: "web", namespace: "default" } });
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfig);
    const api = kc.makeApiClient(CoreV1Api);
    const informer = makeInformer<V1Service>(
      kc,
      "/api/v1/services",
      () => api.listServiceForAllNamespaces(),
    );
    const added: string[] = [];
    const updated: string[] = [];
    const deleted: string[] = [];
    informer.on("add", (o) => added.push(o.metadata!.name!));
    informer.on("update", (o) => updated.push(o.metadata!.name!));
    informer.on("delete", (o) => deleted.push(o.metadata!.name!));
    try {
      await informer.start();
      await waitUntil(() => added.includes("web"), 3000, "initial list");
      await waitUntil(() => server.openWatches.length === 1, 3000, "informer watch");
      server.upsert("Service", { metadata: { name: "api", namespace: "default" } });
      await waitUntil(() => added.includes("api"), 3000, "ADDED via watch");
      server.upsert("Service", {
        metadata: { name: "api", namespace: "default", labels: { a: "b" } },
      });
      await waitUntil(() => updated.includes("api"), 3000, "MODIFIED via watch");
      server.delete("Service", "default/web");
      await waitUntil(() => deleted.includes("web"), 3000, "DELETED via watch");
      const watch = server.requests.find((r) => r.watch)!;
      assert.equal(watch.clientCN, "system:kube-proxy");
      assert.ok(watch.query.resourceVersion, "watch resumes from the list's resourceVersion");
      assert.ok(server.requests.every((r) => r.status === 200));
    } finally {
      await informer.stop();
      await server.stop();
      await certs.cleanup();
    }
  },
});
