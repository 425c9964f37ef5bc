import { strict as assert } from "node:assert";
import {
  parseIptablesSave,
  planIptablesCleanup,
} from "../../../src/takeover/iptables_leftovers.ts";
import { kubeProxyIptables } from "../../fixtures/takeover/iptables_kube_proxy.ts";

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
