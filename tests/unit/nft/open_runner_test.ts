import assert from "node:assert/strict";
import { openNftRunner } from "../../../src/nft/open_runner.ts";
import { ExecNftRunner } from "../../../src/nft/exec_nft_runner.ts";
import { LibNftablesRunner } from "../../../src/nft/libnftables_runner.ts";

Deno.test("openNftRunner('exec') runs the nft binary", () => {
  const r = openNftRunner("exec");
  assert.equal(r.backend, "exec");
  assert.ok(r.runner instanceof ExecNftRunner);
  assert.equal(r.fallbackReason, undefined);
  r.close();
});

Deno.test("openNftRunner('auto') prefers libnftables and says why it falls back", () => {
  const probe = LibNftablesRunner.tryOpen();
  const available = probe instanceof LibNftablesRunner;
  if (available) probe.close();
  const r = openNftRunner("auto");
  try {
    if (available) {
      assert.equal(r.backend, "libnftables");
      assert.ok(r.runner instanceof LibNftablesRunner);
    } else {
      assert.equal(r.backend, "exec");
      assert.match(r.fallbackReason!, /libnftables/);
    }
  } finally {
    r.close();
  }
});

Deno.test("openNftRunner('libnftables') fails rather than fall back when the library is missing", {
  permissions: { ffi: false },
}, () => {
  // Without --allow-ffi the library cannot be loaded, as on a host without it.
  assert.throws(() => openNftRunner("libnftables"), /cannot load libnftables\.so\.1/);
  const r = openNftRunner("auto");
  assert.equal(r.backend, "exec");
  assert.match(r.fallbackReason!, /cannot load libnftables\.so\.1/);
});
