import assert from "node:assert/strict";
import { parseArgs } from "../../../src/config/flags.ts";
import { FLAGS } from "../../../src/config/flag_table.ts";
import { ConfigError } from "../../../src/config/config_error.ts";
import { commandOf } from "../../../src/config/resolve_config.ts";

function fails(argv: string[], pattern: RegExp): void {
  assert.throws(() => commandOf(parseArgs(argv)), (e: unknown) => {
    assert.ok(e instanceof ConfigError, `not a ConfigError: ${e}`);
    assert.match((e as Error).message, pattern);
    return true;
  });
}

function values(argv: string[]): Record<string, unknown> {
  return Object.fromEntries([...parseArgs(argv).flags.values()].map((f) => [f.name, f.value]));
}

/**
 * Every flag of kube-proxy's cmd/kube-proxy/app/options.go (current release), the logging
 * flags it registers (component-base logsapi), the Windows ones (options_windows.go) and the
 * cadvisor ones (goflag.CommandLine), each with a value as a DaemonSet would write it.
 */
const UPSTREAM_FLAGS: string[] = [
  "--config=/var/lib/kube-proxy/config.conf",
  "--write-config-to=/tmp/out.yaml",
  "--cleanup=false",
  "--feature-gates=NFTablesProxyMode=true,TopologyAwareHints=false",
  "--kubeconfig=/var/lib/kube-proxy/kubeconfig.conf",
  "--master=https://192.0.2.10:6443",
  "--kube-api-content-type=application/vnd.kubernetes.protobuf",
  "--kube-api-burst=10",
  "--kube-api-qps=5.5",
  "--hostname-override=node-a",
  "--bind-address=0.0.0.0",
  "--healthz-bind-address=0.0.0.0:10256",
  "--metrics-bind-address=0.0.0.0",
  "--bind-address-hard-fail=false",
  "--profiling=false",
  "--show-hidden-metrics-for-version=1.30",
  "--init-only=false",
  "--proxy-mode=iptables",
  "--iptables-masquerade-bit=14",
  "--masquerade-all=false",
  "--iptables-localhost-nodeports=false",
  "--iptables-sync-period=30s",
  "--iptables-min-sync-period=1s",
  "--ipvs-sync-period=30s",
  "--ipvs-min-sync-period=0s",
  "--ipvs-scheduler=rr",
  "--ipvs-exclude-cidrs=10.0.0.0/8",
  "--ipvs-strict-arp=false",
  "--ipvs-tcp-timeout=0s",
  "--ipvs-tcpfin-timeout=0s",
  "--ipvs-udp-timeout=0s",
  "--detect-local-mode=ClusterCIDR",
  "--pod-bridge-interface=cni0",
  "--pod-interface-name-prefix=veth",
  "--cluster-cidr=10.244.0.0/16",
  "--nodeport-addresses=0.0.0.0/0",
  "--oom-score-adj=-999",
  "--conntrack-max-per-core=32768",
  "--conntrack-min=131072",
  "--conntrack-tcp-timeout-established=24h0m0s",
  "--conntrack-tcp-timeout-close-wait=1h0m0s",
  "--conntrack-tcp-be-liberal=false",
  "--conntrack-udp-timeout=0s",
  "--conntrack-udp-timeout-stream=0s",
  "--config-sync-period=15m0s",
  "--healthz-port=10256",
  "--metrics-port=10249",
  "--logging-format=text",
  "--log-flush-frequency=5s",
  "--v=2",
  "--vmodule=proxier*=4",
  "--log-json-split-stream=false",
  "--log-json-info-buffer-size=0",
  "--log-text-split-stream=false",
  "--log-text-info-buffer-size=0",
  "--windows-service=false",
  "--source-vip=",
  "--network-name=",
  "--enable-dsr=false",
  "--root-hns-endpoint-name=",
  "--forward-healthcheck-vip=false",
  "--boot-id-file=/proc/sys/kernel/random/boot_id",
  "--machine-id-file=/etc/machine-id",
  "--version=false",
  "--help=false",
];

Deno.test("parseArgs() accepts every flag of upstream kube-proxy", () => {
  for (const flag of UPSTREAM_FLAGS) {
    const name = flag.slice(2).split("=")[0];
    assert.ok(FLAGS[name], `${name} is in the flag table`);
    assert.doesNotThrow(() => parseArgs([flag]), flag);
  }
  assert.equal(parseArgs(UPSTREAM_FLAGS).flags.size, UPSTREAM_FLAGS.length);
});

