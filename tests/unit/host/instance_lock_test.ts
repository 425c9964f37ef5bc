import assert from "node:assert/strict";
import {
  acquireInstanceLock,
  defaultLibcPaths,
  InstanceLockError,
  InstanceLockHeldError,
} from "../../../src/host/instance_lock.ts";

/** A lock name no other test (or running proxy) uses. */
const uniqueName = () => `kube-nft-proxy-test-${crypto.randomUUID()}`;

Deno.test("acquireInstanceLock() refuses a second holder and names the first holder's pid", () => {
  const name = uniqueName();
  const lock = acquireInstanceLock({ name });
  try {
    assert.equal(lock.address, `@${name}`);
    assert.throws(
      () => acquireInstanceLock({ name }),
      (e: unknown) => {
        assert.ok(e instanceof InstanceLockHeldError, String(e));
        assert.equal(e.holderPid, Deno.pid);
        assert.equal(e.address, `@${name}`);
        assert.match(e.message, new RegExp(`pid ${Deno.pid}\\b`));
        assert.match(e.message, /another kube-nft-proxy is running in this network namespace/);
        return true;
      },
    );
  } finally {
    lock.release();
  }
});

Deno.test("acquireInstanceLock() takes a released lock again; release() is idempotent", () => {
  const name = uniqueName();
  const first = acquireInstanceLock({ name });
  first.release();
  first.release();
  const second = acquireInstanceLock({ name });
  second[Symbol.dispose]();
});

Deno.test("acquireInstanceLock() locks per name: another name is independent", () => {
  const a = acquireInstanceLock({ name: uniqueName() });
  const b = acquireInstanceLock({ name: uniqueName() });
  a.release();
  b.release();
});

Deno.test("the lock is not inherited by child processes (a child cannot keep it alive)", async () => {
  const name = uniqueName();
  const lock = acquireInstanceLock({ name });
  const child = new Deno.Command("sleep", { args: ["30"], stdout: "null", stderr: "null" }).spawn();
  try {
    // Until the child has exec'd, the forked copy still holds every descriptor (CLOEXEC closes
    // them at exec): wait for the exec, so the test is about inheritance, not that window.
    for (let i = 0; i < 200; i++) {
      const comm = await Deno.readTextFile(`/proc/${child.pid}/comm`).catch(() => "");
      if (comm.trim() === "sleep") break;
      await new Promise((r) => setTimeout(r, 10));
    }
    lock.release();
    // Were the socket inherited, the sleeping child would still hold it and this would throw.
    acquireInstanceLock({ name }).release();
  } finally {
    child.kill("SIGKILL");
    await child.status;
  }
});

Deno.test("probes of a held lock are drained, so the holder's pid stays readable", async () => {
  const name = uniqueName();
  const lock = acquireInstanceLock({ name });
  try {
    // More probes than the backlog (8) can queue before the holder drains them.
    const seen = new Set<number | undefined>();
    for (let i = 0; i < 12; i++) {
      try {
        acquireInstanceLock({ name }).release();
        assert.fail("a second holder got the lock");
      } catch (e) {
        assert.ok(e instanceof InstanceLockHeldError, String(e));
        seen.add(e.holderPid);
      }
    }
    assert.ok(seen.has(Deno.pid), `pids seen: ${[...seen]}`);
    await new Promise((r) => setTimeout(r, 1500)); // one drain interval and some
    assert.throws(
      () => acquireInstanceLock({ name }),
      (e: unknown) => e instanceof InstanceLockHeldError && e.holderPid === Deno.pid,
    );
  } finally {
    lock.release();
  }
});

Deno.test("acquireInstanceLock() without a loadable C library names --allow-ffi and the paths", () => {
  assert.throws(
    () => acquireInstanceLock({ name: uniqueName(), libcPaths: ["/nonexistent/libc.so.6"] }),
    (e: unknown) => {
      assert.ok(e instanceof InstanceLockError && !(e instanceof InstanceLockHeldError));
      assert.match(e.message, /--allow-ffi/);
      assert.match(e.message, /\/nonexistent\/libc\.so\.6/);
      return true;
    },
  );
});

Deno.test("acquireInstanceLock() rejects an empty or too long name with a RangeError", () => {
  assert.throws(() => acquireInstanceLock({ name: "" }), RangeError);
  assert.throws(() => acquireInstanceLock({ name: "x".repeat(108) }), /at most|1 to 107 bytes/);
});

Deno.test("defaultLibcPaths() lists absolute multiarch paths of the architecture first", () => {
  assert.deepEqual(defaultLibcPaths("aarch64").slice(0, 2), [
    "/usr/lib/aarch64-linux-gnu/libc.so.6",
    "/lib/aarch64-linux-gnu/libc.so.6",
  ]);
  for (const p of defaultLibcPaths()) assert.ok(p.startsWith("/"), p);
});
