import assert from "node:assert/strict";
import { cleanupTables } from "../../../src/nft/cleanup.ts";
import { FakeNftRunner } from "../../../src/nft/fake_nft_runner.ts";
import { newPlan } from "../../fixtures/unit/builders.ts";

Deno.test("cleanupTables() deletes the proxy's tables in both families and nothing else", async () => {
  const nft = new FakeNftRunner();
  nft.load(newPlan().fullScript().text);
  nft.load(
    "add table ip filter\nadd chain ip filter input\nadd table ip kube-proxy\nadd table ip6 kube-nft-proxy-2",
  );
  assert.deepEqual(await cleanupTables(nft, "kube-nft-proxy"), [
    "ip kube-nft-proxy",
    "ip6 kube-nft-proxy",
  ]);
  assert.deepEqual(nft.tableNames(), ["ip filter", "ip kube-proxy", "ip6 kube-nft-proxy-2"]);
  assert.deepEqual(nft.applied, [
    "delete table ip kube-nft-proxy\n",
    "delete table ip6 kube-nft-proxy\n",
  ]);
});

Deno.test("cleanupTables() is not an error when the tables are gone, or only one is there", async () => {
  const nft = new FakeNftRunner();
  assert.deepEqual(await cleanupTables(nft, "kube-nft-proxy"), []);
  nft.load("add table ip6 kube-nft-proxy");
  assert.deepEqual(await cleanupTables(nft, "kube-nft-proxy"), ["ip6 kube-nft-proxy"]);
  assert.deepEqual(await cleanupTables(nft, "kube-nft-proxy"), []);
  assert.deepEqual(nft.tableNames(), []);
});

Deno.test("cleanupTables() honours another table name", async () => {
  const nft = new FakeNftRunner();
  nft.load("add table ip kube-nft-proxy\nadd table ip mine");
  assert.deepEqual(await cleanupTables(nft, "mine"), ["ip mine"]);
  assert.deepEqual(nft.tableNames(), ["ip kube-nft-proxy"]);
});
