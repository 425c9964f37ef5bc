import assert from "node:assert/strict";
import { DriftChecker } from "../../../src/nft/drift_checker.ts";
import { FakeNftRunner } from "../../../src/nft/fake_nft_runner.ts";
import { BASE_CHAINS } from "../../../src/plan/skeleton.ts";
import { NftError, type NftRunner } from "../../../src/nft/nft_runner.ts";
import { newPlan } from "../../fixtures/unit/builders.ts";

const T = "kube-nft-proxy";

function installed(): { nft: FakeNftRunner; checker: DriftChecker } {
  const nft = new FakeNftRunner();
  nft.load(newPlan().fullScript().text);
  return { nft, checker: new DriftChecker({ runner: nft, table: T, baseChains: BASE_CHAINS }) };
}

Deno.test("DriftChecker finds nothing missing in intact tables, reading chain names only", async () => {
  const { nft, checker } = installed();
  assert.deepEqual(await checker.check(), []);
  assert.deepEqual(nft.calls.map((c) => c.text), ["list chains ip", "list chains ip6"]);
});

Deno.test("DriftChecker names a deleted table and a deleted base chain", async () => {
  const { nft, checker } = installed();
  nft.load(`delete table ip6 ${T}`);
  nft.load(`flush chain ip ${T} nat-prerouting\ndelete chain ip ${T} nat-prerouting`);
  assert.deepEqual(await checker.check(), [`ip ${T}: chain nat-prerouting`, `ip6 ${T}: table`]);
});

Deno.test("DriftChecker reports both tables after `flush ruleset`, and a table it cannot list", async () => {
  const { nft, checker } = installed();
  nft.load(`delete table ip ${T}\ndelete table ip6 ${T}`);
  assert.deepEqual(await checker.check(), [`ip ${T}: table`, `ip6 ${T}: table`]);
  const failing: NftRunner = {
    apply: () => Promise.resolve(),
    check: () => Promise.resolve(),
    run: () => Promise.reject(new NftError("nft failed", "", new Map())),
  };
  const blind = new DriftChecker({
    runner: failing,
    table: T,
    baseChains: BASE_CHAINS,
    families: ["ip"],
  });
  assert.deepEqual(await blind.check(), [`ip ${T}: table`]);
});

Deno.test("DriftChecker ignores other tables and checks only the families asked for", async () => {
  const { nft } = installed();
  nft.load("add table ip other\nadd chain ip other nat-prerouting");
  nft.load(`delete table ip ${T}`);
  const v6 = new DriftChecker({
    runner: nft,
    table: T,
    baseChains: BASE_CHAINS,
    families: ["ip6"],
  });
  assert.deepEqual(await v6.check(), []);
  const v4 = new DriftChecker({ runner: nft, table: T, baseChains: BASE_CHAINS, families: ["ip"] });
  assert.deepEqual(await v4.check(), [`ip ${T}: table`]);
});
