/**
 * The proxy against the test API server, over HTTPS with a client
 * certificate, with real packets: the dataplane follows API changes, also
 * after the watch connections are cut (TCP FIN, TCP RST, TLS close) and after
 * a 410 relist that missed a deletion; while the API server is down, the last
 * rules stay.
 */

import { strict as assert } from "node:assert";
import { summarize, Topology } from "../support/netns/mod.ts";
import { endpointSlice, node, service } from "../support/cluster_objects.ts";
import { ProxyProcess, TEST_PROXY_FLAGS } from "../support/proxy_process.ts";
import { eventually, isRoot } from "../support/eventually.ts";
import { generateTestCerts, writeKubeconfig } from "../support/certs.ts";
import { FakeApiServerProcess } from "../support/fake_apiserver/serve_process.ts";
import type { FakeObject } from "../support/fake_apiserver/server.ts";

const VIP = "10.96.0.10";
const EXTRA_VIP = "10.96.0.30";

Deno.test({
  name:
    "API server source: packets follow API changes over mTLS, through watch cuts and a 410 relist",
  ignore: !isRoot("API server e2e"),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    const topo = await Topology.create({
      pods: [{ name: "web-1" }, { name: "web-2" }, { name: "web-3" }, {
        name: "client",
        server: false,
      }],
      dualStack: false,
    });
    const certs = await generateTestCerts();
    let api: FakeApiServerProcess | undefined;
    let proxy: ProxyProcess | undefined;
    const slice = (pods: string[]) =>
      endpointSlice(
        "web-abc",
        "web",
        4,
        [{ name: "http", port: 80 }],
        pods.map((p) => ({ ip: topo.podIp(p) })),
      ) as FakeObject;
    const answering = async (vip: string, expected: string[]) => {
      await eventually(async () => {
        const s = summarize(
          await topo.probe({ from: "client", to: vip, port: 80, count: 30, timeoutMs: 500 }),
        );
        assert.deepEqual([...s.pods].sort(), expected);
        assert.equal(s.ok, 30);
      }, 6000);
    };
    try {
      api = await FakeApiServerProcess.start(topo.nsName("node"), { certDir: certs.dir });
      await api.upsert("nodes", node("node", [topo.nodeIp(4)], ["10.244.1.0/24"]) as FakeObject);
      await api.upsert(
        "services",
        service("web", [VIP], [{ name: "http", port: 80 }]) as FakeObject,
      );
      await api.upsert("endpointslices", slice(["web-1", "web-2", "web-3"]));
      await api.upsert(
        "services",
        service("extra", [EXTRA_VIP], [{ name: "http", port: 80 }]) as FakeObject,
      );
      await api.upsert(
        "endpointslices",
        endpointSlice("extra-abc", "extra", 4, [{ name: "http", port: 80 }], [{
          ip: topo.podIp("web-1"),
        }]) as FakeObject,
      );
      const kubeconfig = `${certs.dir}/kubeconfig`;
      await writeKubeconfig(kubeconfig, {
        server: api.url,
        caFile: certs.caCertFile,
        certFile: certs.clientCertFile,
        keyFile: certs.clientKeyFile,
      });

      proxy = ProxyProcess.start(topo.nsName("node"), [
        "--kubeconfig",
        kubeconfig,
        ...TEST_PROXY_FLAGS,
      ]);
      await proxy.waitForSyncs(1, 20000);

      await t.step(
        "initial list: all endpoints answer; the server saw CN=system:kube-proxy",
        async () => {
          await answering(VIP, ["web-1", "web-2", "web-3"]);
          assert.ok((await api!.clientCNs()).includes("system:kube-proxy"));
        },
      );

      await t.step("a watched change is programmed", async () => {
        await api!.upsert("endpointslices", slice(["web-1", "web-2"]));
        await answering(VIP, ["web-1", "web-2"]);
      });

      const sets = [["web-2", "web-3"], ["web-3"], ["web-1", "web-3"]];
      for (const [i, mode] of (["fin", "rst", "tls-close"] as const).entries()) {
        await t.step(`watch cut by ${mode}: the next change still arrives`, async () => {
          const cut = await api!.cut(mode);
          assert.ok(cut >= 1, "at least one watch was open to cut");
          await api!.upsert("endpointslices", slice(sets[i]));
          await answering(VIP, sets[i]);
        });
      }

      await t.step("API server down: the last rules stay", async () => {
        await api!.stopListening();
        await new Promise((r) => setTimeout(r, 1500));
        await answering(VIP, sets[2]);
        await answering(EXTRA_VIP, ["web-1"]);
      });

      await t.step(
        "410 relist that missed a deletion: the deleted Service stops answering",
        async () => {
          await api!.delete("services", "default/extra");
          await api!.delete("endpointslices", "default/extra-abc");
          await api!.compact();
          await api!.listen();
          await eventually(async () => {
            const s = summarize(
              await topo.probe({
                from: "client",
                to: EXTRA_VIP,
                port: 80,
                count: 3,
                timeoutMs: 400,
              }),
            );
            assert.equal(s.ok, 0);
          }, 15000);
          await answering(VIP, sets[2]);
          await api!.upsert("endpointslices", slice(["web-1", "web-2", "web-3"]));
          await answering(VIP, ["web-1", "web-2", "web-3"]);
        },
      );
    } finally {
      await proxy?.stop();
      await api?.close();
      await topo.destroy();
      await certs.cleanup();
    }
  },
});
