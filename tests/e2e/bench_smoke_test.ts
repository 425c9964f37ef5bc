/**
 * Runs `scripts/bench/main.ts --smoke` as a subprocess (root only) and checks
 * that both report files exist and hold every section with numeric values.
 * Asserts no timing.
 */

import assert from "node:assert/strict";

const ROOT = new URL("../../", import.meta.url).pathname;
const isRoot = Deno.uid() === 0;

function assertNumber(v: unknown, what: string): void {
  assert.equal(typeof v, "number", `${what} should be a number, got ${JSON.stringify(v)}`);
  assert.ok(Number.isFinite(v as number), `${what} should be finite, got ${v}`);
}

Deno.test({
  name: "bench main.ts --smoke writes report.md and report.json with every section",
  ignore: !isRoot,
  async fn() {
    const out = await Deno.makeTempDir({ prefix: "kpb-smoke-" });
    try {
      const r = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", `${ROOT}scripts/bench/main.ts`, "--smoke", "--out", out],
        cwd: ROOT,
        stdout: "piped",
        stderr: "piped",
      }).output();
      const stderr = new TextDecoder().decode(r.stderr);
      assert.equal(r.code, 0, `bench failed:\n${stderr.slice(-4000)}`);
      const json = JSON.parse(await Deno.readTextFile(`${out}/report.json`));
      const md = await Deno.readTextFile(`${out}/report.md`);
      assert.deepEqual(json.errors, []);
      for (const k of ["nproc", "kernel", "nft"]) {
        assert.ok(json.machine[k], `machine.${k} missing`);
      }
      assert.ok(!Number.isNaN(Date.parse(json.date)), "date should parse");

      assert.equal(json.render.length, 1);
      assert.equal(json.render[0].services, 1000);
      assertNumber(json.render[0].prepareMedianMs, "render median");

      const apply = json.apply[0];
      assertNumber(apply.ours.wallMedianMs, "ours load");
      assertNumber(apply.upstream.wallMedianMs, "upstream-style load");
      assertNumber(apply.ratio, "load ratio");

      for (const op of ["addEndpoint", "removeEndpoint", "addService", "deleteService"]) {
        assertNumber(json.partial.ops[op].timeMs.median, `${op} median`);
        assertNumber(json.partial.ops[op].timeMs.p99, `${op} p99`);
        assert.ok(json.partial.ops[op].operations > 0, `${op} should do nft operations`);
      }

      assert.deepEqual(json.latency.map((l: { minSyncPeriodMs: number }) => l.minSyncPeriodMs), [
        0,
        1000,
      ]);
      for (const l of json.latency) {
        assert.ok(l.eventsSent > 0, "events should be sent");
        assert.equal(l.eventsMeasured, l.eventsSent, "every event should reach the kernel");
        for (const k of ["median", "p99", "max"]) assertNumber(l.latencyMs[k], `latency ${k}`);
      }

      assertNumber(json.rss.baselineMb, "baseline RSS");
      assertNumber(json.rss.results[0].proxyPeakMb, "proxy peak RSS");
      assertNumber(json.rss.results[0].nftPeakMb, "nft peak RSS");

      const layouts = new Set(json.dataplane.cases.map((c: { layout: string }) => c.layout));
      assert.deepEqual([...layouts].sort(), ["direct", "iptables-style", "ours"]);
      for (const c of json.dataplane.cases) {
        assert.equal(c.latencyUs.n, 200);
        assertNumber(c.latencyUs.median, `${c.layout} ${c.services} median`);
      }

      for (
        const h of [
          "(a) Render",
          "(b) Full",
          "(c) Partial",
          "(d) Event",
          "(e) Peak RSS",
          "(f) Dataplane",
          "## Targets",
        ]
      ) {
        assert.ok(md.includes(h), `report.md should contain "${h}"`);
      }
    } finally {
      await Deno.remove(out, { recursive: true }).catch(() => {});
    }
  },
});
