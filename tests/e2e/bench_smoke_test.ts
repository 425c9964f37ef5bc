/**
 * Runs `scripts/bench/main.ts --smoke` (every section, the soak for half a
 * minute) as a subprocess (root only) and checks that both report files
 * exist, that every section produced numbers, and that every target has a
 * row. Asserts no timing.
 */

import assert from "node:assert/strict";

const ROOT = new URL("../../", import.meta.url).pathname;
const isRoot = Deno.uid() === 0;

function assertNumber(v: unknown, what: string): void {
  assert.equal(typeof v, "number", `${what} should be a number, got ${JSON.stringify(v)}`);
  assert.ok(Number.isFinite(v as number), `${what} should be finite, got ${v}`);
}

const PARTIAL_OPS = [
  "addEndpoint",
  "removeEndpoint",
  "replaceEndpoint",
  "addService",
  "deleteService",
];

// deno-lint-ignore no-explicit-any
function assertPartial(p: any, backends: string[]): void {
  assert.deepEqual(p.runners.map((x: { backend: string }) => x.backend), backends);
  for (const x of p.runners) {
    for (const op of PARTIAL_OPS) {
      assertNumber(x.ops[op].timeMs.median, `${x.backend} ${op} median`);
      assertNumber(x.ops[op].timeMs.p99, `${x.backend} ${op} p99`);
      assert.ok(x.ops[op].operations > 0, `${x.backend} ${op} should do nft operations`);
    }
    assert.ok(x.garbage.timeMs.n > 0, `${x.backend}: garbage should be collected`);
    assert.equal(x.newCount.attempts, Math.min(5, p.repetitions));
  }
}

Deno.test({
  name: "bench main.ts --smoke writes report.md and report.json with every section and target",
  ignore: !isRoot,
  async fn() {
    const out = await Deno.makeTempDir({ prefix: "kpb-smoke-" });
    try {
      const r = await new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "-A",
          `${ROOT}scripts/bench/main.ts`,
          "--smoke",
          "--only",
          "all,soak",
          "--soak-minutes",
          "0.5",
          "--out",
          out,
        ],
        cwd: ROOT,
        stdout: "piped",
        stderr: "piped",
      }).output();
      const stderr = new TextDecoder().decode(r.stderr);
      const json = JSON.parse(await Deno.readTextFile(`${out}/report.json`));
      const md = await Deno.readTextFile(`${out}/report.md`);
      assert.deepEqual(json.errors, [], `bench errors:\n${stderr.slice(-4000)}`);
      assert.equal(r.code, 0, `bench failed:\n${stderr.slice(-4000)}`);
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

      assertPartial(json.partial, ["libnftables", "exec"]);

      assert.deepEqual(json.latency.map((l: { minSyncPeriodMs: number }) => l.minSyncPeriodMs), [
        0,
        1000,
      ]);
      for (const l of json.latency) {
        assert.equal(l.backend, "libnftables");
        assert.ok(l.eventsSent > 0, "events should be sent");
        assert.equal(l.eventsMeasured, l.eventsSent, "every event should reach the kernel");
        for (const k of ["median", "p99", "max"]) assertNumber(l.latencyMs[k], `latency ${k}`);
        assert.equal(l.idleLatencyMs.n, l.idleChanges, "every change after idle should arrive");
      }

      const start = json.rss.results[0];
      assert.equal(start.backend, "libnftables");
      assert.equal(start.format, "yaml");
      for (const k of ["proxyPeakMb", "startToProgrammedMs", "firstSyncMs"]) {
        assertNumber(start[k], `start ${k}`);
      }

      const layouts = new Set(json.dataplane.cases.map((c: { layout: string }) => c.layout));
      assert.deepEqual([...layouts].sort(), ["direct", "iptables-style", "ours"]);
      for (const c of json.dataplane.cases) {
        assert.equal(c.latencyUs.n, 200);
        assertNumber(c.latencyUs.median, `${c.layout} ${c.services} median`);
      }

      assert.deepEqual(json.applyPaths.sizes.map((s: { services: number }) => s.services), [
        1000,
        1,
      ]);
      for (const s of json.applyPaths.sizes) {
        for (const m of ["process", "interactive", "libnftables"]) {
          for (const c of ["addEndpoint", "deleteEndpoint", "addEntry", "deleteEntry"]) {
            assert.equal(s.methods[m][c].n, json.config.applyPathRuns, `${m} ${c} runs`);
          }
        }
      }

      assert.deepEqual(json.manifests.inputs.map((x: { input: string }) => x.input), [
        "file",
        "directory",
      ]);
      for (const x of json.manifests.inputs) {
        assert.equal(x.documents, 2001, "Node + 1000 Services + 1000 slices");
        assertNumber(x.readMs, `${x.input} read`);
        assertNumber(x.dryRunMs, `${x.input} dry run`);
      }

      assertNumber(json.drift.idleCpuPercent, "idle CPU");
      assert.deepEqual(json.drift.changes.map((c: { change: string }) => c.change), [
        "flush table",
        "delete table",
      ]);
      assert.equal(json.drift.restoredMetric, json.drift.outsideChanges);

      assertPartial(json.big.partial, ["libnftables"]);
      assert.equal(json.big.start.endpointsPerService, 5);
      assertNumber(json.big.start.proxyPeakMb, "big peak RSS");

      assert.ok(json.soak.samples.length >= 3, "soak samples");
      assert.ok(json.soak.syncs.partial > 0, "the soak's changes should be synced");
      for (const t of json.soak.trends) assertNumber(t.slopePerMinute, `soak ${t.series} slope`);

      assert.ok(json.targets.length >= 20, "a row per target");
      for (const t of json.targets) {
        assert.ok(["met", "missed", "not measured"].includes(t.status), t.measure);
        assert.ok(t.command.startsWith("deno task bench"), t.command);
        // Rows bound to a size (10k, 30k) are not measured at the smoke's 1k.
        if (t.measure !== "soak: timers" && !t.command.includes("--sizes")) {
          assert.notEqual(t.status, "not measured", `${t.measure} should be measured`);
        }
      }
      for (
        const h of [
          "## Targets",
          "(a) Render",
          "(b) Full",
          "(c) Partial",
          "(d) Event",
          "(e) Start to programmed",
          "(f) Dataplane",
          "(g) Apply paths",
          "(h) Manifests",
          "(i) Drift",
          "(j) ",
          "## Soak",
        ]
      ) {
        assert.ok(md.includes(h), `report.md should contain "${h}"`);
      }
    } finally {
      await Deno.remove(out, { recursive: true }).catch(() => {});
    }
  },
});
