/**
 * The `conntrack` tool backend (used when the proxy may not load libc) against
 * the real kernel: entries inserted in a throw-away namespace are listed with
 * one process and exactly the stale ones deleted with one more.
 */

import { strict as assert } from "node:assert";
import { ExecConntrack } from "../../src/conntrack/exec_conntrack.ts";
import { ConntrackReconciler } from "../../src/conntrack/reconciler.ts";
import { silentLogger } from "../../src/log/logger.ts";
import { isRoot } from "../support/eventually.ts";
import { runCommand } from "../../src/host/run_command.ts";

async function sh(argv: string[], stdin?: string): Promise<string> {
  const out = await runCommand(argv, stdin);
  if (!out.success) throw new Error(`${argv.join(" ")}: ${out.stderr}`);
  return out.stdout;
}

Deno.test({
  name: "ExecConntrack lists and deletes exactly the stale entries with two conntrack processes",
  ignore: !isRoot("conntrack tool backend e2e"),
  async fn() {
    const ns = `kpct${crypto.randomUUID().slice(0, 6)}`;
    const bin = await Deno.makeTempDir({ prefix: "kp-ctwrap-" });
    await sh(["ip", "netns", "add", ns]);
    try {
      // 50 clients of a DNS ClusterIP: 30 answered by a live endpoint, 20 by a removed one.
      const lines = Array.from({ length: 50 }, (_, i) => {
        const ep = i < 30 ? "10.244.1.11" : "10.244.1.99";
        return `-I -p udp -s 10.244.2.${i + 1} -d 10.96.0.10 --sport 4000 --dport 53 ` +
          `-r ${ep} -q 10.244.2.${i + 1} --reply-port-src 53 --reply-port-dst 4000 -t 120`;
      });
      await sh(
        ["ip", "netns", "exec", ns, "conntrack", "-R", "/dev/stdin"],
        lines.join("\n") + "\n",
      );
      const log = `${bin}/runs`;
      await Deno.writeTextFile(
        `${bin}/conntrack`,
        `#!/bin/sh\necho "$1" >> ${log}\nexec ip netns exec ${ns} conntrack "$@"\n`,
      );
      await Deno.chmod(`${bin}/conntrack`, 0o755);
      const table = new ExecConntrack({ command: [`${bin}/conntrack`] });
      const r = new ConntrackReconciler({ table, logger: silentLogger, localAddresses: () => [] });
      const result = await r.request([{
        family: 4,
        serviceIPs: ["10.96.0.10"],
        port: 53,
        nodePort: 0,
        servingEndpoints: new Set(["10.244.1.11:53"]),
      }]);
      assert.equal(result.listed, 50);
      assert.equal(result.stale, 20);
      assert.equal(result.deleted, 20);
      assert.deepEqual((await Deno.readTextFile(log)).trim().split("\n"), ["-L", "-R"]);
      const left = await sh(["ip", "netns", "exec", ns, "conntrack", "-L", "-p", "udp"]);
      assert.equal(left.split("\n").filter((l) => l.includes("src=10.244.1.11 ")).length, 30);
      assert.doesNotMatch(left, /src=10\.244\.1\.99 /);
    } finally {
      await sh(["ip", "netns", "del", ns]);
      await Deno.remove(bin, { recursive: true });
    }
  },
});
