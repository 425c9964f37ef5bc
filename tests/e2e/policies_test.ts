/**
 * Traffic policies with real packets: sessionAffinity ClientIP (and its
 * timeout), internalTrafficPolicy Local, externalTrafficPolicy Local on
 * NodePort and LB IPs, the terminating-endpoint fallback and topology hints.
 * The proxy runs in the node namespace and reads manifests that each step
 * rewrites.
 */

import { strict as assert } from "node:assert";
import { type ProbeSummary, summarize, Topology } from "../support/netns/mod.ts";
import {
  type EndpointArg,
  endpointSlice,
  node,
  type PortArg,
  service,
  writeManifest,
} from "../support/cluster_objects.ts";
import { ProxyProcess, TEST_PROXY_FLAGS } from "../support/proxy_process.ts";
import { isRoot } from "../support/eventually.ts";
import type { KubeObject, Service } from "../../src/model/kube_types.ts";

const AFF_VIP = "10.96.1.1";
const ITP_VIP = "10.96.1.2";
const ETP_VIP = "10.96.1.3";
const ETP_LB = "203.0.113.3";
const ETP_NODEPORT = 30080;
const TERM_VIP = "10.96.1.4";
const TERM_LB_VIP = "10.96.1.5";
const TERM_LB = "203.0.113.5";
const TERM_NODEPORT = 30081;
const TOPO_VIP = "10.96.1.6";
/** Extra addresses of the client pod: distinct client IPs for session affinity. */
const CLIENT_IPS = Array.from({ length: 10 }, (_, i) => `10.244.1.${230 + i}`);

/** Asserts that exactly `pods` answered, every attempt succeeded, and (optionally) which sources they saw. */
function expectOnly(s: ProbeSummary, count: number, pods: string[], srcs?: string[]): void {
  const detail = JSON.stringify({ ok: s.ok, pods: [...s.byPod], srcs: [...s.srcs], t: s.timeout });
  assert.equal(s.ok, count, `all ${count} attempts answered: ${detail}`);
  assert.deepEqual([...s.pods].sort(), [...pods].sort(), `answering pods: ${detail}`);
  if (srcs) assert.deepEqual([...s.srcs].sort(), [...srcs].sort(), `sources seen: ${detail}`);
}

/** Asserts that every attempt timed out: dropped, not refused. */
function expectDrop(s: ProbeSummary, count: number): void {
  assert.equal(s.timeout, count, `dropped (timeout), not refused: ${JSON.stringify(s)}`);
}

