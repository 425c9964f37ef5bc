import { strict as assert } from "node:assert";
import {
  familiesWithOwnNat,
  upstreamTableRemoval,
} from "../../../src/takeover/upstream_nft_tables.ts";
import { parseIptablesSave, planIptablesCleanup } from "../../../src/takeover/iptables_leftovers.ts";
import { TakeoverNftRunner } from "../../../src/takeover/takeover_runner.ts";
import type { NftRunner } from "../../../src/nft/nft_runner.ts";
import { silentLogger } from "../../../src/log/logger.ts";
import { kubeProxyIptables } from "../../fixtures/takeover/iptables_kube_proxy.ts";

// `nft list tables` on a node that ran upstream kube-proxy in nftables mode, with iptables-nft.
const LISTING = `table ip kube-proxy
table ip6 kube-proxy
table ip nat
table ip filter
table inet cni-firewall
`;

Deno.test("upstreamTableRemoval() removes both upstream tables, tolerating a vanished one", () => {
  const r = upstreamTableRemoval(LISTING);
  assert.deepEqual(r.tables, ["ip kube-proxy", "ip6 kube-proxy"]);
  assert.equal(
    r.script,
    "add table ip kube-proxy\ndelete table ip kube-proxy\nadd table ip6 kube-proxy\ndelete table ip6 kube-proxy\n",
  );
});

Deno.test("upstreamTableRemoval() touches nothing else, and nothing when absent", () => {
  assert.deepEqual(upstreamTableRemoval("table ip nat\ntable inet kube-proxy\n"), {
    tables: [],
    script: "",
  });
});

Deno.test("upstreamTableRemoval() only removes in families where our NAT is installed", () => {
  assert.deepEqual(upstreamTableRemoval(LISTING, { families: ["ip"] }).tables, ["ip kube-proxy"]);
});

Deno.test("upstreamTableRemoval() never removes the proxy's own table named kube-proxy", () => {
  assert.equal(upstreamTableRemoval(LISTING, { ownTable: "kube-proxy" }).script, "");
});

Deno.test("familiesWithOwnNat() finds the families a full script installs NAT chains in", () => {
  const full = "add table ip t\ndelete table ip t\ntable ip t {\n\tchain a {\n\t\ttype nat hook " +
    "prerouting priority -100; policy accept;\n\t}\n}\ntable ip6 t {\n\tchain b {\n\t\ttype filter " +
    "hook input priority 0; policy accept;\n\t}\n}\n";
  assert.deepEqual(familiesWithOwnNat(full, "t"), ["ip"]);
  assert.deepEqual(familiesWithOwnNat("add element ip t m { 1 }\n", "t"), []);
});

/** A runner that records what it is asked. */
class Recorder implements NftRunner {
  applied: string[] = [];
  checked: string[] = [];
  listing = LISTING;
  fail = false;
  apply(script: string): Promise<void> {
    if (this.fail) return Promise.reject(new Error("nft failed"));
    this.applied.push(script);
    return Promise.resolve();
  }
  check(script: string): Promise<void> {
    if (this.fail) return Promise.reject(new Error("nft failed"));
    this.checked.push(script);
    return Promise.resolve();
  }
  run(): Promise<string> {
    return Promise.resolve(this.listing);
  }
}

const FULL = "add table ip own\ndelete table ip own\ntable ip own {\n\tchain p {\n\t\ttype nat " +
  "hook prerouting priority -100; policy accept;\n\t}\n}\n";

Deno.test("TakeoverNftRunner appends the removal to the first full script, once", async () => {
  const inner = new Recorder();
  let called = 0;
  const r = new TakeoverNftRunner({
    inner,
    logger: silentLogger,
    ownTable: "own",
    onTakenOver: () => called++,
  });
  await r.apply("add element ip own m { 1 }\n"); // a partial script: not the moment
  assert.equal(called, 0);
  inner.fail = true;
  await assert.rejects(r.apply(FULL));
  assert.equal(called, 0, "not after a failed apply");
  inner.fail = false;
  await r.apply(FULL);
  await r.apply(FULL);
  assert.equal(called, 1);
  assert.equal(inner.applied.length, 3);
  assert.equal(inner.applied[1], `${FULL}\nadd table ip kube-proxy\ndelete table ip kube-proxy\n`);
  assert.equal(inner.applied[2], FULL);
});

