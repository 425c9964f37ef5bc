/**
 * The healthCheckNodePort server of an `externalTrafficPolicy: Local`
 * LoadBalancer Service, and the proxy's own /healthz and /livez, queried over
 * HTTP from an external client (and from the node) in real namespaces.
 */

import { strict as assert } from "node:assert";
import { summarize, Topology } from "../support/netns/mod.ts";
import {
  type EndpointArg,
  endpointSlice,
  node,
  service,
  writeManifest,
} from "../support/cluster_objects.ts";
import { ProxyProcess, TEST_PROXY_FLAGS } from "../support/proxy_process.ts";
import { eventually, isRoot } from "../support/eventually.ts";
import type { KubeObject } from "../../src/model/kube_types.ts";

const VIP = "10.96.3.1";
const LB_IP = "203.0.113.9";
const NODE_PORT = 30090;
const HC_PORT = 32000;

/**
 * Prints `{"code": N, "body": TEXT, "weight": W}` (W: the X-Load-Balancing-Endpoint-Weight header),
 * or `{"code": 0, "error": TEXT}` when no HTTP answer came.
 */
const HTTP_GET = `
import json, sys, urllib.request, urllib.error
W = "X-Load-Balancing-Endpoint-Weight"
try:
    r = urllib.request.urlopen(sys.argv[1], timeout=2)
    print(json.dumps({"code": r.status, "body": r.read().decode(), "weight": r.headers.get(W)}))
except urllib.error.HTTPError as e:
    print(json.dumps({"code": e.code, "body": e.read().decode(), "weight": e.headers.get(W)}))
except Exception as e:
    print(json.dumps({"code": 0, "error": str(getattr(e, "reason", e))}))
`;

/** An HTTP answer, or the error that prevented one (code 0). */
interface HttpAnswer {
  code: number;
  body?: string;
  weight?: string | null;
  error?: string;
}

