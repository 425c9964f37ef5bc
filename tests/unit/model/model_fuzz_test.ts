/**
 * Property tests of the model over seeded, generated objects (see
 * tests/support/fuzz_objects.ts): valid ones read exactly as an independent
 * oracle says, mutants (a wrong JSON type, nft syntax, a bad IP, an extreme
 * number, a `__proto__` key or a huge value at a random field) never make
 * the model throw, every string that can reach nft keeps a strict grammar,
 * valid objects in the same batch are unaffected, and whatever is dropped is
 * reported.
 */

import assert from "node:assert/strict";
import { readService, type ServicePortInfo } from "../../../src/model/service_port.ts";
import { type EndpointInfo, mergeEndpointSlices } from "../../../src/model/endpoints.ts";
import { readNode } from "../../../src/model/node_info.ts";
import { readServiceCidr } from "../../../src/model/service_cidr.ts";
import { AddressClaims } from "../../../src/model/address_claims.ts";
import type { Cidr, IpAddr } from "../../../src/model/ip.ts";
import type { ModelProblem } from "../../../src/model/problems.ts";
import { MAX_PROBLEMS_PER_OBJECT } from "../../../src/model/_reporter.ts";
import {
  endpointLine,
  fuzzServices,
  lineIp,
  mutantSlice,
  mutate,
  Rng,
  validNode,
  validSlice,
} from "../../support/fuzz_objects.ts";

const SEED = 20261130;

// ---- The grammar of everything that can reach an nft script.

const OCTET = "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])";
const V4 = new RegExp(`^${OCTET}(\\.${OCTET}){3}$`);
const V6 = /^(?=.*:)[0-9a-f]{0,4}(:[0-9a-f]{0,4}){2,7}$/;
const LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const PORT_NAME = /^[a-z0-9]([-a-z0-9]{0,13}[a-z0-9])?$/;

function assertIp(ip: IpAddr, what: string): void {
  const ok = ip.family === 4 ? V4.test(ip.text) : V6.test(ip.text) && !ip.text.includes(":::");
  assert.ok(ok, `${what}: not a canonical IPv${ip.family} address: ${JSON.stringify(ip.text)}`);
  assert.equal(ip.bytes.length, ip.family === 4 ? 4 : 16, what);
}

function assertCidr(c: Cidr, what: string): void {
  assertIp(c.addr, what);
  assert.ok(Number.isInteger(c.prefix) && c.prefix >= 0 && c.prefix <= (c.family === 4 ? 32 : 128));
  assert.equal(c.text, `${c.addr.text}/${c.prefix}`, what);
}

function assertPortNumber(n: number, what: string, zeroOk = false): void {
  assert.ok(Number.isInteger(n) && n <= 65535 && (n >= 1 || (zeroOk && n === 0)), `${what}: ${n}`);
}

function assertServicePort(sp: ServicePortInfo): void {
  const what = `port ${JSON.stringify(sp.id)}`;
  assert.ok(LABEL.test(sp.namespace) && LABEL.test(sp.name), what);
  assert.ok(sp.portName === "" || PORT_NAME.test(sp.portName), what);
  assert.ok(["tcp", "udp", "sctp"].includes(sp.protocol), what);
  assert.equal(
    sp.id,
    `${sp.namespace}/${sp.name}/${sp.protocol}/${sp.portName || sp.port}`,
    what,
  );
  assertPortNumber(sp.port, what);
  assertPortNumber(sp.nodePort, what, true);
  assertPortNumber(sp.healthCheckNodePort, what, true);
  assert.ok(sp.clusterIPs.length >= 1 && sp.clusterIPs.length <= 2, what);
  for (const ip of [...sp.clusterIPs, ...sp.externalIPs, ...sp.loadBalancerIPs]) assertIp(ip, what);
  for (const c of sp.loadBalancerSourceRanges) assertCidr(c, what);
  const a = sp.affinityTimeoutSeconds;
  assert.ok(Number.isInteger(a) && a >= 0 && a <= 86400, what);
  assert.equal(typeof sp.externalPolicyLocal, "boolean");
  assert.equal(typeof sp.internalPolicyLocal, "boolean");
}

function assertEndpoint(ep: EndpointInfo): void {
  assertIp(ep.ip, "endpoint");
  assertPortNumber(ep.port, "endpoint");
  for (const b of [ep.ready, ep.serving, ep.terminating]) assert.equal(typeof b, "boolean");
  assert.equal(typeof ep.nodeName, "string");
  assert.equal(typeof ep.zone, "string");
}

