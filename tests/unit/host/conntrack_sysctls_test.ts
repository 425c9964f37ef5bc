import assert from "node:assert/strict";
import {
  applyConntrackSysctls,
  conntrackMax,
  type ConntrackSettings,
  plannedConntrackSysctls,
} from "../../../src/host/conntrack_sysctls.ts";
import { type SysctlFiles, Sysctls } from "../../../src/host/sysctl.ts";
import { Logger } from "../../../src/log/logger.ts";

/** Upstream's defaults. */
const DEFAULTS: ConntrackSettings = {
  maxPerCore: 32768,
  min: 131072,
  tcpEstablishedTimeoutMs: 86_400_000,
  tcpCloseWaitTimeoutMs: 3_600_000,
  tcpBeLiberal: false,
  udpTimeoutMs: 0,
  udpStreamTimeoutMs: 0,
};

/** An in-memory /proc/sys and /sys/module: `readOnly` paths refuse writes as the kernel does. */
function fakeFiles(initial: Record<string, string>, readOnly: Set<string> = new Set()) {
  const files = new Map(Object.entries(initial));
  const writes: string[] = [];
  const io: SysctlFiles = {
    readTextFile: (p) =>
      files.has(p) ? Promise.resolve(files.get(p)!) : Promise.reject(new Deno.errors.NotFound(p)),
    writeTextFile(p, t) {
      if (readOnly.has(p)) {
        return Promise.reject(
          new Deno.errors.PermissionDenied(`Permission denied (os error 13): ${p}`),
        );
      }
      if (!files.has(p)) return Promise.reject(new Deno.errors.NotFound(p));
      files.set(p, t);
      writes.push(`${p}=${t.trim()}`);
      return Promise.resolve();
    },
    isWritable: (p) => Promise.resolve(!readOnly.has(p)),
  };
  return { io, files, writes };
}

const P = "/p/net/netfilter/";
const HASH = "/m/nf_conntrack/parameters/hashsize";

function kernel(): Record<string, string> {
  return {
    [`${P}nf_conntrack_max`]: "262144\n",
    [`${P}nf_conntrack_tcp_timeout_established`]: "432000\n",
    [`${P}nf_conntrack_tcp_timeout_close_wait`]: "60\n",
    [`${P}nf_conntrack_tcp_be_liberal`]: "0\n",
    [`${P}nf_conntrack_udp_timeout`]: "30\n",
    [`${P}nf_conntrack_udp_timeout_stream`]: "120\n",
    [HASH]: "65536\n",
  };
}

function logger() {
  const lines: string[] = [];
  return { lines, log: new Logger({ write: (l) => lines.push(l) }) };
}

Deno.test("conntrackMax() scales maxPerCore by the CPUs, at least min, and 0 leaves it", () => {
  assert.equal(conntrackMax(DEFAULTS, 2), 131072, "2 x 32768 is below min");
  assert.equal(conntrackMax(DEFAULTS, 8), 262144);
  assert.equal(conntrackMax({ ...DEFAULTS, maxPerCore: 0 }, 64), 0);
  assert.equal(conntrackMax({ ...DEFAULTS, min: 0 }, 1), 32768);
});

Deno.test("plannedConntrackSysctls() skips zero values and writes whole seconds", () => {
  assert.deepEqual(plannedConntrackSysctls(DEFAULTS, 4), [
    { parameter: "net/netfilter/nf_conntrack_max", value: 131072 },
    { parameter: "net/netfilter/nf_conntrack_tcp_timeout_established", value: 86400 },
    { parameter: "net/netfilter/nf_conntrack_tcp_timeout_close_wait", value: 3600 },
  ]);
  assert.deepEqual(
    plannedConntrackSysctls({
      maxPerCore: 0,
      min: 5,
      tcpEstablishedTimeoutMs: 0,
      tcpCloseWaitTimeoutMs: 0,
      tcpBeLiberal: true,
      udpTimeoutMs: 45_500,
      udpStreamTimeoutMs: 180_000,
    }, 4),
    [
      { parameter: "net/netfilter/nf_conntrack_tcp_be_liberal", value: 1 },
      { parameter: "net/netfilter/nf_conntrack_udp_timeout", value: 45 },
      { parameter: "net/netfilter/nf_conntrack_udp_timeout_stream", value: 180 },
    ],
  );
});

