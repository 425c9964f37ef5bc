import assert from "node:assert/strict";
import { Proxier, type ProxierOptions } from "../../../src/sync/proxier.ts";
import { ClusterState } from "../../../src/source/cluster_state.ts";
import { Logger } from "../../../src/log/logger.ts";
import { FakeNftRunner } from "../../../src/nft/fake_nft_runner.ts";
import { endpointsMap, SET } from "../../../src/plan/names.ts";
import { renderFamilyGarbage } from "../../../src/plan/nft_script.ts";
import type { Service } from "../../../src/model/kube_types.ts";
import { type IpAddr, parseCidr, parseIp } from "../../../src/model/ip.ts";
import {
  endpoint,
  nodeObject,
  OTHER,
  service,
  settings,
  slice,
} from "../../fixtures/unit/builders.ts";
import { desiredDump, kernel } from "../../fixtures/unit/fake_kernel.ts";

const T = "kube-nft-proxy";
/** The endpoints map of TCP entry points (keys `addr . port . index`). */
const EP = endpointsMap("ip", "tcp");

function setup(o: Partial<ProxierOptions> & { nft?: FakeNftRunner; state?: ClusterState } = {}) {
  const state = o.state ?? new ClusterState();
  if (!o.state) state.upsert("Node", nodeObject());
  const nft = o.nft ?? kernel();
  const logs: string[] = [];
  const logger = new Logger({ verbosity: 2, write: (l) => logs.push(l) });
  const proxier = new Proxier({ state, settings: settings(), runner: nft, logger, ...o });
  /** The kernel holds the plan's desired ruleset, and the garbage the plan knows of. */
  const inSync = () => {
    const collected = nft.clone();
    collected.load(garbageOf(proxier));
    assert.equal(collected.dump(), desiredDump(proxier.plan!));
  };
  const elements = (set: string, family: "ip" | "ip6" = "ip") => nft.elements(family, T, set);
  return { state, nft, logs, proxier, inSync, elements };
}

/** The plan's garbage collection script, rendered without recording it. */
function garbageOf(proxier: Proxier): string {
  const out: string[] = [];
  for (const f of proxier.plan!.families) renderFamilyGarbage(f, f.garbage(), out);
  return out.join("\n");
}

const web = (spec: Service["spec"] = {}, rv = "1") =>
  service("web", spec, { metadata: { resourceVersion: rv } });
const webSlice = (...ips: string[]) =>
  slice("web", "web-1", ips.map((ip, i) => endpoint(ip, i % 2 ? OTHER : "node-a")));

Deno.test("Proxier syncs fully first, then partially for a single change, then not at all", async () => {
  const { state, nft, proxier, inSync, elements } = setup();
  state.upsert("Service", web());
  state.upsert("EndpointSlice", webSlice("10.244.1.5"));
  assert.equal(proxier.hasPending, true);
  const first = await proxier.sync();
  assert.equal(first.kind, "full");
  assert.equal(first.services, 1);
  assert.match(nft.applied[0], /^add table ip kube-nft-proxy\ndelete table ip kube-nft-proxy\n/);
  assert.equal(elements(SET.serviceIps).get("10.96.0.10 . tcp . 80"), "goto pick-1");
  inSync();
  assert.equal(proxier.hasPending, false);

  state.upsert("EndpointSlice", webSlice("10.244.1.5", "10.244.2.6"));
  assert.equal(proxier.hasPending, true);
  const second = await proxier.sync();
  assert.equal(second.kind, "partial");
  assert.ok(second.operations > 0 && second.operations <= 8, `ops=${second.operations}`);
  assert.doesNotMatch(nft.applied[1], /table/, "a partial script does not touch tables");
  assert.deepEqual([...second.pending.services], ["default/web"]);
  assert.equal(second.pending.endpointChanges, 1);
  inSync();

  const third = await proxier.sync();
  assert.equal(third.kind, "none");
  assert.equal(nft.applied.length, 2, "nothing applied when nothing changed");
});

