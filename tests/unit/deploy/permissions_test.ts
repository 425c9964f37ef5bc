import assert from "node:assert/strict";
import {
  CLI_PERMISSIONS,
  daemonPermissions,
  MAX_SHEBANG_LENGTH,
  shebangLine,
} from "../../../deploy/permissions.ts";
import { defaultLibcPaths } from "../../../src/host/instance_lock.ts";

const ROOT = new URL("../../../", import.meta.url).pathname;
const DENO_DIR = Deno.execPath().replace(/\/[^/]+$/, "");

/** Asks Deno, from inside a run with the flags under test, whether each descriptor is granted. */
const PROBE = `
// "prompt" and "denied" both mean refused here: the daemon runs with --no-prompt.
const q = (d) => Deno.permissions.querySync(d).state === "granted" ? "granted" : "refused";
console.log(JSON.stringify({
  readConfig: q({ name: "read", path: "/var/lib/kube-proxy/kubeconfig" }),
  readEtc: q({ name: "read", path: "/etc/shadow" }),
  writeState: q({ name: "write", path: "/var/lib/kube-proxy/x" }),
  netApi: q({ name: "net", host: "10.0.0.1:6443" }),
  netApiOtherPort: q({ name: "net", host: "10.0.0.1:2379" }),
  netHealthz4: q({ name: "net", host: "0.0.0.0:10256" }),
  netHealthz6: q({ name: "net", host: "[::]:10256" }),
  netMetrics: q({ name: "net", host: "127.0.0.1:10249" }),
  netKubelet: q({ name: "net", host: "127.0.0.1:10250" }),
  netNodePort: q({ name: "net", host: "192.0.2.7:31234" }),
  netElsewhere: q({ name: "net", host: "203.0.113.1:443" }),
  runNft: q({ name: "run", command: "nft" }),
  runIptablesNft: q({ name: "run", command: "iptables-nft-restore" }),
  runSh: q({ name: "run", command: "sh" }),
  ffiLibc: q({ name: "ffi", path: ${JSON.stringify(defaultLibcPaths()[0])} }),
  ffiOther: q({ name: "ffi", path: "/tmp/evil.so" }),
  sysHostname: q({ name: "sys", kind: "hostname" }),
  sysLoadavg: q({ name: "sys", kind: "loadavg" }),
  envService: Deno.env.get("KUBERNETES_SERVICE_HOST") ?? null,
  envHome: Deno.env.get("HOME") ?? null,
}));
`;

async function probe(flags: string[]): Promise<Record<string, string | null>> {
  const dir = await Deno.makeTempDir({ prefix: "kp-perm-" });
  try {
    await Deno.writeTextFile(`${dir}/probe.js`, PROBE);
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", ...flags, `${dir}/probe.js`],
      env: { KUBERNETES_SERVICE_HOST: "10.0.0.1", HOME: "/root" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.ok(out.success, new TextDecoder().decode(out.stderr));
    return JSON.parse(new TextDecoder().decode(out.stdout));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("daemonPermissions() rejects a site without an API server or with relative paths", () => {
  assert.throws(() => daemonPermissions({ apiServers: [], readPaths: ["/x"] }), RangeError);
  assert.throws(
    () => daemonPermissions({ apiServers: ["a:1"], readPaths: ["etc/kube"] }),
    /'readPaths' must be absolute/,
  );
});

Deno.test("daemonPermissions() grants the healthz port on both families and omits disabled servers", () => {
  const net = (flags: string[]) => flags.find((f) => f.startsWith("--allow-net="));
  assert.equal(
    net(daemonPermissions({ apiServers: ["a:6443"], readPaths: ["/x"] })),
    "--allow-net=a:6443,0.0.0.0:10256,[::]:10256,127.0.0.1:10249,0.0.0.0,[::]",
  );
  assert.equal(
    net(daemonPermissions({
      apiServers: ["a:6443"],
      readPaths: ["/x"],
      healthzBindAddress: "",
      metricsBindAddress: "",
      nodeAddresses: ["192.0.2.7"],
    })),
    "--allow-net=a:6443,192.0.2.7",
  );
});

Deno.test("a program run with daemonPermissions() may do what the proxy does and nothing else", async () => {
  const got = await probe(daemonPermissions({
    apiServers: ["10.0.0.1:6443"],
    readPaths: ["/var/lib/kube-proxy"],
    nodeAddresses: ["192.0.2.7"],
  }));
  assert.deepEqual(got, {
    readConfig: "granted",
    readEtc: "refused",
    writeState: "refused",
    netApi: "granted",
    netApiOtherPort: "refused",
    netHealthz4: "granted",
    netHealthz6: "granted",
    netMetrics: "granted",
    netKubelet: "refused",
    // Health-check node ports: the node's address with any port (Deno has no port ranges).
    netNodePort: "granted",
    netElsewhere: "refused",
    runNft: "granted",
    runIptablesNft: "granted",
    runSh: "refused",
    ffiLibc: "granted",
    ffiOther: "refused",
    sysHostname: "granted",
    sysLoadavg: "refused",
    envService: "10.0.0.1",
    // --ignore-env: every other variable reads as unset instead of failing.
    envHome: null,
  });
});

Deno.test("the bundle's #! line fits the kernel's 255 bytes and runs with its last flag intact", async () => {
  const line = shebangLine();
  assert.ok(line.length <= MAX_SHEBANG_LENGTH, `${line.length} bytes: ${line}`);
  const dir = await Deno.makeTempDir({ prefix: "kp-shebang-" });
  try {
    // The last permission flag is the one a cut line would lose.
    const last = CLI_PERMISSIONS.at(-1)!;
    assert.match(last, /^-S=.*networkInterfaces$/);
    await Deno.writeTextFile(
      `${dir}/probe`,
      `${line}\nconsole.log(Deno.permissions.querySync({ name: "sys", kind: "networkInterfaces" })` +
        `.state, Deno.permissions.querySync({ name: "read", path: "/etc/shadow" }).state);\n`,
    );
    await Deno.chmod(`${dir}/probe`, 0o755);
    const out = await new Deno.Command(`${dir}/probe`, {
      env: { PATH: `${DENO_DIR}:/usr/bin:/bin` },
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.ok(out.success, new TextDecoder().decode(out.stderr));
    assert.equal(new TextDecoder().decode(out.stdout).trim(), "granted prompt");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("scripts/build.ts compile refuses flags that are not Deno permission flags", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${ROOT}scripts/build.ts`, "compile", "--allow-read=/x", "--inspect"],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 2);
  assert.match(new TextDecoder().decode(out.stderr), /"--inspect" is not a Deno permission flag/);
});
