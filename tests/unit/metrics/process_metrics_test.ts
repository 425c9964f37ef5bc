import assert from "node:assert/strict";
import {
  readProcessSnapshot,
  registerProcessMetrics,
} from "../../../src/metrics/process_metrics.ts";
import { newRegistry, renderMetrics } from "../../../src/metrics/registry.ts";

function sample(text: string, name: string): number {
  const m = text.match(new RegExp(`^${name} (\\S+)$`, "m"));
  assert.ok(m, `no sample ${name} in:\n${text}`);
  return Number(m[1]);
}

Deno.test("readProcessSnapshot() parses a fake /proc whose command name holds spaces and parens", async () => {
  const dir = await Deno.makeTempDir({ prefix: "fakeproc-" });
  try {
    // Fields after the comm: state=3 ... utime=14 stime=15 ... starttime=22.
    const after = ["S", ...Array.from({ length: 19 }, (_, i) => String(i + 4))];
    after[14 - 3] = "250"; // utime ticks
    after[15 - 3] = "50"; // stime ticks
    after[22 - 3] = "12345"; // starttime ticks since boot
    await Deno.writeTextFile(`${dir}/stat`, `42 (kube proxy) (x) ${after.join(" ")} 0 0\n`);
    await Deno.writeTextFile(`${dir}/kstat`, "cpu 1 2 3\nbtime 1700000000\nprocesses 9\n");
    await Deno.writeTextFile(`${dir}/status`, "Name:\tx\nVmSize:\t  2048 kB\nVmRSS:\t  1024 kB\n");
    await Deno.writeTextFile(
      `${dir}/limits`,
      "Limit                     Soft Limit           Hard Limit           Units\n" +
        "Max open files            1024                 4096                 files\n",
    );
    await Deno.mkdir(`${dir}/fd`);
    for (const n of ["0", "1", "2"]) await Deno.writeTextFile(`${dir}/fd/${n}`, "");
    const s = readProcessSnapshot({ procDir: dir, procStat: `${dir}/kstat` });
    assert.deepEqual(s, {
      cpuSeconds: 3,
      startTimeSeconds: 1700000000 + 123.45,
      residentBytes: 1024 * 1024,
      virtualBytes: 2048 * 1024,
      openFds: 3,
      maxFds: 1024,
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("readProcessSnapshot() throws ProcReadError for a missing /proc dir", () => {
  assert.throws(
    () => readProcessSnapshot({ procDir: "/nonexistent/proc/self" }),
    { name: "ProcReadError" },
  );
});

Deno.test("registerProcessMetrics() reports this process's real values", async () => {
  const registry = newRegistry();
  registerProcessMetrics(registry);
  const before = await renderMetrics(registry);
  const nowSeconds = Date.now() / 1000;
  const start = sample(before, "process_start_time_seconds");
  assert.ok(start <= nowSeconds + 1 && start > nowSeconds - 3600, `start time ${start}`);
  assert.ok(sample(before, "process_resident_memory_bytes") > 1024 * 1024);
  assert.ok(sample(before, "process_max_fds") > 0);
  assert.ok(sample(before, "deno_heap_used_bytes") > 0);
  const files = await Promise.all([1, 2, 3, 4].map(() => Deno.open("/proc/self/status")));
  try {
    const after = await renderMetrics(registry);
    const grew = sample(after, "process_open_fds") - sample(before, "process_open_fds");
    assert.ok(grew >= 4, `open fds grew by ${grew}, expected >= 4`);
    assert.ok(
      sample(after, "process_cpu_seconds_total") >= sample(before, "process_cpu_seconds_total"),
    );
  } finally {
    for (const f of files) f.close();
  }
});
