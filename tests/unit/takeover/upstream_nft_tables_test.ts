import { strict as assert } from "node:assert";
import {
  familiesWithOwnNat,
  upstreamTableRemoval,
} from "../../../src/takeover/upstream_nft_tables.ts";

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