Deno.test("parseArgs() reads --flag=value and --flag value, and keeps positionals apart", () => {
  const { positional } = parseArgs(["explain", "--hostname-override", "node-a", "-"]);
  assert.deepEqual(positional, ["explain", "-"]);
  assert.deepEqual(
    values([
      "--cluster-cidr=10.244.0.0/16,fd00::/48",
      "--hostname-override",
      "node-a",
      "--min-sync-period",
      "0",
      "--sync-period=1m",
      "--service-cidrs= 192.168.0.0/16 ,, fd00::/108",
      "--kube-api-qps=7.5",
      "--feature-gates=A=true,B=false",
    ]),
    {
      "cluster-cidr": "10.244.0.0/16,fd00::/48",
      "hostname-override": "node-a",
      "min-sync-period": 0,
      "sync-period": 60_000,
      "service-cidrs": ["192.168.0.0/16", "fd00::/108"],
      "kube-api-qps": 7.5,
      "feature-gates": { A: true, B: false },
    },
  );
});

Deno.test("parseArgs() reads -v the pflag ways: -v=4, -v 4, -v4, --v=4", () => {
  for (const argv of [["-v=4"], ["-v", "4"], ["-v4"], ["--v=4"]]) {
    assert.deepEqual(values(argv), { v: 4 }, argv.join(" "));
  }
  assert.deepEqual(values(["-h"]), { help: true });
});

Deno.test("parseArgs() reads booleans as --flag, --flag=true and --flag=false", () => {
  assert.deepEqual(values(["--masquerade-all"]), { "masquerade-all": true });
  assert.deepEqual(values(["--masquerade-all=true"]), { "masquerade-all": true });
  assert.deepEqual(values(["--masquerade-all=false"]), { "masquerade-all": false });
  // A bare boolean does not swallow the next word (as pflag).
  assert.deepEqual(parseArgs(["--cleanup", "false"]).positional, ["false"]);
  fails(["--masquerade-all=yes"], /invalid value "yes" for --masquerade-all: want true or false/);
});

Deno.test("parseArgs() fails on unknown flags and bad values, naming the flag", () => {
  fails(["--no-such-flag=1"], /unknown flag: --no-such-flag/);
  fails(["--proxy_mode=nftables"], /unknown flag: --proxy_mode/);
  fails(["--udp-timeout=250ms"], /unknown flag: --udp-timeout/);
  fails(["--v=high"], /invalid value "high" for --v: want an integer/);
  fails(["--v", "1.5"], /for --v: want an integer/);
  fails(["--sync-period=30"], /invalid value "30" for --sync-period: want a duration/);
  fails(["--kube-api-qps=fast"], /for --kube-api-qps: want a number/);
  fails(["--feature-gates=A=maybe"], /for --feature-gates: want key=true\|false/);
  fails(["--hostname-override"], /flag needs an argument: --hostname-override/);
});

Deno.test("parseArgs() lets the last of a repeated flag win, and appends upstream's slices", () => {
  assert.deepEqual(values(["--v=1", "--v=3"]), { v: 3 });
  assert.deepEqual(values(["--service-cidrs=10.96.0.0/12", "--service-cidrs=10.96.0.0/16"]), {
    "service-cidrs": ["10.96.0.0/16"],
  });
  // pflag's StringSlice: a repeated --nodeport-addresses adds to the list.
  assert.deepEqual(
    values(["--nodeport-addresses=10.0.0.0/8", "--nodeport-addresses=fd00::/8"]),
    { "nodeport-addresses": ["10.0.0.0/8", "fd00::/8"] },
  );
});

Deno.test("commandOf() picks the action, and refuses stray words, explain flags and two actions", () => {
  assert.equal(commandOf(parseArgs([])), "run");
  assert.equal(commandOf(parseArgs(["--dry-run"])), "dry-run");
  assert.equal(commandOf(parseArgs(["--init-only"])), "init-only");
  assert.equal(commandOf(parseArgs(["--write-config-to", "/tmp/x"])), "write-config");
  assert.equal(commandOf(parseArgs(["explain", "--src", "10.0.0.1"])), "explain");
  assert.equal(commandOf(parseArgs(["--cleanup", "--help"])), "help");
  fails(["run"], /unexpected argument "run"/);
  fails(["explain", "extra"], /unexpected argument "extra"/);
  fails(["--src=10.0.0.1"], /flag --src is only valid with the explain command/);
  fails(["--cleanup", "--dry-run"], /--cleanup and --dry-run cannot be combined/);
});
