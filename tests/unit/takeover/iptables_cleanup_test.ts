import assert from "node:assert/strict";
import { Logger } from "../../../src/log/logger.ts";
import {
  IPTABLES_FLAVOURS,
  removeIptablesLeftovers,
} from "../../../src/takeover/iptables_cleanup.ts";
import { kubeProxyIptables } from "../../fixtures/takeover/iptables_kube_proxy.ts";

/**
 * A stand-in for the iptables tools, used as the command prefix: `<tool> iptables-nft-save`
 * prints `save.txt` of its directory; `<tool> iptables-nft-restore ...` records its arguments
 * and stdin, and fails when `restore.fail` exists.
 */
async function fakeTools(save: string, opts: { failRestore?: boolean } = {}) {
  const dir = await Deno.makeTempDir({ prefix: "iptables_cleanup_" });
  await Deno.writeTextFile(`${dir}/save.txt`, save);
  if (opts.failRestore) await Deno.writeTextFile(`${dir}/restore.fail`, "");
  const tool = `${dir}/tool.sh`;
  await Deno.writeTextFile(
    tool,
    `#!/bin/sh
d=$(dirname "$0")
case "$1" in
  *-save) cat "$d/save.txt" ;;
  *-restore)
    echo "$@" > "$d/restore.args"
    cat > "$d/restore.stdin"
    if [ -e "$d/restore.fail" ]; then echo "iptables-restore: line 3 failed" >&2; exit 1; fi ;;
esac
`,
  );
  await Deno.chmod(tool, 0o755);
  return {
    tool,
    read: (name: string) => Deno.readTextFile(`${dir}/${name}`).catch(() => undefined),
    cleanup: () => Deno.remove(dir, { recursive: true }),
  };
}

function capture() {
  const lines: string[] = [];
  return { lines, logger: new Logger({ verbosity: 2, write: (l) => lines.push(l) }) };
}

Deno.test("removeIptablesLeftovers() restores the removal plan with --noflush and the lock wait", async () => {
  const tools = await fakeTools(kubeProxyIptables("10.96.0.10", 80, ["10.244.1.10:80"]));
  const { lines, logger } = capture();
  try {
    const [r] = await removeIptablesLeftovers({
      logger,
      flavours: ["iptables-nft"],
      commandPrefix: [tools.tool],
      lockWaitSeconds: 7,
    });
    assert.equal(r.status, "removed");
    assert.ok(r.removedChains.includes("nat/KUBE-SVC-TAKEOVER0000000"), r.removedChains.join());
    assert.ok(r.removedJumps > 0);
    assert.equal(await tools.read("restore.args"), "iptables-nft-restore --noflush -w 7\n");
    const stdin = (await tools.read("restore.stdin"))!;
    assert.match(stdin, /-X KUBE-SVC-TAKEOVER0000000/);
    assert.doesNotMatch(stdin, /KUBE-FIREWALL|KUBE-KUBELET-CANARY/, "the kubelet's chains stay");
    assert.match(
      lines.join("\n"),
      /Removed upstream kube-proxy's iptables rules flavour=iptables-nft/,
    );
  } finally {
    await tools.cleanup();
  }
});

Deno.test("removeIptablesLeftovers() does nothing on a clean node", async () => {
  const clean = "*filter\n:INPUT ACCEPT [0:0]\n:KUBE-FIREWALL - [0:0]\nCOMMIT\n";
  const tools = await fakeTools(clean);
  try {
    const [r] = await removeIptablesLeftovers({
      logger: capture().logger,
      flavours: ["ip6tables-legacy"],
      commandPrefix: [tools.tool],
    });
    assert.equal(r.status, "clean");
    assert.equal(await tools.read("restore.args"), undefined, "no restore run");
  } finally {
    await tools.cleanup();
  }
});

Deno.test("removeIptablesLeftovers() reports a failed restore with the tool's message, never throwing", async () => {
  const tools = await fakeTools(kubeProxyIptables("10.96.0.10", 80, []), { failRestore: true });
  const { lines, logger } = capture();
  try {
    const [r] = await removeIptablesLeftovers({
      logger,
      flavours: ["iptables-nft"],
      commandPrefix: [tools.tool],
    });
    assert.equal(r.status, "failed");
    assert.match(
      r.error!,
      /iptables-nft-restore --noflush -w 5 failed \(exit 1\): iptables-restore: line 3 failed/,
    );
    assert.match(lines.join("\n"), /^E.*Failed to remove upstream kube-proxy's iptables rules/m);
  } finally {
    await tools.cleanup();
  }
});

Deno.test("removeIptablesLeftovers() skips a flavour whose tools are not installed", async () => {
  const { lines, logger } = capture();
  const [r] = await removeIptablesLeftovers({ logger, flavours: ["no-such-iptables-flavour"] });
  assert.equal(r.status, "missing");
  assert.match(lines.join("\n"), /binary not installed flavour=no-such-iptables-flavour/);
  assert.deepEqual(IPTABLES_FLAVOURS, [
    "iptables-nft",
    "ip6tables-nft",
    "iptables-legacy",
    "ip6tables-legacy",
  ]);
});
