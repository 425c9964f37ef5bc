import assert from "node:assert/strict";
import { FLAGS, helpText, parseFlags } from "../../src/cli/flags.ts";
import { ConfigError } from "../../src/config/config_error.ts";

function fails(argv: string[], pattern: RegExp): void {
  assert.throws(() => parseFlags(argv), (e: unknown) => {
    assert.ok(e instanceof ConfigError, `not a ConfigError: ${e}`);
    assert.match((e as Error).message, pattern);
    return true;
  });
}

Deno.test("parseFlags() reads --flag=value and --flag value, and keeps positionals apart", () => {
  const { values, positional } = parseFlags([
    "explain",
    "--cluster-cidr=10.244.0.0/16,fd00::/48",
    "--hostname-override",
    "node-a",
    "-v=4",
    "--min-sync-period",
    "0",
    "--sync-period=1m",
    "--nodeport-addresses= 192.168.0.0/16 ,, fd00::/8",
    "-",
  ]);
  assert.deepEqual(values, {
    clusterCIDR: "10.244.0.0/16,fd00::/48",
    hostnameOverride: "node-a",
    verbosity: 4,
    minSyncPeriodMs: 0,
    syncPeriodMs: 60_000,
    nodePortAddresses: ["192.168.0.0/16", "fd00::/8"],
  });
  assert.deepEqual(positional, ["explain", "-"]);
});

Deno.test("parseFlags() reads booleans as --flag, --flag=true and --flag=false", () => {
  assert.deepEqual(parseFlags(["--masquerade-all"]).values, { masqueradeAll: true });
  assert.deepEqual(parseFlags(["--masquerade-all=true"]).values, { masqueradeAll: true });
  assert.deepEqual(parseFlags(["--masquerade-all=false"]).values, { masqueradeAll: false });
  assert.deepEqual(parseFlags(["--conntrack-cleanup=false", "--dry-run"]).values, {
    conntrackCleanup: false,
    dryRun: true,
  });
  // A bare boolean does not swallow the next word (as pflag).
  assert.deepEqual(parseFlags(["--cleanup", "false"]).positional, ["false"]);
  fails(
    ["--masquerade-all=yes"],
    /invalid value "yes" for flag --masquerade-all: want true or false/,
  );
});

Deno.test("parseFlags() fails on unknown flags, bad ints and bad durations, naming the flag", () => {
  fails(["--no-such-flag=1"], /unknown flag: --no-such-flag/);
  fails(["--proxy_mode=nftables"], /unknown flag: --proxy_mode/);
  fails(["--v=high"], /invalid value "high" for flag --v: want an integer/);
  fails(["--v", "1.5"], /for flag --v: want an integer/);
  fails(["--sync-period=30"], /invalid value "30" for flag --sync-period: want a duration/);
  fails(["--hostname-override"], /flag needs an argument: --hostname-override/);
});

Deno.test("parseFlags() lets the last of a repeated flag win", () => {
  assert.deepEqual(parseFlags(["--v=1", "--v=3"]).values, { verbosity: 3 });
});

Deno.test("helpText() lists every flag", () => {
  const help = helpText();
  for (const name of Object.keys(FLAGS)) assert.match(help, new RegExp(`--${name}\\b`));
  assert.match(help, /--detect-local-mode MODE/);
});