/** Problems are well-formed single lines naming a kind, an object and a field. */
function assertProblems(list: ModelProblem[], kind: string): void {
  for (const p of list) {
    assert.equal(p.kind, kind);
    assert.ok(p.object.startsWith(`${kind} `), p.object);
    for (const s of [p.object, p.field, p.message]) {
      assert.equal(typeof s, "string");
      assert.ok(
        !s.includes("\n") && !s.includes("\r") && !s.includes("\0"),
        `multi-line: ${JSON.stringify(s)}`,
      );
      assert.ok(s.length < 400, `problem text of ${s.length} characters`);
    }
    assert.ok(p.message.length > 0);
  }
}

function collector(): { sink: (p: ModelProblem) => void; list: ModelProblem[] } {
  const list: ModelProblem[] = [];
  return { sink: (p) => list.push(p), list };
}

Deno.test("readService() over 1,500 generated Services: exact when valid, safe and reported when not", () => {
  const generated = fuzzServices(SEED, 1500);
  let valid = 0, mutants = 0;
  const claims = new AddressClaims();
  for (const g of generated) {
    const p = collector();
    let r;
    try {
      r = readService(g.object, p.sink);
    } catch (e) {
      assert.fail(`readService threw on ${g.mutation ?? "a valid Service"}: ${e}`);
    }
    const where = g.mutation ?? JSON.stringify(g.object).slice(0, 200);
    r.ports.forEach(assertServicePort);
    assertProblems(p.list, "Service");
    assert.ok(p.list.length <= MAX_PROBLEMS_PER_OBJECT + 1, where);
    if (r.claims) claims.update(`${r.ports[0]?.serviceKey ?? where}`, r.claims);
    if (g.expected) {
      valid++;
      const e = g.expected;
      assert.deepEqual(p.list, [], where);
      assert.deepEqual(
        r.ports.map((sp) => [sp.id, sp.protocol, sp.port, sp.nodePort, sp.portName]),
        e.ports.map((x) => [x.id, x.protocol, x.port, x.nodePort, x.portName]),
        where,
      );
      for (const sp of r.ports) {
        assert.equal(sp.serviceKey, e.key);
        assert.deepEqual(sp.clusterIPs.map((i) => i.text), e.clusterIPs, where);
        assert.deepEqual(sp.externalIPs.map((i) => i.text), e.externalIPs, where);
        assert.deepEqual(sp.loadBalancerIPs.map((i) => i.text), e.loadBalancerIPs, where);
        assert.deepEqual(sp.loadBalancerSourceRanges.map((c) => c.text), e.sourceRanges, where);
        assert.equal(sp.affinityTimeoutSeconds, e.affinityTimeoutSeconds, where);
        assert.equal(sp.externalPolicyLocal, e.externalPolicyLocal, where);
        assert.equal(sp.internalPolicyLocal, e.internalPolicyLocal, where);
      }
      continue;
    }
    mutants++;
    // Whatever is dropped is reported: the whole Service, or each port that is missing.
    const raw = g.object as { spec?: { ports?: unknown } } | null;
    const rawPorts = raw && typeof raw === "object" ? raw.spec?.ports : undefined;
    const truncated = p.list.some((x) => x.message.includes("more problems not listed"));
    if (r.ports.length === 0 && !r.skipped) {
      const noPorts = rawPorts === undefined || rawPorts === null ||
        (Array.isArray(rawPorts) && rawPorts.length === 0);
      if (!noPorts) assert.ok(p.list.length > 0, `dropped without a problem: ${where}`);
    } else if (r.ports.length > 0 && Array.isArray(rawPorts) && !truncated) {
      rawPorts.forEach((rp, i) => {
        if (p.list.some((x) => x.field.startsWith(`spec.ports[${i}]`))) return;
        const q = rp as { port?: unknown; name?: unknown };
        assert.ok(
          r.ports.some((sp) => sp.port === q.port && sp.portName === (q.name ?? "")),
          `spec.ports[${i}] dropped without a problem: ${where}`,
        );
      });
    }
  }
  assert.ok(valid > 500 && mutants > 500, `valid ${valid}, mutants ${mutants}`);
  // The claims of every Service read, valid or not, resolve without throwing.
  assert.ok(claims.size > 500);
});