Deno.test({
  name: "health check node port: 200/503 by local endpoints, closed on delete; /healthz and /livez",
  ignore: !isRoot("health check node port e2e"),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    const topo = await Topology.create({
      pods: [{ name: "web-1" }, { name: "web-2" }, { name: "remote-1", node: "node2" }],
      externals: ["ext1"],
      dualStack: false,
    });
    const dir = await Deno.makeTempDir({ prefix: "kp-hc-" });
    const file = `${dir}/cluster.json`;
    const nodeIp = topo.nodeIp(4);
    let proxy: ProxyProcess | undefined;
    const get = async (
      from: string,
      path: string,
      port = HC_PORT,
      host = nodeIp,
    ): Promise<HttpAnswer> => {
      const out = await topo.exec(from, [
        "python3",
        "-c",
        HTTP_GET,
        `http://${host}:${port}${path}`,
      ]);
      return JSON.parse(out.stdout) as HttpAnswer;
    };
    const ep = (pod: string, extra: Partial<EndpointArg> = {}): EndpointArg => ({
      ip: topo.podIp(pod),
      node: topo.podNode(pod),
      ...extra,
    });
    const objects = (eps: EndpointArg[] | null, twoPorts = false): KubeObject[] => {
      const ports = [{ name: "http", port: 80, nodePort: NODE_PORT }];
      if (twoPorts) ports.push({ name: "alt", port: 8080, nodePort: NODE_PORT + 1 });
      return [
        node("node", [nodeIp], ["10.244.1.0/24"]),
        ...(eps === null ? [] : [
          service("lb", [VIP], ports, {
            type: "LoadBalancer",
            externalTrafficPolicy: "Local",
            healthCheckNodePort: HC_PORT,
          }, { status: { loadBalancer: { ingress: [{ ip: LB_IP }] } } }),
          endpointSlice("lb-1", "lb", 4, ports.map(({ name, port }) => ({ name, port })), eps),
        ]),
      ];
    };
    /** Waits until the health check port answers `code` with `localEndpoints` = `n`. */
    const expectHealth = (code: number, n: number, from = "ext1") =>
      eventually(async () => {
        const a = await get(from, "/");
        assert.equal(a.code, code, JSON.stringify(a));
        const body = JSON.parse(a.body!);
        assert.equal(body.localEndpoints, n, a.body ?? "");
        assert.equal(a.weight, String(n), "upstream's X-Load-Balancing-Endpoint-Weight header");
        assert.deepEqual(body.service, { namespace: "default", name: "lb" });
        assert.equal(body.serviceProxyHealthy, true, a.body ?? "");
      });

    try {
      await writeManifest(file, objects([ep("web-1"), ep("remote-1")]));
      proxy = ProxyProcess.start(topo.nsName("node"), [
        "--manifests",
        dir,
        ...TEST_PROXY_FLAGS,
        "--healthz-bind-address",
        "0.0.0.0:10256",
      ]);
      await proxy.waitForSyncs(1);

      await t.step(
        "/healthz and /livez answer 200 with lastUpdated and currentTime once synced",
        async () => {
          for (const path of ["/healthz", "/livez"]) {
            const a = await eventually(async () => {
              const a = await get("ext1", path, 10256);
              assert.equal(a.code, 200, `${path}: ${JSON.stringify(a)}`);
              return a;
            });
            const body = JSON.parse(a.body!);
            for (const k of ["lastUpdated", "currentTime"]) {
              assert.ok(!Number.isNaN(Date.parse(body[k])), `${path} ${k} is a time: ${a.body}`);
            }
          }
          assert.equal((await get("ext1", "/nothing", 10256)).code, 404);
        },
      );

      await t.step(
        "/healthz on the default 0.0.0.0:10256 also answers on the node's IPv6 loopback (the DaemonSet probe)",
        async () => {
          const a = await get("node", "/healthz", 10256, "[::1]");
          assert.equal(a.code, 200, JSON.stringify(a));
          assert.equal(JSON.parse(a.body!).healthy, true);
        },
      );

      await t.step(
        "one local ready endpoint: 200 with localEndpoints 1, from outside and the node",
        async () => {
          await expectHealth(200, 1);
          await expectHealth(200, 1, "node");
          // The traffic agrees: external clients reach the local endpoint only.
          const s = summarize(await topo.probe({ from: "ext1", to: LB_IP, port: 80, count: 10 }));
          assert.deepEqual([...s.pods], ["web-1"]);
        },
      );

      await t.step("two local ready endpoints: localEndpoints 2", async () => {
        await proxy!.applyAndSync(file, objects([ep("web-1"), ep("web-2"), ep("remote-1")]));
        await expectHealth(200, 2);
      });

      await t.step(
        "a two-port Service backed by one local pod counts one endpoint (unique IPs, as upstream)",
        async () => {
          await proxy!.applyAndSync(file, objects([ep("web-1"), ep("remote-1")], true));
          await expectHealth(200, 1);
          await proxy!.applyAndSync(file, objects([ep("web-1"), ep("remote-1")]));
        },
      );

      await t.step("a local endpoint that is only terminating does not count: 503", async () => {
        const term = { ready: false, serving: true, terminating: true };
        await proxy!.applyAndSync(file, objects([ep("web-1", term), ep("remote-1")]));
        await expectHealth(503, 0);
        // ... although it still serves external traffic (the terminating fallback).
        const s = summarize(await topo.probe({ from: "ext1", to: LB_IP, port: 80, count: 5 }));
        assert.deepEqual([...s.pods], ["web-1"], JSON.stringify(s));
        await proxy!.applyAndSync(file, objects([ep("web-1"), ep("remote-1")]));
        await expectHealth(200, 1);
      });

      await t.step("only remote endpoints: 503 with localEndpoints 0", async () => {
        await proxy!.applyAndSync(file, objects([ep("remote-1")]));
        await expectHealth(503, 0);
      });

      await t.step(
        "Service deleted: the health check port closes (connection refused)",
        async () => {
          await proxy!.applyAndSync(file, objects(null));
          await eventually(async () => {
            const a = await get("ext1", "/");
            assert.equal(a.code, 0, JSON.stringify(a));
            assert.match(a.error ?? "", /refused/i);
          });
          assert.equal(
            (await get("ext1", "/livez", 10256)).code,
            200,
            "the proxy itself still healthy",
          );
        },
      );
    } finally {
      await proxy?.stop();
      await topo.destroy();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