Deno.test("TakeoverNftRunner passes a dry-run check through as is, without taking over", async () => {
  const inner = new Recorder();
  let called = 0;
  const r = new TakeoverNftRunner({
    inner,
    logger: silentLogger,
    ownTable: "own",
    onTakenOver: () => called++,
  });
  await r.check(FULL); // e.g. the bisection of a rejected ruleset
  assert.deepEqual(inner.checked, [FULL]);
  assert.deepEqual(inner.applied, []);
  assert.equal(called, 0);
  assert.equal(r.tookOver, false);
  inner.fail = true;
  await assert.rejects(r.check(FULL), /nft failed/);
  inner.fail = false;
  await r.apply(FULL);
  assert.equal(r.tookOver, true, "the first full apply still takes over");
  assert.match(inner.applied[0], /delete table ip kube-proxy\n/);
});

Deno.test("planIptablesCleanup() removes kube-proxy's chains and jumps, not the kubelet's", () => {
  const save = kubeProxyIptables("10.96.0.10", 80, ["10.244.1.10:80", "10.244.1.11:80"]);
  const plan = planIptablesCleanup(save);
  assert.deepEqual(plan.kept, []);
  assert.ok(plan.removedChains.includes("nat/KUBE-SVC-TAKEOVER0000000"));
  assert.ok(plan.removedChains.includes("nat/KUBE-SEP-TAKEOVER0000001"));
  assert.ok(plan.removedChains.includes("mangle/KUBE-PROXY-CANARY"));
  for (const kubelet of ["KUBE-FIREWALL", "KUBE-KUBELET-CANARY", "KUBE-IPTABLES-HINT"]) {
    assert.ok(!plan.removedChains.some((c) => c.endsWith(`/${kubelet}`)), kubelet);
  }
  assert.equal(plan.removedJumps, 12, "9 filter jumps + 3 nat jumps");
  assert.doesNotMatch(plan.restore, /KUBE-FIREWALL/);
  assert.match(
    plan.restore,
    /-D INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES/,
  );
  // Chain declarations (flushes) come before the deletions, per table.
  const nat = plan.restore.slice(plan.restore.indexOf("*nat"));
  assert.ok(nat.indexOf(":KUBE-SERVICES") < nat.indexOf("-X KUBE-SERVICES"));
});

Deno.test("planIptablesCleanup() keeps a kube-proxy chain another chain still jumps to", () => {
  const save = `*nat
:PREROUTING ACCEPT [0:0]
:KUBE-HOSTPORTS - [0:0]
:KUBE-MARK-MASQ - [0:0]
:KUBE-SERVICES - [0:0]
-A PREROUTING -m comment --comment "kube hostport portals" -j KUBE-HOSTPORTS
-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A KUBE-HOSTPORTS -p tcp --dport 8080 -j KUBE-MARK-MASQ
-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000
COMMIT
`;
  const plan = planIptablesCleanup(save);
  assert.deepEqual(plan.kept, ["nat/KUBE-MARK-MASQ"]);
  assert.deepEqual(plan.removedChains, ["nat/KUBE-SERVICES"]);
  assert.doesNotMatch(plan.restore, /HOSTPORTS|MARK-MASQ/);
});

Deno.test("planIptablesCleanup() has nothing to do on a clean or empty dump", () => {
  assert.equal(planIptablesCleanup("").restore, "");
  const clean =
    "*filter\n:INPUT ACCEPT [0:0]\n:KUBE-FIREWALL - [0:0]\n-A INPUT -j KUBE-FIREWALL\nCOMMIT\n";
  assert.equal(planIptablesCleanup(clean).restore, "");
  assert.equal(parseIptablesSave(clean)[0].rules[0].targets[0], "KUBE-FIREWALL");
});