Deno.test("Proxier keeps the work of a failed sync and makes the next one full", async () => {
  const { state, nft, proxier, inSync, elements } = setup();
  state.upsert("Service", web());
  await proxier.sync();
  nft.failWhen(() => true);
  state.upsert("EndpointSlice", webSlice("10.244.1.7"));
  await assert.rejects(proxier.sync(), /injected failure/);
  assert.ok(proxier.tracker.hasPending, "the failed work is put back");
  assert.equal(proxier.hasPending, true);
  nft.failWhen(undefined);
  const retry = await proxier.sync();
  assert.equal(retry.kind, "full");
  assert.ok(retry.pending.services.has("default/web"));
  assert.match(nft.applied.at(-1)!, /^flush map ip kube-nft-proxy service-ips$/m, "in place");
  assert.equal(elements(EP).get("10.96.0.10 . 80 . 0"), "10.244.1.7 . 8080");
  inSync();
  assert.equal((await proxier.sync()).kind, "none");
});

Deno.test("Proxier retries a failed in-place full sync as a replacement of the tables", async () => {
  const { state, nft, proxier, inSync } = setup();
  state.upsert("Service", web());
  state.upsert("EndpointSlice", webSlice("10.244.1.5"));
  await proxier.sync();
  proxier.requestFull();
  nft.failWhen((s) => !s.startsWith("add table"));
  await assert.rejects(proxier.sync());
  assert.equal(
    nft.calls.filter((c) => c.kind === "check").length,
    0,
    "no bisection for an in-place failure",
  );
  const r = await proxier.sync();
  assert.equal(r.kind, "full");
  assert.match(
    nft.applied.at(-1)!,
    /^add table ip kube-nft-proxy\ndelete table ip kube-nft-proxy\n/,
  );
  assert.equal(proxier.skippedServices().size, 0);
  inSync();
});

Deno.test("Proxier quarantines the Service the kernel rejects and programs the others, until it changes", async () => {
  const { state, nft, logs, proxier, inSync, elements } = setup();
  for (const [name, ip] of [["a", "10.96.0.1"], ["bad", "10.96.0.66"], ["c", "10.96.0.3"]]) {
    state.upsert(
      "Service",
      service(name, { clusterIP: ip }, { metadata: { resourceVersion: "1" } }),
    );
    state.upsert("EndpointSlice", slice(name, `${name}-1`, [endpoint("10.244.1.5")]));
  }
  nft.failWhen((script) => script.includes("10.96.0.66"), "kernel refuses 10.96.0.66");
  await assert.rejects(proxier.sync(), /kernel refuses/);
  assert.ok(nft.calls.some((c) => c.kind === "check"), "bisected with checks");
  assert.deepEqual(nft.tableNames(), [], "checks commit nothing");
  const r = await proxier.sync();
  assert.equal(r.kind, "full");
  assert.deepEqual([...proxier.skippedServices()], [["default/bad", "quarantined"]]);
  assert.deepEqual([...elements(SET.clusterIps).keys()].sort(), ["10.96.0.1", "10.96.0.3"]);
  inSync();
  assert.ok(
    logs.some((l) =>
      /^E.*The kernel rejects this Service's rules.*object="Service default\/bad"/.test(l)
    ),
    logs.join("\n"),
  );
  // Its endpoints change but the Service does not: it stays out.
  state.upsert("EndpointSlice", slice("bad", "bad-1", [endpoint("10.244.1.6")]));
  assert.equal((await proxier.sync()).kind, "none");
  // The Service changes (a new resourceVersion): it is tried again.
  assert.equal(proxier.skippedServices().get("default/bad"), "quarantined");
  nft.failWhen(undefined);
  state.upsert(
    "Service",
    service("bad", { clusterIP: "10.96.0.67" }, { metadata: { resourceVersion: "2" } }),
  );
  await proxier.sync();
  assert.equal(proxier.skippedServices().size, 0);
  assert.ok(elements(SET.clusterIps).has("10.96.0.67"));
  inSync();
});

