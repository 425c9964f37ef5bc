import assert from "node:assert/strict";
import {
  isReadOnlyError,
  SysctlError,
  type SysctlFiles,
  Sysctls,
} from "../../../src/host/sysctl.ts";

/** Files in memory; writes to `readOnly` paths fail as a per-namespace entry does (EACCES). */
function memoryFiles(files: Record<string, string>, readOnly: string[] = []): SysctlFiles {
  return {
    readTextFile: (p) =>
      p in files ? Promise.resolve(files[p]) : Promise.reject(new Deno.errors.NotFound(p)),
    writeTextFile(p, t) {
      if (readOnly.includes(p)) return Promise.reject(new Deno.errors.PermissionDenied(p));
      files[p] = t;
      return Promise.resolve();
    },
    isWritable: (p) => Promise.resolve(!readOnly.includes(p)),
  };
}

Deno.test("Sysctls maps parameters to /proc/sys, and module: ones to /sys/module", () => {
  const s = new Sysctls();
  assert.equal(
    s.path("net/netfilter/nf_conntrack_max"),
    "/proc/sys/net/netfilter/nf_conntrack_max",
  );
  assert.equal(
    s.path("module:nf_conntrack/parameters/hashsize"),
    "/sys/module/nf_conntrack/parameters/hashsize",
  );
  const t = new Sysctls({ procSys: "/tmp/ps", sysModule: "/tmp/sm" });
  assert.equal(t.path("a/b"), "/tmp/ps/a/b");
});

Deno.test("Sysctls reads and writes integers through the injected files", async () => {
  const files: Record<string, string> = { "/p/net/nf_conntrack_max": "131072\n" };
  const s = new Sysctls({ procSys: "/p", files: memoryFiles(files) });
  assert.equal(await s.get("net/nf_conntrack_max"), 131072);
  await s.set("net/nf_conntrack_max", 262144);
  assert.equal(files["/p/net/nf_conntrack_max"], "262144\n");
  assert.equal(await s.writable("net/nf_conntrack_max"), true);
});

Deno.test("Sysctls reports a read-only parameter as such, and a garbled one by name", async () => {
  const files = { "/p/ro": "1\n", "/p/junk": "many\n" };
  const s = new Sysctls({ procSys: "/p", files: memoryFiles(files, ["/p/ro"]) });
  await assert.rejects(s.set("ro", 2), (e: unknown) => {
    assert.ok(e instanceof SysctlError);
    assert.equal(e.parameter, "ro");
    assert.equal(e.readOnly, true);
    assert.match(e.message, /^ro: read-only here: /);
    return true;
  });
  assert.equal(await s.writable("ro"), false);
  await assert.rejects(s.get("junk"), /junk: cannot be set: not an integer: many/);
  await assert.rejects(s.get("missing"), (e: unknown) => e instanceof SysctlError && !e.readOnly);
});

Deno.test("isReadOnlyError() knows EACCES/EPERM, EROFS and a missing --allow-write", () => {
  assert.equal(isReadOnlyError(new Deno.errors.PermissionDenied("x")), true);
  assert.equal(isReadOnlyError(new Deno.errors.NotCapable("x")), true);
  assert.equal(isReadOnlyError(new Error("Read-only file system (os error 30)")), true);
  assert.equal(isReadOnlyError(new Deno.errors.NotFound("x")), false);
  assert.equal(isReadOnlyError("os error 30"), false, "not an Error");
});

Deno.test("Sysctls reads a real parameter of this host (read only)", async () => {
  const s = new Sysctls();
  const max = await s.get("kernel/pid_max");
  assert.ok(max > 0);
});
