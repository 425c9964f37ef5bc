import assert from "node:assert/strict";
import {
  ApiStatusError,
  KubeConfigError,
  WatchDecodeError,
  WatchStalledError,
} from "../../../../src/source/apiserver/errors.ts";

Deno.test("KubeConfigError names the file, the line and the field before the reason", () => {
  const e = new KubeConfigError("/etc/kp/kubeconfig", "users[0].user.token-file", "cannot read", {
    line: 12,
  });
  assert.equal(
    e.message,
    "kubeconfig /etc/kp/kubeconfig:12: users[0].user.token-file: cannot read",
  );
  assert.deepEqual([e.name, e.file, e.field, e.line], [
    "KubeConfigError",
    "/etc/kp/kubeconfig",
    "users[0].user.token-file",
    12,
  ]);
  assert.equal(new KubeConfigError("k", undefined, "bad").message, "kubeconfig k: bad");
});

Deno.test("ApiStatusError keeps the HTTP code and the Status reason; 410 is Gone", () => {
  const gone = new ApiStatusError(410, "Expired", "410 Gone from GET /api/v1/services");
  assert.equal(gone.isGone, true);
  assert.equal(gone.reason, "Expired");
  assert.equal(new ApiStatusError(404, undefined, "x").isGone, false);
  assert.equal(gone.name, "ApiStatusError");
});

Deno.test("the watch errors carry their cause and tell themselves apart by name", () => {
  const cause = new SyntaxError("bad JSON");
  const decode = new WatchDecodeError("line 3 is not JSON", { cause });
  assert.equal(decode.cause, cause);
  assert.equal(decode.name, "WatchDecodeError");
  assert.equal(new WatchStalledError("no end").name, "WatchStalledError");
});
