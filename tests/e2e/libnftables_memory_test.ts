/**
 * The proxy's RSS after a large libnftables transaction: nft's parse of a
 * full load frees hundreds of megabytes that glibc keeps mapped unless the
 * runner trims the heap afterwards. Measured in a child process inside a
 * namespace of the test's own, against the real kernel.
 */

import { strict as assert } from "node:assert";
import { isRoot } from "../support/eventually.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

/** Applies one transaction of 200k set elements and prints RSS before, after and at peak (MB). */
const CHILD = `
import { LibNftablesRunner } from "${ROOT}src/nft/libnftables_runner.ts";
const status = (key) => Math.round(Number(new RegExp(key + ":\\\\s+(\\\\d+)").exec(Deno.readTextFileSync("/proc/self/status"))[1]) / 1024);
const lines = ["add table ip kp-memory-test", "add set ip kp-memory-test big { type ipv4_addr . inet_service; }"];
for (let i = 0; i < 200; i++) {
  const elements = [];
  for (let j = 0; j < 1000; j++) elements.push(\`10.\${i >> 8}.\${i & 255}.\${j & 255} . \${1000 + (j >> 8)}\`);
  lines.push(\`add element ip kp-memory-test big { \${elements.join(", ")} }\`);
}
const script = lines.join("\\n") + "\\n";
const runner = new LibNftablesRunner();
const before = status("VmRSS");
await runner.apply(script);
console.log(JSON.stringify({ before, after: status("VmRSS"), peak: status("VmHWM"), bytes: script.length }));
runner.close();
`;

Deno.test({
  name: "libnftables: the heap nft's parse of a large transaction freed goes back to the kernel",
  ignore: !isRoot("libnftables memory e2e"),
  async fn() {
    const ns = `kp-mem-${crypto.randomUUID().slice(0, 8)}`;
    const dir = await Deno.makeTempDir({ prefix: "kp-mem-" });
    const add = await new Deno.Command("ip", { args: ["netns", "add", ns] }).output();
    assert.ok(add.success, `ip netns add ${ns}`);
    try {
      const file = `${dir}/child.ts`;
      await Deno.writeTextFile(file, CHILD);
      const out = await new Deno.Command("ip", {
        args: ["netns", "exec", ns, Deno.execPath(), "run", "-A", "--no-prompt", file],
        stdout: "piped",
        stderr: "piped",
      }).output();
      const stderr = new TextDecoder().decode(out.stderr);
      assert.ok(out.success, stderr);
      const m = JSON.parse(new TextDecoder().decode(out.stdout).trim()) as Record<string, number>;
      const parse = m.peak - m.before;
      assert.ok(
        parse > 150,
        `the transaction should cost nft > 150 MB to parse: ${JSON.stringify(m)}`,
      );
      assert.ok(
        m.after - m.before < parse / 4,
        `RSS should fall back after the transaction: ${JSON.stringify(m)}`,
      );
    } finally {
      await new Deno.Command("ip", { args: ["netns", "del", ns] }).output();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
