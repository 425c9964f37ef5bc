import assert from "node:assert/strict";
import { AddressClaims, type ServiceClaims } from "../../../src/model/address_claims.ts";
import { readService, type ServicePortInfo } from "../../../src/model/service_port.ts";
import { parseCidr } from "../../../src/model/ip.ts";
import { problems, service } from "../../fixtures/unit/builders.ts";
import { loadFixture } from "../../fixtures/model/load.ts";

/** Reads a Service and registers its claims; returns its key, ports and what update() said. */
function add(claims: AddressClaims, svc: unknown) {
  const p = problems();
  const r = readService(svc, p.sink);
  assert.deepEqual(p.list, [], "fixture reads cleanly");
  const key = r.ports[0]?.serviceKey ?? "?";
  const others = claims.update(key, r.claims);
  return { key, ports: r.ports, others };
}

function externals(ports: ServicePortInfo[]): string[] {
  return ports.flatMap((sp) =>
    [...sp.externalIPs, ...sp.loadBalancerIPs].map((ip) => `${ip.text} ${sp.protocol}/${sp.port}`)
  );
}

/** A kubectl-style Service with an age, a uid, and spec overrides. */
function aged(
  ns: string,
  name: string,
  created: string,
  uid: string,
  spec: Record<string, unknown>,
  status?: unknown,
) {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { namespace: ns, name, creationTimestamp: created, uid, resourceVersion: "1" },
    spec: { type: "ClusterIP", ports: [{ name: "http", protocol: "TCP", port: 80 }], ...spec },
    ...(status ? { status } : {}),
  };
}

Deno.test("AddressClaims refuses kube-dns's ClusterIP as another Service's external IP", () => {
  const claims = new AddressClaims();
  const dns = add(claims, loadFixture("kube_dns_service.yaml"));
  const thief = add(claims, loadFixture("dns_thief_service.yaml"));
  assert.deepEqual(thief.others, new Set(), "kube-dns keeps what it had");
  const p = problems();
  const filtered = claims.filterPorts(thief.key, thief.ports, p.sink);
  assert.deepEqual(externals(filtered), ["192.0.2.53 udp/53"], "only the harmless address stays");
  assert.deepEqual(p.list.map((x) => [x.kind, x.object, x.field, x.message]), [[
    "Service",
    "Service aaa/dns",
    "spec.externalIPs[0]",
    "10.96.0.10 is the ClusterIP of Service kube-system/kube-dns; refused",
  ]]);
  // kube-dns itself loses nothing.
  assert.deepEqual(claims.filterPorts(dns.key, dns.ports), dns.ports);
  assert.deepEqual(claims.refusedCounts(), { "cluster-ip": 1, "service-cidr": 0, conflict: 0 });
});

Deno.test("AddressClaims refuses a ClusterIP as an external IP even from an older Service", () => {
  const claims = new AddressClaims();
  const thief = add(
    claims,
    aged("aaa", "early", "2020-01-01T00:00:00Z", "u-0", {
      clusterIP: "10.104.0.1",
      externalIPs: ["10.96.0.10"],
      ports: [{ name: "dns", protocol: "UDP", port: 53 }],
    }),
  );
  assert.deepEqual(externals(claims.filterPorts(thief.key, thief.ports)), ["10.96.0.10 udp/53"]);
  // kube-dns arrives later: the thief's claim flips, and update() says so.
  const dns = add(claims, loadFixture("kube_dns_service.yaml"));
  assert.deepEqual(dns.others, new Set(["aaa/early"]));
  assert.deepEqual(externals(claims.filterPorts(thief.key, thief.ports)), []);
  // ... and flips back when kube-dns goes away.
  assert.deepEqual(claims.update(dns.key, undefined), new Set(["aaa/early"]));
  assert.deepEqual(externals(claims.filterPorts(thief.key, thief.ports)), ["10.96.0.10 udp/53"]);
});

Deno.test("AddressClaims refuses external and LB IPs inside the service CIDRs", () => {
  const claims = new AddressClaims();
  claims.setServiceCidrs([parseCidr("10.96.0.0/12"), parseCidr("fd00:96::/112")]);
  const lb = add(
    claims,
    aged("shop", "web", "2024-01-01T00:00:00Z", "u-1", {
      type: "LoadBalancer",
      clusterIP: "10.96.1.1",
      externalIPs: ["10.100.0.7", "192.0.2.7"],
    }, { loadBalancer: { ingress: [{ ip: "10.96.200.1" }, { ip: "198.51.100.7" }] } }),
  );
  const p = problems();
  assert.deepEqual(externals(claims.filterPorts(lb.key, lb.ports, p.sink)), [
    "192.0.2.7 tcp/80",
    "198.51.100.7 tcp/80",
  ]);
  assert.deepEqual(p.list.map((x) => `${x.field}: ${x.message}`), [
    "spec.externalIPs[0]: 10.100.0.7 is inside the service CIDR 10.96.0.0/12; refused",
    "status.loadBalancer.ingress[0].ip: 10.96.200.1 is inside the service CIDR 10.96.0.0/12; refused",
  ]);
  // New service CIDRs re-evaluate everything and name who changed.
  assert.deepEqual(claims.setServiceCidrs([parseCidr("10.96.0.0/16")]), new Set(["shop/web"]));
  assert.deepEqual(claims.setServiceCidrs([parseCidr("10.96.0.0/16")]), new Set(), "no change");
  assert.deepEqual(externals(claims.filterPorts(lb.key, lb.ports)), [
    "10.100.0.7 tcp/80",
    "192.0.2.7 tcp/80",
    "198.51.100.7 tcp/80",
  ]);
});

