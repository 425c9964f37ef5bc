import assert from "node:assert/strict";
import {
  LIBNFTABLES,
  LibNftablesRunner,
  LibNftablesUnavailableError,
} from "../../../src/nft/libnftables_runner.ts";
import type { Step, StepResult } from "./_libnftables_child.ts";
import { canUseNetns, withNetns } from "../../fixtures/unit/scratch_netns.ts";

const CHILD = new URL("./_libnftables_child.ts", import.meta.url).pathname;

/** Whether libnftables loads here; otherwise says why the test is skipped. */
function haveLibrary(what: string): boolean {
  const r = LibNftablesRunner.tryOpen();
  if (r instanceof LibNftablesRunner) {
    r.close();
    return true;
  }
  console.warn(`SKIP ${what}: ${r.message}`);
  return false;
}

/** Runs steps in a child process, inside `ns` when given. */
async function inChild(steps: Step[], ns?: string): Promise<StepResult[]> {
  const deno = [Deno.execPath(), "run", "-A", CHILD];
  const [cmd, ...args] = ns ? ["ip", "netns", "exec", ns, ...deno] : deno;
  const child = new Deno.Command(cmd, { args, stdin: "piped", stdout: "piped", stderr: "piped" })
    .spawn();
  const w = child.stdin.getWriter();
  await w.write(new TextEncoder().encode(JSON.stringify(steps)));
  await w.close();
  const out = await child.output();
  const text = new TextDecoder();
  assert.ok(out.success, text.decode(out.stderr));
  return JSON.parse(text.decode(out.stdout));
}

Deno.test("LibNftablesRunner names a missing library in a typed error with its cause", () => {
  const r = LibNftablesRunner.tryOpen(["/nonexistent/libnftables.so.9", "/nonexistent/b.so"]);
  assert.ok(r instanceof LibNftablesUnavailableError);
  assert.match(r.message, /^cannot load libnftables\.so\.1: /);
  assert.match(
    r.message,
    /\/nonexistent\/libnftables\.so\.9: .*; \/nonexistent\/b\.so: /,
    "every path tried",
  );
  assert.ok(r.cause instanceof Error);
  assert.throws(() => new LibNftablesRunner(["/nonexistent/x.so"]), LibNftablesUnavailableError);
  assert.throws(() => new LibNftablesRunner([]), LibNftablesUnavailableError, "no path at all");
  assert.equal(LIBNFTABLES, "libnftables.so.1");
});

Deno.test({
  name: "LibNftablesRunner.check() of a script with a syntax error names the failing line",
  ignore: !haveLibrary("the libnftables syntax check"),
  async fn() {
    // A syntax error never reaches the kernel; as root, the child runs in a namespace anyway.
    const steps: Step[] = [{ op: "check", script: "add table ip t\nadd chian ip t c\n" }];
    const run = (ns?: string) => inChild(steps, ns);
    const [r] = Deno.uid() === 0 ? await withNetns((ns) => run(ns)) : await run();
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.equal(r.name, "NftError");
    assert.match(r.message, /^nft failed: .*Error: syntax error/);
    assert.deepEqual(r.lines, [[2, "add chian ip t c"]]);
  },
});

Deno.test({
  name: "LibNftablesRunner applies, checks and lists inside a network namespace",
  ignore: !haveLibrary("the libnftables namespace test") ||
    !canUseNetns("the libnftables namespace test"),
  async fn() {
    const table =
      "table ip t {\n\tset s { type ipv4_addr; }\n\tchain a {\n\t}\n\tchain b {\n\t\tjump a\n\t}\n}\n";
    const results = await withNetns((ns) =>
      inChild([
        { op: "apply", script: table },
        { op: "apply", script: "add element ip t s { 10.0.0.1 }\n" },
        { op: "run", args: ["list", "tables"] },
        { op: "run", args: ["-t", "list", "sets", "ip"] },
        { op: "run", args: ["list", "sets", "ip"] },
        { op: "check", script: "add table ip t\ndelete chain ip t a\n" },
        { op: "check", script: "add chain ip t c\n" },
        { op: "run", args: ["list", "chains", "ip"] },
        { op: "apply", script: "add element ip t s { 10.0.0.2 }\nadd rule ip t a jump nope\n" },
        { op: "run", args: ["list", "set", "ip", "t", "s"] },
        { op: "close" },
        { op: "apply", script: "add table ip u\n" },
      ], ns)
    );
    const [load, add, tables, terse, full, busy, dry, chains, atomic, set, _close, closed] =
      results;
    assert.ok(load.ok && add.ok, JSON.stringify(results));
    assert.equal(tables.ok && tables.out, "table ip t\n");
    assert.ok(terse.ok && !terse.out!.includes("10.0.0.1"), "terse: no elements");
    assert.ok(full.ok && full.out!.includes("10.0.0.1"));
    assert.ok(!busy.ok && /Device or resource busy/.test(busy.message), JSON.stringify(busy));
    assert.deepEqual(!busy.ok && busy.lines, [[2, "delete chain ip t a"]]);
    assert.ok(dry.ok);
    assert.ok(chains.ok && !chains.out!.includes("chain c"), "a check commits nothing");
    assert.ok(!atomic.ok && /No such file or directory/.test(atomic.message));
    assert.ok(set.ok && !set.out!.includes("10.0.0.2"), "a failed apply commits nothing");
    assert.ok(!closed.ok && /closed/.test(closed.message));
  },
});
