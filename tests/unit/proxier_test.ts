import assert from "node:assert/strict";
import { Proxier } from "../../src/sync/proxier.ts";
import { ClusterState } from "../../src/source/cluster_state.ts";
import { Logger } from "../../src/log/logger.ts";
import type { NftRunner } from "../../src/nft/nft_runner.ts";
import {
  endpoint,
  nodeObject,
  OTHER,
  service,
  settings,
  slice,
} from "../fixtures/unit/builders.ts";
import { elementMap, parseScript, tableOf } from "../fixtures/unit/nft_text.ts";

/** Records every script; fails the applies whose 1-based index is in `failOn`. */
class FakeRunner implements NftRunner {
  scripts: string[] = [];
  failOn = new Set<number>();
  apply(script: string): Promise<void> {
    this.scripts.push(script);
    if (this.failOn.has(this.scripts.length)) return Promise.reject(new Error("nft: boom"));
    return Promise.resolve();
  }
  run(): Promise<string> {
    return Promise.resolve("");
  }
}

function setup() {
  const state = new ClusterState();
  state.upsert("Node", nodeObject());
  const runner = new FakeRunner();
  const logs: string[] = [];
  const logger = new Logger({ write: (l) => logs.push(l) });
  const proxier = new Proxier({ state, settings: settings(), runner, logger });
  return { state, runner, logs, proxier };
}

const web = () => service("web");
const webSlice = (...ips: string[]) => slice("web", "web-1", ips.map((ip) => endpoint(ip)));

Deno.test("Proxier syncs fully first, then partially for a single change, then not at all", async () => {
  const { state, runner, proxier } = setup();
  state.upsert("Service", web());
  state.upsert("EndpointSlice", webSlice("10.244.1.5"));
  const first = await proxier.sync();
  assert.equal(first.kind, "full");
  assert.equal(first.services, 1);
  assert.match(runner.scripts[0], /^add table ip kube-nft-proxy\ndelete table ip kube-nft-proxy\n/);
  const v4 = tableOf(parseScript(runner.scripts[0]), "ip");
  assert.ok(elementMap(v4, "service-ips").has("10.96.0.10 . tcp . 80"));

  state.upsert("EndpointSlice", webSlice("10.244.1.5", "10.244.1.6"));
  const second = await proxier.sync();
  assert.equal(second.kind, "partial");
  assert.ok(second.operations > 0 && second.operations < 12, `ops=${second.operations}`);
  assert.ok(!runner.scripts[1].includes("table"), "a partial script does not touch tables");
  assert.ok(runner.scripts[1].includes("10.244.1.6"));
  assert.deepEqual([...second.pending.services], ["default/web"]);
  assert.equal(second.pending.endpointChanges, 1);

  const third = await proxier.sync();
  assert.equal(third.kind, "none");
  assert.equal(runner.scripts.length, 2, "nothing applied when nothing changed");
});

Deno.test("Proxier makes the sync after a failed apply full, keeping the pending work", async () => {
  const { state, runner, proxier } = setup();
  state.upsert("Service", web());
  await proxier.sync();
  runner.failOn.add(2);
  state.upsert("EndpointSlice", webSlice("10.244.1.7"));
  await assert.rejects(() => proxier.sync(), /boom/);
  assert.ok(proxier.tracker.hasPending, "the failed work is put back");
  const retry = await proxier.sync();
  assert.equal(retry.kind, "full");
  assert.ok(retry.pending.services.has("default/web"));
  // A full rewrite of the tables (in place: the failed partial sync changed nothing in the kernel).
  assert.match(runner.scripts[2], /^flush map ip kube-nft-proxy service-ips$/m);
  assert.ok(runner.scripts[2].includes("10.244.1.7 . 8080"));
  const after = await proxier.sync();
  assert.equal(after.kind, "none");
});

Deno.test("Proxier deletes a removed Service's chains and elements", async () => {
  const { state, runner, proxier } = setup();
  state.upsert("Service", web());
  state.upsert("Service", service("other", { clusterIP: "10.96.0.11" }));
  state.upsert("EndpointSlice", webSlice("10.244.1.5"));
  await proxier.sync();
  state.remove("Service", "default/web");
  const r = await proxier.sync();
  assert.equal(r.kind, "partial");
  assert.equal(r.services, 1);
  const ops = parseScript(runner.scripts[1]).ops;
  assert.ok(ops.every((o) => o.verb === "delete" || (o.verb === "flush" && o.object === "chain")));
  assert.ok(
    ops.some((o) =>
      o.verb === "delete" && o.object === "chain" && o.name === "svc-default/web/tcp/http"
    ),
  );
  assert.ok(!runner.scripts[1].includes("default/other"));
});