Deno.test("AddressClaims gives a contested address to the older Service, never by name", () => {
  const claims = new AddressClaims();
  // "aaa" sorts first but is younger: it loses to "zzz".
  const young = add(
    claims,
    aged("aaa", "grab", "2024-06-01T00:00:00Z", "u-9", {
      clusterIP: "10.96.0.50",
      externalIPs: ["192.0.2.10"],
    }),
  );
  assert.deepEqual(externals(claims.filterPorts(young.key, young.ports)), ["192.0.2.10 tcp/80"]);
  const old = add(
    claims,
    aged("zzz", "web", "2023-01-01T00:00:00Z", "u-1", { clusterIP: "10.96.0.51" }, {
      loadBalancer: { ingress: [{ ip: "192.0.2.10" }] },
    }),
  );
  assert.equal(old.ports.length, 1);
  // zzz/web is a ClusterIP Service: its status ingress is not read, so no conflict yet.
  assert.deepEqual(old.others, new Set());
  const oldLb = add(
    claims,
    aged("zzz", "web", "2023-01-01T00:00:00Z", "u-1", {
      type: "LoadBalancer",
      clusterIP: "10.96.0.51",
    }, { loadBalancer: { ingress: [{ ip: "192.0.2.10" }] } }),
  );
  assert.deepEqual(oldLb.others, new Set(["aaa/grab"]), "the younger Service must be re-rendered");
  const p = problems();
  assert.deepEqual(externals(claims.filterPorts(young.key, young.ports, p.sink)), []);
  assert.deepEqual(p.list.map((x) => `${x.field}: ${x.message}`), [
    "spec.externalIPs[0]: 192.0.2.10 tcp/80 is already claimed by the older Service zzz/web; refused",
  ]);
  assert.deepEqual(externals(claims.filterPorts(oldLb.key, oldLb.ports)), ["192.0.2.10 tcp/80"]);
  // Another port on the same address is not contested.
  const other = add(
    claims,
    aged("aaa", "other", "2025-01-01T00:00:00Z", "u-5", {
      clusterIP: "10.96.0.52",
      externalIPs: ["192.0.2.10"],
      ports: [{ name: "https", protocol: "TCP", port: 443 }, {
        name: "dns",
        protocol: "UDP",
        port: 80,
      }],
    }),
  );
  assert.deepEqual(externals(claims.filterPorts(other.key, other.ports)), [
    "192.0.2.10 tcp/443",
    "192.0.2.10 udp/80",
  ]);
  // The winner goes away: the younger one gets the address.
  assert.deepEqual(claims.update(oldLb.key, undefined), new Set(["aaa/grab"]));
  assert.deepEqual(externals(claims.filterPorts(young.key, young.ports)), ["192.0.2.10 tcp/80"]);
});

Deno.test("AddressClaims breaks a tie of creation times by uid, then (without either) by key", () => {
  const claims = new AddressClaims();
  const spec = (ip: string) => ({ clusterIP: ip, externalIPs: ["192.0.2.20"] });
  const b = add(claims, aged("a", "b", "2024-01-01T00:00:00Z", "uid-2", spec("10.96.0.60")));
  const a = add(claims, aged("z", "a", "2024-01-01T00:00:00Z", "uid-1", spec("10.96.0.61")));
  assert.deepEqual(a.others, new Set(["a/b"]));
  assert.deepEqual(externals(claims.filterPorts(a.key, a.ports)), ["192.0.2.20 tcp/80"]);
  assert.deepEqual(externals(claims.filterPorts(b.key, b.ports)), []);
  // Hand-written manifests without metadata: the key decides, so the answer is stable.
  const m = new AddressClaims();
  const y = add(m, service("y", { clusterIP: "10.96.0.70", externalIPs: ["192.0.2.30"] }));
  const x = add(m, service("x", { clusterIP: "10.96.0.71", externalIPs: ["192.0.2.30"] }));
  assert.deepEqual(x.others, new Set(["default/y"]));
  assert.deepEqual(externals(m.filterPorts(y.key, y.ports)), []);
  // A Service with a creation time is older than one without ...
  const timed = add(
    m,
    aged("zz", "late", "2030-01-01T00:00:00Z", "", {
      clusterIP: "10.96.0.72",
      externalIPs: ["192.0.2.30"],
    }),
  );
  assert.deepEqual(timed.others, new Set(["default/x"]));
  assert.deepEqual(externals(m.filterPorts(timed.key, timed.ports)), ["192.0.2.30 tcp/80"]);
  // ... and at the same time, one with a uid is older than one without.
  const t2 = add(
    m,
    aged("zz", "t2", "2030-01-01T00:00:00Z", "u", {
      clusterIP: "10.96.0.73",
      externalIPs: ["192.0.2.30"],
    }),
  );
  assert.deepEqual(t2.others, new Set(["zz/late"]));
  assert.deepEqual(externals(m.filterPorts(t2.key, t2.ports)), ["192.0.2.30 tcp/80"]);
  assert.deepEqual(externals(m.filterPorts(timed.key, timed.ports)), []);
});