Deno.test("applyConntrackSysctls() sets what differs and grows the hash table to max/4", async () => {
  const { io, writes } = fakeFiles(kernel());
  const { lines, log } = logger();
  const results = await applyConntrackSysctls(
    { ...DEFAULTS, maxPerCore: 65536, tcpCloseWaitTimeoutMs: 60_000 },
    { logger: log, cpus: 8, sysctls: new Sysctls({ procSys: "/p", sysModule: "/m", files: io }) },
  );
  assert.deepEqual(writes, [
    `${P}nf_conntrack_max=524288`,
    `${HASH}=131072`,
    `${P}nf_conntrack_tcp_timeout_established=86400`,
  ]);
  assert.deepEqual(results.map((r) => r.outcome), ["set", "set", "set", "unchanged"]);
  assert.equal(results[0].previous, 262144);
  assert.match(
    lines.join("\n"),
    /Set sysctl parameter=net\/netfilter\/nf_conntrack_max value=524288 previous=262144/,
  );
});

Deno.test("applyConntrackSysctls() logs a read-only parameter and goes on, without touching the hash table", async () => {
  // As in a network namespace: nf_conntrack_max is read-only (0444), the timeouts are not.
  const { io, writes } = fakeFiles(kernel(), new Set([`${P}nf_conntrack_max`]));
  const { lines, log } = logger();
  const results = await applyConntrackSysctls(
    { ...DEFAULTS, maxPerCore: 1_000_000 },
    { logger: log, cpus: 2, sysctls: new Sysctls({ procSys: "/p", sysModule: "/m", files: io }) },
  );
  assert.deepEqual(results.map((r) => [r.parameter.split("/").pop(), r.outcome]), [
    ["nf_conntrack_max", "read-only"],
    ["nf_conntrack_tcp_timeout_established", "set"],
    ["nf_conntrack_tcp_timeout_close_wait", "set"],
  ]);
  assert.ok(!writes.some((w) => w.startsWith(HASH)), "the global hash table is left alone");
  assert.match(
    lines.join("\n"),
    /^W.*Cannot set sysctl, it is read-only here; leaving it parameter=net\/netfilter\/nf_conntrack_max/m,
  );
});

Deno.test("applyConntrackSysctls() leaves the hash table when nf_conntrack_max is unchanged but not writable", async () => {
  const files = kernel();
  files[`${P}nf_conntrack_max`] = "2000000\n";
  const { io, writes } = fakeFiles(files, new Set([`${P}nf_conntrack_max`]));
  const results = await applyConntrackSysctls(
    { ...DEFAULTS, maxPerCore: 1_000_000 },
    {
      logger: logger().log,
      cpus: 2,
      sysctls: new Sysctls({ procSys: "/p", sysModule: "/m", files: io }),
    },
  );
  assert.equal(results[0].outcome, "unchanged");
  assert.ok(!writes.some((w) => w.startsWith(HASH)));
});

Deno.test("applyConntrackSysctls() reports other failures as failed, never throws", async () => {
  const files = kernel();
  delete files[`${P}nf_conntrack_udp_timeout`];
  const { io } = fakeFiles(files);
  const { lines, log } = logger();
  const results = await applyConntrackSysctls(
    { ...DEFAULTS, maxPerCore: 0, udpTimeoutMs: 10_000 },
    { logger: log, cpus: 2, sysctls: new Sysctls({ procSys: "/p", sysModule: "/m", files: io }) },
  );
  assert.equal(results.find((r) => r.parameter.endsWith("udp_timeout"))?.outcome, "failed");
  assert.match(
    lines.join("\n"),
    /^E.*Cannot set sysctl parameter=net\/netfilter\/nf_conntrack_udp_timeout/m,
  );
});