Deno.test("Proxier leaves out a Service above maxServiceElements and says why", async () => {
  const { state, logs, proxier, inSync, elements } = setup({
    settings: settings({ maxServiceElements: 10 }),
  });
  state.upsert("Service", web());
  state.upsert("EndpointSlice", webSlice(...[...Array(20)].map((_, i) => `10.244.1.${i + 10}`)));
  state.upsert("Service", service("small", { clusterIP: "10.96.0.11" }));
  state.upsert("EndpointSlice", slice("small", "small-1", [endpoint("10.244.1.5")]));
  await proxier.sync();
  assert.deepEqual([...proxier.skippedServices()], [["default/web", "too-large"]]);
  assert.deepEqual([...elements(SET.clusterIps).keys()], ["10.96.0.11"]);
  assert.ok(
    logs.some((l) => /^W.*object="Service default\/web" field=spec reason=.*limit of 10/.test(l)),
  );
  inSync();
  state.upsert("EndpointSlice", webSlice("10.244.1.10"));
  await proxier.sync();
  assert.equal(proxier.skippedServices().size, 0, "small enough again");
  assert.ok(elements(SET.clusterIps).has("10.96.0.10"));
});

/** Makes reading `field` of `obj` throw, as no JSON object could. */
function throwingField<T extends object>(obj: T, field: string): T {
  Object.defineProperty(obj, field, {
    get() {
      throw new TypeError(`${field} is not readable`);
    },
  });
  return obj;
}

Deno.test("Proxier counts a Service whose object makes the model throw as invalid, and programs the others", async () => {
  const { state, logs, proxier, inSync, elements } = setup();
  state.upsert("Service", throwingField(service("boom", { clusterIP: "10.96.0.20" }), "spec"));
  state.upsert("Service", web());
  await proxier.sync();
  assert.ok(
    logs.some((l) =>
      /object="Service default\/boom" field="\(object\)" reason="cannot be read: spec is not readable"/
        .test(l)
    ),
    logs.join("\n"),
  );
  assert.equal(proxier.invalidObjects().get("Service"), 1);
  assert.equal(proxier.skippedServices().size, 0, "an unreadable object is an invalid one");
  assert.deepEqual([...elements(SET.clusterIps).keys()], ["10.96.0.10"]);
  inSync();
  state.upsert("Service", service("boom", { clusterIP: "10.96.0.20" }));
  await proxier.sync();
  assert.equal(proxier.invalidObjects().has("Service"), false);
  assert.ok(elements(SET.clusterIps).has("10.96.0.20"));
});

Deno.test("Proxier skips only the Service whose endpoints make the model throw", async () => {
  const { state, logs, proxier, inSync, elements } = setup();
  state.upsert("Service", service("boom", { clusterIP: "10.96.0.20" }));
  state.upsert(
    "EndpointSlice",
    throwingField(slice("boom", "boom-1", [endpoint("10.244.1.5")]), "endpoints"),
  );
  state.upsert("Service", web());
  await proxier.sync();
  assert.equal(proxier.skippedServices().get("default/boom"), "failed");
  assert.ok(
    logs.some((l) =>
      /object="Service default\/boom".*cannot be programmed: endpoints is not readable/.test(l)
    ),
    logs.join("\n"),
  );
  assert.deepEqual([...elements(SET.clusterIps).keys()], ["10.96.0.10"]);
  inSync();
  state.upsert("EndpointSlice", slice("boom", "boom-1", [endpoint("10.244.1.5")]));
  await proxier.sync();
  assert.equal(proxier.skippedServices().size, 0);
  assert.ok(elements(SET.clusterIps).has("10.96.0.20"));
});

