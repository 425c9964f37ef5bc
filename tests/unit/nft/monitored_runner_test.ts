import assert from "node:assert/strict";
import { MonitoredRunner, PAUSE_ABOVE_BYTES } from "../../../src/nft/monitored_runner.ts";
import type { TableMonitor } from "../../../src/nft/table_monitor.ts";
import { FakeNftRunner } from "../../../src/nft/fake_nft_runner.ts";

/**
 * Records what the runner tells the monitor. TableMonitor is a class with private state and
 * FFI inside; MonitoredRunner needs four of its methods (see the report: an interface would
 * make this cast unnecessary).
 */
function recordingMonitor(log: string[]): TableMonitor {
  const m = {
    pause: () => log.push("pause"),
    resume: () => log.push("resume"),
    beginOwn: () => log.push("begin"),
    endOwn: () => log.push("end"),
  };
  return m as unknown as TableMonitor;
}

Deno.test("MonitoredRunner brackets each apply as the proxy's own transaction", async () => {
  const log: string[] = [];
  const inner = new FakeNftRunner();
  const nft = new MonitoredRunner(inner, recordingMonitor(log));
  await nft.apply("add table ip t\n");
  assert.deepEqual(log, ["begin", "end"]);
  assert.deepEqual(inner.tableNames(), ["ip t"]);
});

Deno.test("MonitoredRunner pauses the monitor around a large apply, and resumes after a failure too", async () => {
  const log: string[] = [];
  const inner = new FakeNftRunner();
  const nft = new MonitoredRunner(inner, recordingMonitor(log));
  const big = "add table ip t\n" + "# padding\n".repeat(PAUSE_ABOVE_BYTES / 10);
  assert.ok(big.length > PAUSE_ABOVE_BYTES);
  await nft.apply(big);
  assert.deepEqual(log, ["pause", "begin", "end", "resume"]);
  log.length = 0;
  await assert.rejects(nft.apply(big + "delete table ip nope\n"), /No such file/);
  assert.deepEqual(log, ["pause", "begin", "end", "resume"]);
  log.length = 0;
  await assert.rejects(nft.apply("delete table ip nope\n"));
  assert.deepEqual(log, ["begin", "end"]);
});

Deno.test("MonitoredRunner passes checks and listings through without marking them", async () => {
  const log: string[] = [];
  const inner = new FakeNftRunner();
  const nft = new MonitoredRunner(inner, recordingMonitor(log));
  await nft.check("add table ip t\n");
  assert.equal(await nft.run(["list", "tables"]), "");
  assert.deepEqual(log, []);
  assert.deepEqual(inner.calls.map((c) => c.kind), ["check", "run"]);
});
