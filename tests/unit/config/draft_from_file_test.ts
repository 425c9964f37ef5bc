import assert from "node:assert/strict";
import { decodeConfigFile } from "../../../src/config/config_file.ts";
import {
  type ConfigNotes,
  draftFromFile,
  isZero,
  modeSection,
} from "../../../src/config/draft_from_file.ts";
import { hardWayConfig, HEAD, kubeadmConfigConf } from "../../support/config_files.ts";

function draft(yaml: string, file = "c.yaml") {
  const notes: ConfigNotes = { warnings: [], unusedFields: [] };
  const d = draftFromFile(decodeConfigFile(file, yaml), notes);
  return { d, notes };
}

Deno.test("draftFromFile() applies upstream's defaulting: zero values mean the default", () => {
  const { d, notes } = draft(
    HEAD + 'mode: nftables\nbindAddress: ""\nhealthzBindAddress: ""\nconfigSyncPeriod: 0s\n' +
      "nftables:\n  syncPeriod: 0s\n  masqueradeBit: null\nconntrack:\n  maxPerCore: null\n",
  );
  assert.equal(d.values.bindAddress, "0.0.0.0");
  assert.equal(d.values.healthzBindAddress, "0.0.0.0:10256");
  assert.equal(d.values.syncPeriodMs, 30_000);
  assert.equal(d.values.masqueradeBit, 14);
  assert.equal(d.values.conntrackMaxPerCore, 32_768);
  assert.equal(d.values.configSyncPeriodMs, 900_000);
  assert.deepEqual(notes, { warnings: [], unusedFields: [] });
});

Deno.test("draftFromFile() keeps a pointer field's explicit 0 (conntrack.maxPerCore: 0 leaves the kernel alone)", () => {
  const { d } = draft(HEAD + "conntrack:\n  maxPerCore: 0\n  min: 0\n");
  assert.equal(d.values.conntrackMaxPerCore, 0);
  assert.equal(d.values.conntrackMin, 0);
});

Deno.test("draftFromFile() reads the mode's section: nftables.* or iptables.*, and names the field", () => {
  const nft = draft(HEAD + "mode: nftables\nnftables:\n  syncPeriod: 10s\n  masqueradeAll: true\n");
  assert.equal(nft.d.values.syncPeriodMs, 10_000);
  assert.equal(nft.d.values.masqueradeAll, true);
  assert.deepEqual(nft.d.origin("syncPeriodMs"), {
    kind: "file",
    file: "c.yaml",
    field: "nftables.syncPeriod",
  });
  const ipt = draft(HEAD + 'mode: "iptables"\niptables:\n  syncPeriod: 20s\n');
  assert.equal(ipt.d.values.syncPeriodMs, 20_000);
  assert.match(ipt.notes.warnings.join("\n"), /mode "iptables" is not implemented/);
  assert.equal(modeSection("nftables"), "nftables");
  for (const mode of ["", "iptables", "ipvs"]) assert.equal(modeSection(mode), "iptables");
});

Deno.test("draftFromFile() warns about nftables.* under an empty mode, which upstream runs as iptables", () => {
  const { d, notes } = draft(HEAD + "nftables:\n  syncPeriod: 10s\n", "/etc/kp.yaml");
  assert.equal(d.values.syncPeriodMs, 30_000);
  assert.match(notes.warnings[0], /^\/etc\/kp\.yaml: nftables\.syncPeriod ignored: mode is empty/);
});

Deno.test("draftFromFile() passes unused fields through and lists those not at their default", () => {
  const { d, notes } = draft(kubeadmConfigConf());
  assert.ok(d.passthrough.has("ipvs.scheduler"), "kept for --write-config-to");
  assert.ok(!notes.unusedFields.includes("clientConnection.qps"), "at upstream's default");
  const custom = draft(HEAD + "oomScoreAdj: -500\nenableProfiling: true\n");
  assert.deepEqual(custom.notes.unusedFields.sort(), ["enableProfiling", "oomScoreAdj"]);
});

Deno.test("draftFromFile() reads the classic guides' file with its kubeconfig and cluster CIDR", () => {
  const { d } = draft(hardWayConfig());
  assert.equal(d.values.mode, "iptables");
  assert.notEqual(d.values.kubeconfig, "");
  assert.notEqual(d.values.clusterCIDR, "");
});

Deno.test("isZero() knows each decoded type's zero value", () => {
  for (const zero of [null, 0, "", "0", false, [], {}]) assert.equal(isZero(zero), true);
  for (const value of [1, "a", true, ["x"], { a: true }]) {
    assert.equal(isZero(value), false, JSON.stringify(value));
  }
});