Deno.test("Proxier keeps other Services working when one is wrong-typed, as kubectl could never write it", async () => {
  const { state, logs, proxier, inSync, elements } = setup();
  const wrong = service("wrong", { clusterIP: "10.96.0.51" }, {
    metadata: { resourceVersion: "1" },
  });
  (wrong.spec as Record<string, unknown>).clusterIPs = "10.96.0.50"; // a string, not a list
  state.upsert("Service", wrong);
  state.upsert("Service", web());
  state.upsert("EndpointSlice", webSlice("10.244.1.5"));
  const r = await proxier.sync();
  assert.equal(r.kind, "full");
  assert.ok(elements(SET.serviceIps).has("10.96.0.10 . tcp . 80"));
  // The model type-checks the field, reports it, and falls back to spec.clusterIP.
  assert.deepEqual([...elements(SET.clusterIps).keys()].sort(), ["10.96.0.10", "10.96.0.51"]);
  assert.equal(proxier.invalidObjects().get("Service"), 1);
  assert.equal(proxier.skippedServices().size, 0);
  assert.ok(
    logs.some((l) => /object="Service default\/wrong" field=spec\.clusterIPs /.test(l)),
    logs.join("\n"),
  );
  inSync();
});

Deno.test("Proxier rewrites the tables a previous run left in place, keeping affinity entries and dropping stale objects", async () => {
  const nft = kernel();
  const state = new ClusterState();
  state.upsert("Node", nodeObject());
  state.upsert("Service", web({ sessionAffinity: "ClientIP" }));
  state.upsert("EndpointSlice", webSlice("10.244.1.5", "10.244.2.5"));
  state.upsert("Service", service("b", { clusterIP: "10.96.0.11" }));
  state.upsert("EndpointSlice", slice("b", "b-1", [endpoint("10.244.1.9")]));
  await setup({ state, nft }).proxier.sync();
  const set = "aff-default/web/tcp/http-ep-0af40105-8080";
  nft.load(`add element ip ${T} ${set} { 198.51.100.7 }`);
  // Left by an older version: gone from today's layout.
  nft.load(`add chain ip ${T} old-chain\nadd set ip ${T} old-set { type ipv4_addr; }`);

  const restarted = setup({ state, nft }); // a new process over the same kernel
  const r = await restarted.proxier.sync();
  assert.equal(r.kind, "full");
  const script = nft.applied.at(-1)!;
  assert.doesNotMatch(script, /delete table/, "rewritten in place");
  assert.match(script, new RegExp(`^delete chain ip ${T} old-chain$`, "m"));
  assert.match(script, new RegExp(`^delete set ip ${T} old-set$`, "m"));
  assert.deepEqual(
    [...nft.elements("ip", T, set).keys()],
    ["198.51.100.7"],
    "the client stays stuck",
  );
  assert.ok(restarted.logs.some((l) => /Rewriting the existing tables in place/.test(l)));
  nft.load(`delete element ip ${T} ${set} { 198.51.100.7 }`);
  restarted.inSync();
});

Deno.test("Proxier replaces the tables when told not to adopt them, or when one is missing", async () => {
  const nft = kernel();
  const state = new ClusterState();
  state.upsert("Node", nodeObject());
  state.upsert("Service", web());
  await setup({ state, nft }).proxier.sync();
  await setup({ state, nft, adoptTables: false }).proxier.sync();
  assert.match(
    nft.applied.at(-1)!,
    /^add table ip kube-nft-proxy\ndelete table ip kube-nft-proxy\n/,
  );
  nft.load(`delete table ip6 ${T}`);
  const third = setup({ state, nft });
  await third.proxier.sync();
  assert.match(nft.applied.at(-1)!, /^add table ip kube-nft-proxy\n/);
  third.inSync();
});

Deno.test("Proxier restores tables deleted behind its back when asked for a full sync with relisting", async () => {
  const { state, nft, proxier, inSync } = setup();
  state.upsert("Service", web());
  state.upsert("EndpointSlice", webSlice("10.244.1.5"));
  await proxier.sync();
  nft.load(`delete table ip ${T}\ndelete table ip6 ${T}`);
  proxier.requestFull({ relist: true });
  assert.equal(proxier.hasPending, true);
  const r = await proxier.sync();
  assert.equal(r.kind, "full");
  assert.match(
    nft.applied.at(-1)!,
    /^add table ip kube-nft-proxy\n/,
    "nothing to rewrite: replaced",
  );
  inSync();
});