Deno.test("AddressClaims settles duplicate ClusterIPs (hand-written manifests) by age too", () => {
  const claims = new AddressClaims();
  const first = add(
    claims,
    aged("a", "one", "2024-01-01T00:00:00Z", "u1", { clusterIP: "10.96.9.9" }),
  );
  const second = add(
    claims,
    aged("a", "two", "2023-01-01T00:00:00Z", "u2", { clusterIP: "10.96.9.9" }),
  );
  assert.deepEqual(second.others, new Set(["a/one"]));
  const p = problems();
  const lost = claims.filterPorts(first.key, first.ports, p.sink);
  assert.deepEqual(lost[0].clusterIPs, []);
  assert.deepEqual(p.list.map((x) => x.field), ["spec.clusterIPs"]);
  assert.deepEqual(claims.filterPorts(second.key, second.ports)[0].clusterIPs.map((i) => i.text), [
    "10.96.9.9",
  ]);
});

Deno.test("AddressClaims.update() of an unrelated Service names no other Service", () => {
  const claims = new AddressClaims();
  add(claims, loadFixture("kube_dns_service.yaml"));
  add(claims, loadFixture("dns_thief_service.yaml"));
  const r = add(claims, service("web", { clusterIP: "10.96.0.80", externalIPs: ["192.0.2.80"] }));
  assert.deepEqual(r.others, new Set());
  assert.deepEqual(claims.update(r.key, undefined), new Set());
  assert.equal(claims.size, 2);
});

// ---- Incremental answers equal a from-scratch evaluation, over random update sequences.

/** Accepted claims of every Service, from the resolver's refusals and the inputs. */
function snapshot(c: AddressClaims, inputs: Map<string, ServiceClaims>): Map<string, string> {
  const out = new Map<string, string>();
  for (const key of inputs.keys()) {
    out.set(
      key,
      c.refusals(key).map((r) => `${r.field} ${r.address} ${r.port} ${r.reason} ${r.by}`).sort()
        .join("|"),
    );
  }
  return out;
}

Deno.test("AddressClaims answers incrementally what a fresh resolver computes from scratch", () => {
  let seed = 7;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const claims = new AddressClaims();
  const inputs = new Map<string, ServiceClaims>();
  const cidrSets = [[], [parseCidr("10.96.0.0/24")], [parseCidr("192.0.2.0/30")]];
  let cidrs = cidrSets[0];
  for (let step = 0; step < 400; step++) {
    const before = snapshot(claims, inputs);
    let changed: Set<string>;
    let self: string | undefined;
    if (rand(20) === 0) {
      cidrs = cidrSets[rand(cidrSets.length)];
      changed = claims.setServiceCidrs(cidrs);
    } else {
      self = `ns/s${rand(12)}`;
      const [ns, name] = self.split("/");
      if (rand(5) === 0) {
        inputs.delete(self);
        changed = claims.update(self, undefined);
      } else {
        const p = problems();
        const r = readService(
          aged(ns, name, `2024-01-0${1 + rand(3)}T00:00:00Z`, `u${rand(4)}`, {
            type: rand(2) ? "LoadBalancer" : "ClusterIP",
            clusterIP: `10.96.0.${rand(6)}`,
            externalIPs: [`10.96.0.${rand(6)}`, `192.0.2.${rand(4)}`].slice(0, 1 + rand(2)),
            ports: [{ name: "a", protocol: "TCP", port: 80 + rand(2) }],
          }, { loadBalancer: { ingress: [{ ip: `192.0.2.${rand(4)}` }] } }),
          p.sink,
        );
        inputs.set(self, r.claims!);
        changed = claims.update(self, r.claims);
      }
    }
    const fresh = new AddressClaims();
    fresh.setServiceCidrs(cidrs);
    for (const [k, v] of inputs) fresh.update(k, v);
    const after = snapshot(claims, inputs);
    assert.deepEqual(after, snapshot(fresh, inputs), `step ${step}: differs from scratch`);
    assert.deepEqual(claims.refusedCounts(), fresh.refusedCounts(), `step ${step}: counts`);
    // Every OTHER Service whose accepted claims changed is named (and maybe a few more whose
    // refusal reason changed).
    for (const key of inputs.keys()) {
      if (key === self || before.get(key) === undefined) continue;
      const accepted = (s: string | undefined) =>
        (s ?? "").split("|").map((x) => x.split(" ").slice(0, 3).join(" ")).join("|");
      if (accepted(before.get(key)) !== accepted(after.get(key))) {
        assert.ok(changed.has(key), `step ${step}: ${key} changed but was not named`);
      }
    }
    if (self) assert.ok(!changed.has(self), "the updated Service itself is not in the answer");
  }
});