Deno.test("mergeEndpointSlices() over generated batches: mutants never spoil the valid slices", () => {
  const rng = new Rng(SEED + 1);
  let objects = 0, reportedMutants = 0;
  for (let i = 0; i < 250; i++) {
    const ns = "ns", svc = `svc-${i}`;
    const good = Array.from(
      { length: rng.int(1, 3) },
      (_, s) => validSlice(rng, ns, svc, s, [10, (i % 100) + 1]),
    );
    // Mutants live in 11.x (IPv4) / fd00:b::: they never share an address with a valid slice.
    const bad = Array.from(
      { length: rng.int(0, 2) },
      (_, s) => mutantSlice(rng, ns, svc, 10 + s, [11, (i % 100) + 1]),
    );
    objects += good.length + bad.length;
    const slices = [...good.map((g) => g.object), ...bad.map((b) => b.object)];
    for (let k = slices.length - 1; k > 0; k--) { // any order
      const j = rng.int(0, k);
      [slices[k], slices[j]] = [slices[j], slices[k]];
    }
    const p = collector();
    let out;
    try {
      out = mergeEndpointSlices(slices, p.sink);
    } catch (e) {
      assert.fail(`mergeEndpointSlices threw on ${bad.map((b) => b.mutation)}: ${e}`);
    }
    assertProblems(p.list, "EndpointSlice");
    const expected = new Map<string, string[]>();
    for (const g of good) {
      for (const [k, lines] of g.expected) expected.set(k, [...(expected.get(k) ?? []), ...lines]);
    }
    const goodAddrs = new Set([...expected.values()].flat().map(lineIp));
    const mutantAddrs = new Set(bad.flatMap((b) => b.addresses));
    for (const [key, eps] of out) {
      eps.forEach(assertEndpoint);
      const lines = eps.map((e) =>
        endpointLine(e.ip.text, e.port, e.ready, e.serving, e.terminating, e.nodeName)
      );
      const fromGood = lines.filter((l) => goodAddrs.has(lineIp(l)));
      const want = (expected.get(key) ?? []).slice().sort();
      assert.deepEqual(fromGood.slice().sort(), want, `port ${key}: ${bad.map((b) => b.mutation)}`);
      for (const l of lines) {
        assert.ok(goodAddrs.has(lineIp(l)) || mutantAddrs.has(lineIp(l)), `from nowhere: ${l}`);
      }
    }
    for (const k of expected.keys()) {
      if ((expected.get(k) ?? []).length > 0) assert.ok(out.has(k), `port ${k} lost`);
    }
    // A mutant that lost an endpoint while its ports and endpoints lists kept their shape names
    // itself in a problem.
    const seen = new Set([...out.values()].flat().map((e) => e.ip.text));
    for (const b of bad) {
      const o = b.object as { ports?: unknown; endpoints?: unknown; metadata?: { name?: unknown } };
      if (!o || typeof o !== "object" || !Array.isArray(o.ports) || o.ports.length === 0) continue;
      if (!Array.isArray(o.endpoints) || o.endpoints.length !== b.endpointCount) continue;
      const lost = b.addresses.some((a) => !seen.has(a));
      if (lost && p.list.length > 0) reportedMutants++;
      if (lost) assert.ok(p.list.length > 0, `slice dropped endpoints silently: ${b.mutation}`);
    }
  }
  assert.ok(objects > 500, `${objects} slices`);
  assert.ok(reportedMutants > 20, `${reportedMutants} mutants reported`);
});

Deno.test("readNode() and readServiceCidr() over generated objects never throw and stay canonical", () => {
  const rng = new Rng(SEED + 2);
  for (let i = 0; i < 300; i++) {
    const { object, expected } = validNode(rng, `node-${i}`);
    const p = collector();
    const info = readNode(`node-${i}`, object, p.sink);
    assert.deepEqual(p.list, []);
    assert.deepEqual(info.addresses.map((a) => a.text), expected.addresses);
    assert.deepEqual(
      info.typedAddresses!.map((a) => a.type).slice(0, expected.types.length),
      expected.types,
    );
    assert.deepEqual(info.podCIDRs.map((c) => c.text), expected.podCIDRs);
    assert.equal(info.zone, expected.zone);
    const m = mutate(rng, object);
    const q = collector();
    let bad;
    try {
      bad = readNode(`node-${i}`, m.value, q.sink);
    } catch (e) {
      assert.fail(`readNode threw on ${m.mutation}: ${e}`);
    }
    bad.addresses.forEach((a) => assertIp(a, m.mutation));
    bad.typedAddresses!.forEach((a) => assertIp(a.ip, m.mutation));
    bad.podCIDRs.forEach((c) => assertCidr(c, m.mutation));
    assert.equal(typeof bad.zone, "string");
    assertProblems(q.list, "Node");

    const cidr = {
      metadata: { name: `kubernetes-${i}` },
      spec: { cidrs: ["10.96.0.0/12", "fd00:96::/112"] },
    };
    const mc = mutate(rng, cidr);
    const r = collector();
    let cidrs;
    try {
      cidrs = readServiceCidr(mc.value, r.sink);
    } catch (e) {
      assert.fail(`readServiceCidr threw on ${mc.mutation}: ${e}`);
    }
    cidrs.forEach((c) => assertCidr(c, mc.mutation));
    assertProblems(r.list, "ServiceCIDR");
  }
});