Deno.test({
  name: "Proxier rewrites in place over nft 1.0.6 after a restart despite its typeof bug",
  async fn() {
    const nft = new FakeNftRunner({ typeofBug: true });
    const state = new ClusterState();
    state.upsert("Node", nodeObject());
    state.upsert("Service", web());
    state.upsert("EndpointSlice", webSlice("10.244.1.5"));
    await setup({ state, nft }).proxier.sync();
    await setup({ state, nft }).proxier.sync();
    assert.doesNotMatch(nft.applied.at(-1)!, /delete table/);
  },
});

Deno.test("Proxier collects the garbage of a scale-down once, in one transaction", async () => {
  const { state, nft, proxier, inSync, elements } = setup();
  state.upsert("Service", web());
  state.upsert("EndpointSlice", webSlice("10.244.1.5", "10.244.2.5", "10.244.1.6"));
  await proxier.sync();
  assert.equal(await proxier.collectGarbage(), undefined, "nothing to collect");
  state.upsert("EndpointSlice", webSlice("10.244.1.5"));
  assert.equal((await proxier.sync()).kind, "partial");
  assert.equal(proxier.hasGarbage, true);
  assert.equal(elements(EP).size, 3, "unreachable endpoints wait");
  const before = nft.applied.length;
  const g = await proxier.collectGarbage();
  assert.equal(g?.kind, "garbage");
  assert.equal(nft.applied.length, before + 1);
  // 2 endpoints, the hairpin of the one on this node (10.244.2.5 is on the other), pick-3.
  assert.equal(g!.operations, 4, `ops=${g!.operations}`);
  assert.equal(proxier.hasGarbage, false);
  assert.equal(elements(EP).size, 1);
  inSync();
  // A failed collection makes the next sync a full one.
  state.upsert("EndpointSlice", webSlice("10.244.1.7", "10.244.2.7"));
  await proxier.sync();
  state.upsert("EndpointSlice", webSlice("10.244.1.7"));
  await proxier.sync();
  nft.failWhen(() => true);
  await assert.rejects(proxier.collectGarbage());
  nft.failWhen(undefined);
  assert.equal(await proxier.collectGarbage(), undefined, "no collection while a full sync is due");
  assert.equal((await proxier.sync()).kind, "full");
  inSync();
});

Deno.test("Proxier reports health-check node ports and Local policies without local endpoints", async () => {
  const { state, proxier } = setup();
  state.upsert(
    "Service",
    service("lb", {
      type: "LoadBalancer",
      externalTrafficPolicy: "Local",
      healthCheckNodePort: 32100,
      ports: [{ name: "http", port: 80, nodePort: 30080 }],
    }),
  );
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
  assert.deepEqual([...proxier.healthCheckNodePorts()], [
    [32100, { port: 32100, namespace: "default", name: "lb", localEndpoints: 2 }],
  ]);
  assert.deepEqual(proxier.noLocalEndpoints(4), { internal: 0, external: 0 });
  state.upsert("EndpointSlice", slice("lb", "lb-1", [endpoint("10.244.2.5", OTHER)]));
  await proxier.sync();
  assert.equal(proxier.healthCheckNodePorts().get(32100)?.localEndpoints, 0);
  assert.deepEqual(proxier.noLocalEndpoints(4), { internal: 0, external: 1 });
  assert.deepEqual(proxier.noLocalEndpoints(6), { internal: 0, external: 0 }, "IPv4-only Service");
  state.remove("Service", "default/lb");
  await proxier.sync();
  assert.equal(proxier.healthCheckNodePorts().size, 0);
  assert.deepEqual(proxier.noLocalEndpoints(4), { internal: 0, external: 0 });
});

