import assert from "node:assert/strict";
import {
  CMemory,
  LibraryLoadError,
  libraryPaths,
  openLibrary,
} from "../../../src/host/c_library.ts";

Deno.test("libraryPaths() lists only absolute paths, Debian multiarch first", () => {
  const paths = libraryPaths("libnftables.so.1", "aarch64");
  assert.equal(paths[0], "/usr/lib/aarch64-linux-gnu/libnftables.so.1");
  assert.ok(paths.every((p) => p.startsWith("/") && p.endsWith("/libnftables.so.1")), `${paths}`);
});

Deno.test("openLibrary() names every path it tried in a typed error", () => {
  assert.throws(
    () => openLibrary("libnope.so.1", {}, ["/nonexistent/a.so", "/nonexistent/b.so"]),
    (e: unknown) =>
      e instanceof LibraryLoadError &&
      /^cannot load libnope\.so\.1 \(grant --allow-ffi, and install it\): \/nonexistent\/a\.so: .*; \/nonexistent\/b\.so: /
        .test(e.message),
  );
});

Deno.test("CMemory copies a C string and errno out through libc", () => {
  const mem = new CMemory();
  try {
    const bytes = new TextEncoder().encode("nft: héllo\0ignored");
    assert.equal(mem.cString(Deno.UnsafePointer.of(bytes)), "nft: héllo");
    assert.equal(mem.cString(Deno.UnsafePointer.of(new Uint8Array([0]))), "");
    assert.equal(mem.cString(null), "");
    assert.equal(typeof mem.errno(), "number");
  } finally {
    mem.close();
  }
});

Deno.test("CMemory.trimHeap() calls glibc's malloc_trim and says so", async () => {
  const memory = new CMemory();
  try {
    assert.equal(await memory.trimHeap(), true, "glibc has malloc_trim");
  } finally {
    memory.close();
  }
});
