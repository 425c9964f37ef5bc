import { strict as assert } from "node:assert";
import { ConntrackReconciler } from "../../../src/conntrack/reconciler.ts";
import type { ConntrackTable, DeleteResult } from "../../../src/conntrack/table.ts";
import type { ConntrackFlow, FlowFamily } from "../../../src/conntrack/flow.ts";
import type { UdpServicePortState } from "../../../src/conntrack/udp_state.ts";
import { Logger, silentLogger } from "../../../src/log/logger.ts";

function flow(reply: string): ConntrackFlow {
  return {
    family: 4,
    proto: 17,
    orig: { src: "10.244.1.50", dst: "10.96.0.10", sport: 40000, dport: 53 },
    reply: { src: reply, dst: "10.244.1.50", sport: 53, dport: 40000 },
  };
}

/** An in-memory table that can hold a list call open, and records calls. */
class FakeTable implements ConntrackTable {
  readonly name = "fake";
  flows: ConntrackFlow[] = [];
  lists: FlowFamily[] = [];
  deletes: ConntrackFlow[][] = [];
  gate: Promise<void> = Promise.resolve();
  failList = false;
  closed = false;

  async list(family: FlowFamily): Promise<ConntrackFlow[]> {
    this.lists.push(family);
    await this.gate;
    if (this.failList) throw new Error("netlink receive timed out");
    return this.flows.filter((f) => f.family === family);
  }

  delete(flows: readonly ConntrackFlow[]): Promise<DeleteResult> {
    this.deletes.push([...flows]);
    this.flows = this.flows.filter((f) => !flows.includes(f));
    return Promise.resolve({ deleted: flows.length, missing: 0, failed: 0, errors: [] });
  }

  close(): void {
    this.closed = true;
  }
}

const state = (...eps: string[]): UdpServicePortState[] => [{
  family: 4,
  serviceIPs: ["10.96.0.10"],
  port: 53,
  nodePort: 0,
  servingEndpoints: new Set(eps.map((e) => `${e}:53`)),
}];

Deno.test("ConntrackReconciler deletes the stale entries with one list and one deletion", async () => {
  const table = new FakeTable();
  const keep = flow("10.244.1.11"), gone = flow("10.244.1.99");
  table.flows = [keep, gone];
  const r = new ConntrackReconciler({ table, logger: silentLogger, localAddresses: () => [] });
  const result = await r.request(state("10.244.1.11"));
  assert.equal(result.deleted, 1);
  assert.deepEqual(result.deletedByFamily, { 4: 1, 6: 0 });
  assert.deepEqual(table.lists, [4]);
  assert.deepEqual(table.deletes, [[gone]]);
  assert.deepEqual(table.flows, [keep]);
});

Deno.test("ConntrackReconciler coalesces requests made during a run into one run with the latest state", async () => {
  const table = new FakeTable();
  const a = flow("10.244.1.11"), b = flow("10.244.1.12");
  table.flows = [a, b];
  let open!: () => void;
  table.gate = new Promise((r) => open = r);
  const r = new ConntrackReconciler({ table, logger: silentLogger, localAddresses: () => [] });
  const first = r.request(state("10.244.1.11", "10.244.1.12"));
  const second = r.request(state("10.244.1.11", "10.244.1.12"));
  const third = r.request(state("10.244.1.11")); // the latest: b is no longer serving
  await Promise.resolve();
  assert.equal(table.lists.length, 1, "one run in progress, nothing overlaps");
  open();
  const [r1, r2, r3] = await Promise.all([first, second, third]);
  assert.equal(r.runs, 2, "the two queued requests shared one run");
  assert.equal(r1.deleted, 0);
  assert.equal(r2, r3);
  assert.deepEqual(table.deletes, [[b]]);
});

Deno.test("ConntrackReconciler logs a failed list and resolves instead of throwing", async () => {
  const table = new FakeTable();
  table.failList = true;
  const lines: string[] = [];
  const logger = new Logger({ write: (l) => lines.push(l) });
  const results: number[] = [];
  const r = new ConntrackReconciler({
    table,
    logger,
    localAddresses: () => [],
    onResult: (x) => results.push(x.errors.length),
  });
  const result = await r.request(state("10.244.1.11"));
  assert.equal(result.errors.length, 1);
  assert.deepEqual(results, [1]);
  assert.match(lines.join("\n"), /Failed to reconcile UDP conntrack entries.*timed out/);
  await r.close();
  assert.ok(table.closed);
});

Deno.test("ConntrackReconciler lists nothing when no UDP port has a serving endpoint", async () => {
  const table = new FakeTable();
  const r = new ConntrackReconciler({ table, logger: silentLogger, localAddresses: () => [] });
  const result = await r.request(state());
  assert.deepEqual(table.lists, []);
  assert.equal(result.listed, 0);
});