Deno.test("Proxier lists programmed UDP service ports with their serving endpoints", async () => {
  const { state, proxier } = setup();
  const ports = [{ name: "dns", protocol: "UDP", port: 5353 }, {
    name: "dns-tcp",
    protocol: "TCP",
    port: 5353,
  }];
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
  state.upsert(
    "EndpointSlice",
    slice("dns", "dns-1", [endpoint("10.244.1.5"), endpoint("10.244.2.5", OTHER)], { ports }),
  );
  state.upsert("Service", web());
  await proxier.sync();
  assert.deepEqual(proxier.udpServicePorts(), [{
    family: 4,
    serviceIPs: ["10.96.0.10", "192.0.2.53"],
    port: 53,
    nodePort: 0,
    servingEndpoints: ["10.244.1.5:5353", "10.244.2.5:5353"],
  }]);
  state.remove("Service", "default/dns");
  await proxier.sync();
  assert.deepEqual(proxier.udpServicePorts(), []);
});

Deno.test("Proxier rewrites everything after a Node address or ServiceCIDR change, not after a no-op update", async () => {
  const { state, proxier, inSync, elements } = setup();
  state.upsert("Service", web());
  await proxier.sync();
  state.upsert("Node", nodeObject());
  assert.equal((await proxier.sync()).kind, "none");
  state.upsert(
    "Node",
    nodeObject({ status: { addresses: [{ type: "InternalIP", address: "192.168.10.2" }] } }),
  );
  assert.equal((await proxier.sync()).kind, "full");
  assert.deepEqual([...elements(SET.nodeportIps).keys()], ["192.168.10.2"]);
  assert.ok(
    elements(SET.noEndpointServices).has("10.96.0.10 . tcp . 80"),
    "Services are re-rendered",
  );
  inSync();
  state.upsert(
    "ServiceCIDR",
    { metadata: { name: "kubernetes" }, spec: { cidrs: ["10.100.0.0/16"] } } as never,
  );
  assert.equal((await proxier.sync()).kind, "full");
  assert.deepEqual([...elements(SET.serviceCidrs).keys()], ["10.100.0.0/16"]);
  inSync();
});

Deno.test("Proxier logs an invalid field once, naming the object and field, and counts invalid objects", async () => {
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
  assert.match(warn[0], /^W.*object="Service default\/web"/);
  assert.equal(proxier.invalidObjects().get("Service"), 1);
  state.upsert("Service", service("web"));
  await proxier.sync();
  // Kinds without an invalid object are left out (the metric reads them as 0).
  assert.equal(proxier.invalidObjects().has("Service"), false, "fixed");
});

Deno.test("Proxier reports an EndpointSlice whose Service does not exist", async () => {
  const { state, logs, proxier } = setup();
  state.upsert("EndpointSlice", slice("ghost", "ghost-1", [endpoint("10.244.1.5")]));
  await proxier.sync();
  assert.ok(
    logs.some((l) =>
      /object="EndpointSlice default\/ghost-1" field="metadata.labels\[kubernetes.io\/service-name\]" reason="Service default\/ghost does not exist"/
        .test(l)
    ),
    logs.join("\n"),
  );
});

Deno.test("Proxier.onPending() returns a function that unsubscribes", async () => {
  const { state, proxier } = setup();
  await proxier.sync();
  let calls = 0;
  const off = proxier.onPending(() => calls++);
  state.upsert("Service", web());
  assert.equal(calls, 1);
  off();
  state.upsert("Service", service("other", { clusterIP: "10.96.0.11" }));
  assert.equal(calls, 1);
  assert.equal(proxier.hasPending, true);
});

