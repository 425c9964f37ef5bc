import assert from "node:assert/strict";
import { Draft } from "../../../src/config/draft.ts";
import type { ConfigNotes } from "../../../src/config/draft_from_file.ts";
import { applyFlags, FLAG_SETTERS, flagNameOf } from "../../../src/config/draft_from_flags.ts";
import { FLAGS } from "../../../src/config/flag_table.ts";
import { parseArgs } from "../../../src/config/flags.ts";

function apply(argv: string[], configFile = "") {
  const draft = new Draft();
  const notes: ConfigNotes = { warnings: [], unusedFields: [] };
  applyFlags(draft, parseArgs(argv).flags, configFile, notes);
  return { draft, notes };
}

Deno.test("applyFlags() sets each value with its flag as origin", () => {
  const { draft } = apply(["--cluster-cidr=10.244.0.0/16", "--sync-period=10s", "--v=2"]);
  assert.equal(draft.values.clusterCIDR, "10.244.0.0/16");
  assert.equal(draft.values.syncPeriodMs, 10_000);
  assert.equal(draft.values.verbosity, 2);
  assert.deepEqual(draft.origin("clusterCIDR"), { kind: "flag", flag: "cluster-cidr" });
});

Deno.test("applyFlags() with --config ignores the flags the file can hold, naming the field", () => {
  const { draft, notes } = apply(
    ["--config=/c.yaml", "--cluster-cidr=10.244.0.0/16", "--hostname-override=Worker-0"],
    "/c.yaml",
  );
  assert.equal(draft.values.clusterCIDR, "", "ignored");
  assert.equal(draft.values.hostnameOverride, "worker-0", "always applies, lowercased");
  assert.deepEqual(notes.warnings, [
    "flag --cluster-cidr is ignored: with --config, kube-proxy takes the file's settings " +
    "(set clusterCIDR in /c.yaml)",
  ]);
});

Deno.test("--healthz-port replaces the port of the address, 0 disables the server", () => {
  assert.equal(
    apply(["--healthz-bind-address=10.0.0.5:1", "--healthz-port=9000"]).draft.values
      .healthzBindAddress,
    "10.0.0.5:9000",
  );
  assert.equal(apply(["--metrics-port=0"]).draft.values.metricsBindAddress, "");
  assert.equal(apply(["--metrics-port=9100"]).draft.values.metricsBindAddress, "127.0.0.1:9100");
});

Deno.test("--iptables-* flags follow the mode, as upstream, with a warning when they do nothing", () => {
  const ipvs = apply(["--proxy-mode=ipvs", "--iptables-sync-period=5s"]);
  assert.equal(ipvs.draft.values.syncPeriodMs, 30_000);
  assert.match(
    ipvs.notes.warnings.join("\n"),
    /--iptables-sync-period has no effect with --proxy-mode=ipvs/,
  );
  const nft = apply(["--proxy-mode=nftables", "--iptables-masquerade-bit=10"]);
  assert.equal(nft.draft.values.masqueradeBit, 14);
  assert.equal(apply(["--iptables-masquerade-bit=10"]).draft.values.masqueradeBit, 10);
});

Deno.test("an empty --hostname-override is no override; blanks alone are an error naming the flag", () => {
  assert.equal(apply(["--hostname-override="]).draft.values.hostnameOverride, "");
  assert.throws(
    () => apply(["--hostname-override=  "]),
    /--hostname-override: empty after trimming/,
  );
});

Deno.test("flags without effect are warned about; every setter names a known flag", () => {
  const { notes } = apply(["--oom-score-adj=-999"]);
  assert.match(notes.warnings[0], /flag --oom-score-adj has no effect in kube-nft-proxy/);
  for (const name of Object.keys(FLAG_SETTERS)) assert.ok(name in FLAGS, name);
  assert.equal(flagNameOf("bridgeInterface"), "pod-bridge-interface");
  assert.equal(flagNameOf("tableName"), "nft-table");
});
