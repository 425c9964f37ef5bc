import assert from "node:assert/strict";
import {
  DEFAULT_AFFINITY_MAX_CLIENTS,
  DEFAULT_TABLE_NAME,
  type FamilyContextInputs,
  isInterfaceName,
  makeFamilyContext,
} from "../../../src/plan/family_context.ts";
import { parseCidr, parseIp } from "../../../src/model/ip.ts";

const BASE: FamilyContextInputs = {
  family: 4,
  masqueradeBit: 14,
  masqueradeAll: false,
  nodePortAll: false,
  nodePortIPs: [],
  serviceCIDRs: [],
  nodeIPs: [],
  node: { name: "n", zone: "" },
};

Deno.test("makeFamilyContext() writes the masquerade bit as a mark and refuses bits outside 0..31", () => {
  assert.equal(makeFamilyContext({ ...BASE, masqueradeBit: 14 }).masqMark, "0x00004000");
  assert.equal(makeFamilyContext({ ...BASE, masqueradeBit: 31 }).masqMark, "0x80000000");
  assert.equal(makeFamilyContext({ ...BASE, masqueradeBit: 0 }).masqMark, "0x00000001");
  for (const bad of [32, -1, 1.5, NaN]) {
    assert.throws(
      () => makeFamilyContext({ ...BASE, masqueradeBit: bad }),
      (e: Error) => e instanceof RangeError && e.message.includes("'masqueradeBit'"),
    );
  }
});

Deno.test("makeFamilyContext() defaults the table and affinity size, and refuses a size below 1", () => {
  const ctx = makeFamilyContext(BASE);
  assert.equal(ctx.table, DEFAULT_TABLE_NAME);
  assert.equal(ctx.affinityMaxClients, DEFAULT_AFFINITY_MAX_CLIENTS);
  assert.equal(makeFamilyContext({ ...BASE, table: "t2", affinityMaxClients: 10 }).table, "t2");
  for (const bad of [0, 2.5, -3]) {
    assert.throws(
      () => makeFamilyContext({ ...BASE, affinityMaxClients: bad }),
      /'affinityMaxClients'/,
    );
  }
});

Deno.test("makeFamilyContext() keeps only the family's addresses and CIDRs", () => {
  const ips = [parseIp("192.168.10.1"), parseIp("fd00:10::1")];
  const cidrs = [parseCidr("10.96.0.0/16"), parseCidr("fd00:96::/112")];
  const inputs = { ...BASE, nodePortIPs: ips, nodeIPs: ips, serviceCIDRs: cidrs };
  const v4 = makeFamilyContext(inputs);
  const v6 = makeFamilyContext({ ...inputs, family: 6 });
  assert.deepEqual([v4.nftFamily, v4.addrType], ["ip", "ipv4_addr"]);
  assert.deepEqual([v6.nftFamily, v6.addrType], ["ip6", "ipv6_addr"]);
  assert.deepEqual(v4.nodePortIPs.map((a) => a.text), ["192.168.10.1"]);
  assert.deepEqual(v6.nodeIPs.map((a) => a.text), ["fd00:10::1"]);
  assert.deepEqual(v6.serviceCIDRs.map((c) => c.text), ["fd00:96::/112"]);
});

Deno.test("makeFamilyContext() turns each local-traffic detector into pod and non-pod matches", () => {
  const cidrs = (...t: string[]) => ({ kind: "cidrs" as const, cidrs: t.map(parseCidr) });
  const one = makeFamilyContext({
    ...BASE,
    localDetector: cidrs("10.244.0.0/16", "fd00:244::/48"),
  });
  assert.equal(one.podSource, "ip saddr 10.244.0.0/16");
  assert.equal(one.nonPodSource, "ip saddr != 10.244.0.0/16");
  const two = makeFamilyContext({
    ...BASE,
    localDetector: cidrs("10.244.0.0/16", "10.245.0.0/16"),
  });
  assert.equal(two.nonPodSource, "ip saddr != { 10.244.0.0/16, 10.245.0.0/16 }");
  const noV6 = makeFamilyContext({ ...BASE, family: 6, localDetector: cidrs("10.244.0.0/16") });
  assert.equal(noV6.podSource, undefined, "no CIDR of the family: no detection");
  assert.equal(noV6.nonPodSource, undefined);
  const bridge = makeFamilyContext({ ...BASE, localDetector: { kind: "interface", name: "cni0" } });
  assert.deepEqual([bridge.podSource, bridge.nonPodSource], [
    'iifname "cni0"',
    'iifname != "cni0"',
  ]);
  const prefix = makeFamilyContext({
    ...BASE,
    family: 6,
    localDetector: { kind: "interface-prefix", prefix: "veth" },
  });
  assert.deepEqual([prefix.podSource, prefix.nonPodSource], [
    'iifname "veth*"',
    'iifname != "veth*"',
  ]);
  assert.equal(makeFamilyContext(BASE).podSource, undefined);
});

Deno.test("isInterfaceName() refuses quotes, wildcards, spaces and long names", () => {
  assert.equal(isInterfaceName("cni0"), true);
  assert.equal(isInterfaceName("veth.a-b_c"), true);
  assert.equal(isInterfaceName("x".repeat(15)), true);
  for (const bad of ["", 'cni0"', "eth*", "a b", "x".repeat(16), "a;b", "a\nb"]) {
    assert.equal(isInterfaceName(bad), false, JSON.stringify(bad));
  }
});
