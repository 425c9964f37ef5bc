import assert from "node:assert/strict";
import { ConntrackError } from "../../../src/conntrack/errors.ts";

Deno.test("ConntrackError carries the kernel's errno and the cause", () => {
  const cause = new Error("socket");
  const e = new ConntrackError("conntrack dump refused (errno 1)", { errno: 1, cause });
  assert.equal(e.name, "ConntrackError");
  assert.equal(e.errno, 1);
  assert.equal(e.cause, cause);
  assert.ok(e instanceof Error);
  assert.equal(new ConntrackError("no errno").errno, undefined);
});
