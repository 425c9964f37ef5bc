import assert from "node:assert/strict";
import { parse } from "yaml";
import { resolveConfig } from "../../../src/config/resolve_config.ts";
import { encodeConfig } from "../../../src/config/write_config.ts";
import { decodeConfigFile } from "../../../src/config/config_file.ts";
import { dryRunScript } from "../../../src/cli/dry_run.ts";
import { silentLogger } from "../../../src/log/logger.ts";
import { HEAD, kubeadmConfigConf, memoryHost } from "../../support/config_files.ts";

const MANIFEST = new URL("../../../examples/walkthrough/", import.meta.url).pathname;

/** Writes the effective configuration of `argv`, then resolves `--config` of it (plus `extra`). */
async function roundTrip(argv: string[], files: Record<string, string>, extra: string[] = []) {
  const first = await resolveConfig(argv, memoryHost(files));
  const text = encodeConfig(first.config, first.passthrough);
  const second = await resolveConfig(
    ["--config=out.yaml", ...extra],
    memoryHost({ ...files, "out.yaml": text }),
  );
  return { first, second, text };
}

Deno.test("encodeConfig() writes every field, strictly decodable, with mode nftables", async () => {
  const { text } = await roundTrip(["--cluster-cidr=10.244.0.0/16"], {});
  const f = decodeConfigFile("out.yaml", text);
  assert.deepEqual(f.unknown, [], "no unknown fields");
  assert.deepEqual(f.warnings, []);
  const doc = parse(text);
  assert.equal(doc.mode, "nftables");
  assert.equal(doc.kind, "KubeProxyConfiguration");
  assert.deepEqual(Object.keys(doc), [...Object.keys(doc)].sort(), "keys sorted, as upstream");
  for (const k of ["conntrack", "iptables", "ipvs", "nftables", "logging", "winkernel"]) {
    assert.ok(k in doc, k);
  }
});

Deno.test("--write-config-to then --config gives the same configuration", async () => {
  const cases: { argv: string[]; files?: Record<string, string> }[] = [
    {
      argv: [
        "--cluster-cidr=10.244.0.0/16,fd00:244::/48",
        "--masquerade-all",
        "--min-sync-period=0",
        "--sync-period=45s",
        "--nodeport-addresses=198.51.100.0/24,::/0",
        "--detect-local-mode=InterfaceNamePrefix",
        "--pod-interface-name-prefix=veth",
        "--healthz-bind-address=",
        "--metrics-bind-address=0.0.0.0",
        "--bind-address=192.0.2.5",
        "--bind-address-hard-fail",
        "--conntrack-max-per-core=0",
        "--conntrack-udp-timeout=45s",
        "--conntrack-tcp-be-liberal",
        "--hostname-override=node-a",
        "--iptables-masquerade-bit=9",
      ],
    },
    { argv: ["--config=k.conf"], files: { "k.conf": kubeadmConfigConf() } },
    {
      argv: ["--config=m.yaml"],
      files: {
        "m.yaml": HEAD +
          "mode: iptables\niptables:\n  masqueradeBit: 3\nipvs:\n  scheduler: rr\noomScoreAdj: -500\n",
      },
    },
  ];
  for (const { argv, files = {} } of cases) {
    const { first, second, text } = await roundTrip(argv, files);
    // Written as mode nftables; a zero minSyncPeriod as 1ns (kube-proxy reads 0s as "1s").
    const { configFile: _a, mode: _m, minSyncPeriodMs: minA, ...a } = first.config;
    const { configFile: _b, mode, minSyncPeriodMs: minB, ...b } = second.config;
    assert.deepEqual(b, a, `${argv.join(" ")}\n${text}`);
    assert.equal(mode, "nftables");
    if (minA === 0) assert.ok(minB > 0 && minB < 0.001, `minSyncPeriod ${minB}`);
    else assert.equal(minB, minA);
    assert.deepEqual(second.notes.warnings, [], text);
  }
});

Deno.test("encodeConfig() writes back fields this proxy does not use", async () => {
  const { text, second } = await roundTrip(["--config=m.yaml"], {
    "m.yaml": HEAD +
      "ipvs:\n  scheduler: rr\n  tcpTimeout: 15m\noomScoreAdj: -500\nfeatureGates:\n  A: true\n",
  });
  const doc = parse(text);
  assert.equal(doc.ipvs.scheduler, "rr");
  assert.equal(doc.ipvs.tcpTimeout, "15m0s");
  assert.equal(doc.oomScoreAdj, -500);
  assert.deepEqual(doc.featureGates, { A: true });
  assert.deepEqual(second.notes.unusedFields.sort(), [
    "featureGates",
    "ipvs.scheduler",
    "ipvs.tcpTimeout",
    "oomScoreAdj",
  ]);
});

Deno.test("encodeConfig() lists the flags a KubeProxyConfiguration cannot hold", async () => {
  const { text } = await roundTrip(
    [
      "--service-cidrs=10.96.0.0/12",
      "--drift-check-period=0",
      "--nft-table=kp2",
      "--manifests=/srv/m",
    ],
    {},
  );
  assert.match(
    text,
    /^# Settings a KubeProxyConfiguration cannot hold; pass them as flags:\n# {3}--manifests=\/srv\/m --service-cidrs=10\.96\.0\.0\/12 --drift-check-period=0s --nft-table=kp2$/m,
  );
});

Deno.test("--write-config-to then --config renders the same ruleset", async () => {
  const flags = [
    `--manifests=${MANIFEST}`,
    "--hostname-override=node-a",
    "--cluster-cidr=10.244.0.0/16",
    "--masquerade-all",
    "--iptables-masquerade-bit=7",
    "--service-cidrs=10.96.0.0/12",
  ];
  const { first, second } = await roundTrip(flags, {}, [
    `--manifests=${MANIFEST}`,
    "--service-cidrs=10.96.0.0/12",
  ]);
  const a = await dryRunScript(first.config, silentLogger);
  const b = await dryRunScript(second.config, silentLogger);
  assert.ok(a.includes("0x00000080"), "mark bit 7 in the ruleset");
  assert.equal(b, a);
});