Deno.test("Proxier reports health-check targets of eTP Local Services with their local endpoints", async () => {
  const { state, proxier } = setup();
  const lb = service("lb", {
    type: "LoadBalancer",
    externalTrafficPolicy: "Local",
    healthCheckNodePort: 32100,
    ports: [{ name: "http", port: 80, nodePort: 30080 }],
  });
  state.upsert("Service", lb);
  state.upsert(
    "EndpointSlice",
    slice("lb", "lb-1", [
      endpoint("10.244.1.5"),
      endpoint("10.244.1.6"),
      endpoint("10.244.1.7", "node-a", { conditions: { ready: false } }),
      endpoint("10.244.2.5", OTHER),
    ]),
  );
  await proxier.sync();
  assert.deepEqual(proxier.healthCheckTargets().get(32100), {
    port: 32100,
    namespace: "default",
    name: "lb",
    localEndpoints: 2,
  });
  assert.deepEqual(proxier.noLocalEndpoints(), { internal: 0, external: 0 });

  state.upsert("EndpointSlice", slice("lb", "lb-1", [endpoint("10.244.2.5", OTHER)]));
  await proxier.sync();
  assert.equal(proxier.healthCheckTargets().get(32100)?.localEndpoints, 0);
  assert.deepEqual(proxier.noLocalEndpoints(), { internal: 0, external: 1 });

  state.remove("Service", "default/lb");
  await proxier.sync();
  assert.equal(proxier.healthCheckTargets().size, 0);
  assert.deepEqual(proxier.noLocalEndpoints(), { internal: 0, external: 0 });
});

Deno.test("Proxier reports stale UDP endpoints when a UDP endpoint is removed", async () => {
  const { state, proxier } = setup();
  state.upsert(
    "Service",
    service("dns", {
      externalIPs: ["192.0.2.53"],
      ports: [{ name: "dns", protocol: "UDP", port: 53 }, {
        name: "dns-tcp",
        protocol: "TCP",
        port: 53,
      }],
    }),
  );
  const ports = [{ name: "dns", protocol: "UDP", port: 5353 }, {
    name: "dns-tcp",
    protocol: "TCP",
    port: 5353,
  }];
  state.upsert(
    "EndpointSlice",
    slice("dns", "dns-1", [endpoint("10.244.1.5"), endpoint("10.244.2.5", OTHER)], { ports }),
  );
  const first = await proxier.sync();
  assert.deepEqual(first.staleUdpEndpoints, []);
  state.upsert("EndpointSlice", slice("dns", "dns-1", [endpoint("10.244.1.5")], { ports }));
  const second = await proxier.sync();
  assert.deepEqual(second.staleUdpEndpoints, [{
    family: 4,
    endpointIp: "10.244.2.5",
    serviceIps: ["10.96.0.10", "192.0.2.53"],
    port: 53,
    nodePort: 0,
  }]);
  assert.deepEqual((await proxier.sync()).staleUdpEndpoints, [], "reported once");
  state.remove("Service", "default/dns");
  const gone = await proxier.sync();
  assert.deepEqual(gone.staleUdpEndpoints.map((f) => f.endpointIp), ["10.244.1.5"]);
});

Deno.test("Proxier reports no stale UDP endpoint for TCP-only Services", async () => {
  const { state, proxier } = setup();
  state.upsert("Service", web());
  state.upsert("EndpointSlice", webSlice("10.244.1.5", "10.244.1.6"));
  await proxier.sync();
  state.upsert("EndpointSlice", webSlice("10.244.1.5"));
  assert.deepEqual((await proxier.sync()).staleUdpEndpoints, []);
});

Deno.test("Proxier rewrites everything after a Node address change, not after a no-op Node update", async () => {
  const { state, runner, proxier } = setup();
  state.upsert("Service", web());
  await proxier.sync();
  state.upsert("Node", nodeObject());
  assert.equal((await proxier.sync()).kind, "none");
  state.upsert(
    "Node",
    nodeObject({ status: { addresses: [{ type: "InternalIP", address: "192.168.10.2" }] } }),
  );
  const r = await proxier.sync();
  assert.equal(r.kind, "full");
  const v4 = tableOf(parseScript(runner.scripts.at(-1)!), "ip");
  assert.deepEqual([...elementMap(v4, "nodeport-ips").keys()], ["192.168.10.2"]);
  assert.ok(
    elementMap(v4, "service-ips").has("10.96.0.10 . tcp . 80") ||
      elementMap(v4, "no-endpoint-services").has("10.96.0.10 . tcp . 80"),
    "Services are re-rendered",
  );
});

Deno.test("Proxier logs an invalid field naming the object and field, not again on others' syncs", async () => {
  const { state, logs, proxier } = setup();
  state.upsert(
    "Service",
    service("web", { ports: [{ name: "http", port: 80 }, { name: "bad", port: 99999 }] }),
  );
  await proxier.sync();
  state.upsert("Service", service("other", { clusterIP: "10.96.0.11" }));
  await proxier.sync();
  const warn = logs.filter((l) => l.includes("spec.ports[1].port"));
  assert.equal(warn.length, 1, logs.join("\n"));
  assert.match(warn[0], /^W.*Service default\/web/);
});