Deno.test("Proxier refuses external IPs that are a ClusterIP, in a service CIDR or an older Service's, and counts them", async () => {
  const { state, logs, proxier, inSync, elements } = setup();
  const svc = (name: string, ip: string, externalIPs: string[], created: string) =>
    service(name, { clusterIP: ip, externalIPs }, {
      metadata: { creationTimestamp: created },
    });
  // Claimants arrive before the owners, and "a-young" comes first by name: only age decides.
  state.upsert("Service", svc("a-young", "10.96.0.23", ["192.0.2.9"], "2024-01-01T00:00:00Z"));
  state.upsert("Service", svc("old", "10.96.0.22", ["192.0.2.9"], "2022-01-01T00:00:00Z"));
  state.upsert("Service", svc("thief", "10.96.0.20", ["10.96.0.10"], "2021-01-01T00:00:00Z"));
  state.upsert("Service", svc("web", "10.96.0.10", [], "2023-01-01T00:00:00Z"));
  state.upsert("Service", svc("inside", "10.96.0.21", ["10.96.5.5"], "2021-01-01T00:00:00Z"));
  for (
    const [name, ip] of [["web", "10.244.1.10"], ["old", "10.244.1.22"], ["a-young", "10.244.1.23"]]
  ) {
    state.upsert("EndpointSlice", slice(name, `${name}-1`, [endpoint(ip)]));
  }
  await proxier.sync();
  assert.deepEqual({ ...proxier.refusedAddresses() }, {
    "cluster-ip": 1,
    "service-cidr": 1,
    conflict: 1,
  });
  assert.equal(elements(EP).get("10.96.0.10 . 80 . 0"), "10.244.1.10 . 8080", "web keeps its IP");
  assert.ok(!elements(SET.serviceIps).has("10.96.5.5 . tcp . 80"));
  assert.equal(elements(EP).get("192.0.2.9 . 80 . 0"), "10.244.1.22 . 8080", "the older wins");
  assert.ok(
    logs.some((l) => /object="Service default\/a-young" field="spec\.externalIPs\[0\]"/.test(l)),
    logs.join("\n"),
  );
  inSync();
  state.remove("Service", "default/old");
  assert.equal((await proxier.sync()).kind, "partial");
  assert.equal(
    elements(EP).get("192.0.2.9 . 80 . 0"),
    "10.244.1.23 . 8080",
    "the next one takes over",
  );
  assert.equal(proxier.refusedAddresses().conflict, 0);
  inSync();
});

Deno.test("Proxier reports its NodePort addresses, and a full sync re-reads this host's addresses", async () => {
  let local: IpAddr[] = [parseIp("192.168.10.1"), parseIp("10.0.0.1")];
  const { state, proxier, inSync, elements } = setup({
    settings: settings({
      nodePortAddresses: [parseCidr("192.168.0.0/16")],
      localAddresses: () => local,
    }),
  });
  state.upsert("Service", web());
  await proxier.sync();
  // No IPv6 CIDR: every IPv6 address, as upstream.
  assert.deepEqual(proxier.nodePortAddresses(), ["192.168.10.1", "::"]);
  assert.deepEqual([...elements(SET.nodeportIps).keys()], ["192.168.10.1"]);
  local = [...local, parseIp("192.168.20.1")];
  proxier.requestFull();
  assert.equal((await proxier.sync()).kind, "full");
  assert.deepEqual(proxier.nodePortAddresses(), ["192.168.10.1", "192.168.20.1", "::"]);
  assert.deepEqual([...elements(SET.nodeportIps).keys()].sort(), ["192.168.10.1", "192.168.20.1"]);
  inSync();
});

Deno.test("Proxier times the nft transaction apart from the whole sync", async () => {
  let t = 0;
  const { state, proxier } = setup({ now: () => (t += 5) });
  state.upsert("Service", web());
  const r = await proxier.sync();
  assert.equal(r.applyMs, 5, "one clock step across the apply");
  assert.ok(r.durationMs > r.applyMs, `duration ${r.durationMs}, apply ${r.applyMs}`);
  assert.equal((await proxier.sync()).applyMs, 0, "nothing applied");
});

Deno.test("Proxier forgets the problems of deleted objects (the report map does not grow with churn)", async () => {
  const { state, proxier } = setup();
  for (let i = 0; i < 50; i++) {
    state.upsert(
      "Service",
      service(`bad-${i}`, { clusterIP: `10.96.1.${i + 1}`, ports: [{ port: 99999 }] }),
    );
  }
  await proxier.sync();
  assert.equal(proxier.invalidObjects().get("Service"), 50);
  for (let i = 0; i < 50; i++) state.remove("Service", `default/bad-${i}`);
  await proxier.sync();
  assert.equal(proxier.invalidObjects().has("Service"), false);
});
