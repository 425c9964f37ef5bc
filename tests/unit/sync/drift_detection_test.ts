import assert from "node:assert/strict";
import { startDriftDetection } from "../../../src/sync/drift_detection.ts";
import { FakeNftRunner } from "../../../src/nft/fake_nft_runner.ts";
import { BASE_CHAINS } from "../../../src/plan/skeleton.ts";
import { Logger, silentLogger } from "../../../src/log/logger.ts";
import { newPlan } from "../../fixtures/unit/builders.ts";

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

Deno.test("startDriftDetection() with period 0 is off and hands back the runner", async () => {
  const nft = new FakeNftRunner();
  const d = startDriftDetection({
    runner: nft,
    table: "kube-nft-proxy",
    baseChains: BASE_CHAINS,
    pollPeriodMs: 0,
    logger: silentLogger,
    onDrift: () => assert.fail("no detection"),
  });
  assert.equal(d.mode, "off");
  assert.equal(d.runner, nft);
  await d.stop();
});

Deno.test({
  name:
    "startDriftDetection() polls the tables when events cannot be watched, and reports what is missing",
  // Without FFI the netlink monitor cannot open, as on a host where libc cannot be loaded.
  permissions: { ffi: false },
  async fn() {
    const nft = new FakeNftRunner();
    nft.load(newPlan().fullScript().text);
    const lines: string[] = [];
    const drifts: string[] = [];
    const d = startDriftDetection({
      runner: nft,
      table: "kube-nft-proxy",
      baseChains: BASE_CHAINS,
      pollPeriodMs: 20,
      logger: new Logger({ write: (l) => lines.push(l) }),
      onDrift: (what) => drifts.push(what),
    });
    try {
      assert.equal(d.mode, "polling");
      assert.equal(d.runner, nft, "applies need no bracketing when polling");
      assert.match(
        lines[0],
        /^W.*Cannot watch nftables events; polling for drift instead .*periodMs=20/,
      );
      await wait(70);
      assert.deepEqual(drifts, [], "intact tables");
      nft.load(
        "delete table ip6 kube-nft-proxy\nflush chain ip kube-nft-proxy nat-output\ndelete chain ip kube-nft-proxy nat-output",
      );
      await wait(35);
      assert.equal(drifts[0], "ip kube-nft-proxy: chain nat-output, ip6 kube-nft-proxy: table");
      assert.ok(nft.calls.every((c) => c.kind === "run"), "polling only lists");
      // Restored (as the proxier's full sync would): the reports stop.
      nft.load(newPlan().fullScript().text);
      await wait(30);
      const reported = drifts.length;
      await wait(60);
      assert.equal(drifts.length, reported);
    } finally {
      await d.stop();
    }
    const seen = nft.calls.length;
    await wait(50);
    assert.equal(nft.calls.length, seen, "no polling after stop()");
  },
});
