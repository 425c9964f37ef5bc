import assert from "node:assert/strict";
import { ConntrackError } from "../../../src/conntrack/errors.ts";
import { NetlinkConntrack } from "../../../src/conntrack/netlink_conntrack.ts";

// Listing and deleting real entries needs CAP_NET_ADMIN in a network namespace of the test's
// own: tests/e2e/conntrack_udp_test.ts does it. Here: what needs no privilege.

Deno.test("NetlinkConntrack opens a netfilter netlink socket and closes it, idempotently", () => {
  const table = new NetlinkConntrack();
  try {
    assert.equal(table.name, "netlink");
  } finally {
    table.close();
    table.close();
  }
});

Deno.test("NetlinkConntrack deletes nothing, without a syscall, when given no entries", async () => {
  const table = new NetlinkConntrack();
  try {
    assert.deepEqual(await table.delete([]), { deleted: 0, missing: 0, failed: 0, errors: [] });
  } finally {
    table.close();
  }
});

Deno.test("NetlinkConntrack refuses a batch size below 1 before loading anything", () => {
  assert.throws(() => new NetlinkConntrack({ batchSize: 0 }), /'batchSize' must be >= 1/);
});

Deno.test("NetlinkConntrack names libc in a ConntrackError when it cannot load it", () => {
  assert.throws(
    () => new NetlinkConntrack({ libc: "/nonexistent/libc.so.6" }),
    (e: unknown) => {
      assert.ok(e instanceof ConntrackError);
      assert.match(e.message, /^cannot load libc for netlink: /);
      assert.ok(e.cause instanceof Error);
      return true;
    },
  );
});