Deno.test({
  name:
    "policies: affinity, internal/external Local, terminating fallback, topology with real packets",
  ignore: !isRoot("policies e2e"),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    const topo = await Topology.create({
      pods: [
        { name: "web-1" },
        { name: "web-2" },
        { name: "web-3" },
        { name: "client", server: false },
        { name: "remote-1", node: "node2" },
        { name: "remote-2", node: "node2" },
      ],
      externals: ["ext1"],
      dualStack: false,
    });
    const dir = await Deno.makeTempDir({ prefix: "kp-pol-" });
    const file = `${dir}/cluster.json`;
    let proxy: ProxyProcess | undefined;
    const ext = topo.externalIp("ext1");
    const nodeIp = topo.nodeIp(4);
    const http: PortArg[] = [{ name: "http", port: 80 }];
    const ep = (pod: string, extra: Partial<EndpointArg> = {}): EndpointArg => ({
      ip: topo.podIp(pod),
      node: topo.podNode(pod),
      ...extra,
    });
    const slice = (svc: string, eps: EndpointArg[]) =>
      endpointSlice(`${svc}-1`, svc, 4, [{ name: "http", port: 80 }], eps);
    const lb = (name: string, vip: string, lbIp: string, nodePort: number, spec: Service["spec"]) =>
      service(name, [vip], [{ name: "http", port: 80, nodePort }], {
        type: "LoadBalancer",
        ...spec,
      }, { status: { loadBalancer: { ingress: [{ ip: lbIp }] } } });
    // Every service's objects, by name; `apply` writes them all plus the Node.
    const objs = new Map<string, KubeObject[]>();
    let zone = "zone-a";
    const apply = () =>
      proxy!.applyAndSync(file, [
        node("node", [nodeIp], ["10.244.1.0/24"], zone),
        ...[...objs.values()].flat(),
      ]);
    const probe = async (from: string, to: string, port: number, count: number, srcIp?: string) =>
      summarize(await topo.probe({ from, to, port, count, srcIp, timeoutMs: 600 }));
    const webs = ["web-1", "web-2", "web-3"];

    try {
      for (const ip of CLIENT_IPS) {
        await topo.exec("client", ["ip", "addr", "add", `${ip}/24`, "dev", "eth0"]);
      }
      await writeManifest(file, [node("node", [nodeIp], ["10.244.1.0/24"], zone)]);
      proxy = ProxyProcess.start(topo.nsName("node"), [
        ...["--manifests", dir],
        ...TEST_PROXY_FLAGS,
      ]);
      await proxy.waitForSyncs(1);

      const aff = { from: "client", to: AFF_VIP, port: 80 };
      // Per extra client IP (in parallel), the endpoints reached by `n` connections `gapMs` apart.
      const perClient = (n: number, gapMs = 0): Promise<ProbeSummary[]> =>
        Promise.all(
          CLIENT_IPS.map(async (srcIp) =>
            summarize(await topo.probe({ ...aff, count: n, srcIp, intervalMs: gapMs }))
          ),
        );
      // Asserts each client IP stayed on one endpoint; returns those endpoints.
      const pinned = async (n: number, gapMs = 0): Promise<string[]> =>
        (await perClient(n, gapMs)).map((s, i) => {
          expectOnly(s, n, [...s.pods].slice(0, 1), [CLIENT_IPS[i]]);
          return [...s.pods][0];
        });

      await t.step(
        "sessionAffinity ClientIP: one client keeps one endpoint, another may differ",
        async () => {
          const affinity = (cfg: Service["spec"]) =>
            objs.set("aff", [
              service("aff", [AFF_VIP], http, cfg),
              slice("aff", webs.map((p) => ep(p))),
            ]);
          affinity({ sessionAffinity: "None" });
          await apply();
          expectOnly(await probe("client", AFF_VIP, 80, 30), 30, webs); // control: spreads
          affinity({ sessionAffinity: "ClientIP" });
          await apply();
          const s = await probe("client", AFF_VIP, 80, 15);
          assert.equal(s.pods.size, 1, `15 connections in a row, one endpoint: ${[...s.byPod]}`);
          expectOnly(s, 15, [...s.pods], [topo.podIp("client")]);
          const chosen = await pinned(5);
          assert.ok(new Set(chosen).size > 1, `10 client IPs all on one endpoint: ${chosen}`);

          affinity({ sessionAffinity: "None" });
          await apply();
          expectOnly(await probe("client", AFF_VIP, 80, 30), 30, webs);

          affinity({
            sessionAffinity: "ClientIP",
            sessionAffinityConfig: { clientIP: { timeoutSeconds: 3 } },
          });
          await apply();
          // One prober process per client IP, so the gaps are exact: 2 s idle < 3 s timeout.
          await pinned(3, 2000);
          let moved = false;
          for (let round = 0; round < 3 && !moved; round++) {
            // 4 s idle > 3 s timeout: the client may land anywhere again.
            const rounds = await perClient(2, 4000);
            for (const s of rounds) assert.equal(s.ok, 2, JSON.stringify(s));
            moved = rounds.some((s) => s.pods.size > 1);
          }
          assert.ok(moved, "after 4 s idle some client IP landed on another endpoint");
          objs.delete("aff");
        },
      );

      await t.step(
        "internalTrafficPolicy Local: ClusterIP reaches local endpoints only; none here: DROP",
        async () => {
          const itp = (policy: string, pods: string[]) =>
            objs.set("itp", [
              service("itp", [ITP_VIP], http, { internalTrafficPolicy: policy }),
              slice("itp", pods.map((p) => ep(p))),
            ]);
          itp("Cluster", ["web-1", "web-2", "remote-1"]);
          await apply();
          expectOnly(await probe("client", ITP_VIP, 80, 40), 40, ["web-1", "web-2", "remote-1"]);
          itp("Local", ["web-1", "web-2", "remote-1"]);
          await apply();
          expectOnly(await probe("client", ITP_VIP, 80, 30), 30, ["web-1", "web-2"], [
            topo.podIp("client"),
          ]);
          expectOnly(await probe("node", ITP_VIP, 80, 30), 30, ["web-1", "web-2"]);
          itp("Local", ["remote-1", "remote-2"]);
          await apply();
          expectDrop(await probe("client", ITP_VIP, 80, 3), 3);
          expectDrop(await probe("node", ITP_VIP, 80, 2), 2);
          objs.delete("itp");
        },
      );

      await t.step(
        "externalTrafficPolicy Local: external clients reach local endpoints with their own IP",
        async () => {
          const etp = (policy: string, pods: string[]) =>
            objs.set("etp", [
              lb("etp", ETP_VIP, ETP_LB, ETP_NODEPORT, { externalTrafficPolicy: policy }),
              slice("etp", pods.map((p) => ep(p))),
            ]);
          const all = ["web-1", "web-2", "remote-1"];
          etp("Cluster", all); // control: Cluster reaches every endpoint, masqueraded
          await apply();
          const ctl = await probe("ext1", nodeIp, ETP_NODEPORT, 40);
          expectOnly(ctl, 40, all);
          assert.ok(!ctl.srcs.has(ext), "eTP Cluster masquerades");

          etp("Local", all);
          await apply();
          expectOnly(await probe("ext1", nodeIp, ETP_NODEPORT, 30), 30, ["web-1", "web-2"], [ext]);
          expectOnly(await probe("ext1", ETP_LB, 80, 30), 30, ["web-1", "web-2"], [ext]);
          // Pods and the node itself short-circuit to every endpoint.
          expectOnly(await probe("client", nodeIp, ETP_NODEPORT, 40), 40, all);
          expectOnly(await probe("client", ETP_LB, 80, 40), 40, all);
          expectOnly(await probe("node", nodeIp, ETP_NODEPORT, 40), 40, all);
          expectOnly(await probe("node", ETP_LB, 80, 40), 40, all);

          etp("Local", ["remote-1", "remote-2"]);
          await apply();
          expectDrop(await probe("ext1", nodeIp, ETP_NODEPORT, 2), 2);
          expectDrop(await probe("ext1", ETP_LB, 80, 2), 2);
          expectOnly(await probe("client", nodeIp, ETP_NODEPORT, 30), 30, ["remote-1", "remote-2"]);
          expectOnly(await probe("client", ETP_LB, 80, 30), 30, ["remote-1", "remote-2"]);
          objs.delete("etp");
        },
      );

      await t.step(
        "terminating fallback: serving+terminating used only when none is ready",
        async () => {
          const term = { ready: false, serving: true, terminating: true };
          const gone = { ready: false, serving: false, terminating: true };
          const set = (eps: EndpointArg[], local: EndpointArg[]) => {
            objs.set("term", [service("term", [TERM_VIP], http), slice("term", eps)]);
            objs.set("termlb", [
              lb("termlb", TERM_LB_VIP, TERM_LB, TERM_NODEPORT, { externalTrafficPolicy: "Local" }),
              slice("termlb", local),
            ]);
          };
          set([ep("web-1", term), ep("web-2", term), ep("web-3", gone)], [
            ep("web-1", term),
            ep("web-2", gone),
            ep("remote-1"),
          ]);
          await apply();
          expectOnly(await probe("client", TERM_VIP, 80, 30), 30, ["web-1", "web-2"]);
          // Local set: falls back to the local terminating one; pods use the ready (remote) one.
          expectOnly(await probe("ext1", nodeIp, TERM_NODEPORT, 20), 20, ["web-1"], [ext]);
          expectOnly(await probe("ext1", TERM_LB, 80, 10), 10, ["web-1"], [ext]);
          expectOnly(await probe("client", TERM_LB, 80, 20), 20, ["remote-1"]);

          set([ep("web-1"), ep("web-2", term), ep("web-3", gone)], [
            ep("web-1"),
            ep("web-2", term),
          ]);
          await apply();
          expectOnly(await probe("client", TERM_VIP, 80, 30), 30, ["web-1"]);
          expectOnly(await probe("ext1", nodeIp, TERM_NODEPORT, 20), 20, ["web-1"], [ext]);

          set([ep("web-1", gone), ep("web-2", gone)], [ep("web-1", gone), ep("remote-1")]);
          await apply();
          const none = await probe("client", TERM_VIP, 80, 3);
          assert.equal(
            none.refused,
            3,
            `only not-serving endpoints: refused: ${JSON.stringify(none)}`,
          );
          expectDrop(await probe("ext1", nodeIp, TERM_NODEPORT, 2), 2);
          objs.delete("term");
          objs.delete("termlb");
        },
      );

      await t.step("topology: zone hints and node hints filter the endpoints", async () => {
        const topoSvc = (eps: EndpointArg[]) =>
          objs.set("topo", [service("topo", [TOPO_VIP], http), slice("topo", eps)]);
        const hinted = [
          ep("web-1", { zone: "zone-a", forZones: ["zone-a"] }),
          ep("web-2", { zone: "zone-b", forZones: ["zone-b"] }),
          ep("web-3", { zone: "zone-a", forZones: ["zone-a"] }),
        ];
        topoSvc(hinted);
        await apply();
        expectOnly(await probe("client", TOPO_VIP, 80, 30), 30, ["web-1", "web-3"]);
        zone = "zone-b"; // the Node's zone label decides
        await apply();
        expectOnly(await probe("client", TOPO_VIP, 80, 15), 15, ["web-2"]);
        zone = "zone-a";
        topoSvc([hinted[0], ep("web-2", { zone: "zone-b" }), hinted[2]]); // one ready endpoint lacks hints
        await apply();
        expectOnly(await probe("client", TOPO_VIP, 80, 30), 30, webs);
        topoSvc([
          ep("web-1", { zone: "zone-a", forZones: ["zone-a"], forNodes: ["node"] }),
          ep("remote-1", { zone: "zone-a", forZones: ["zone-a"], forNodes: ["node2"] }),
          ep("remote-2", { zone: "zone-a", forZones: ["zone-a"], forNodes: ["node2"] }),
        ]);
        await apply();
        expectOnly(await probe("client", TOPO_VIP, 80, 20), 20, ["web-1"]);
        objs.delete("topo");
      });
    } finally {
      await proxy?.stop();
      await topo.destroy();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
