import assert from "node:assert/strict";
import { GIT_COMMIT, VERSION, versionLine } from "../../../src/util/version.ts";

Deno.test("VERSION is the version of deno.json", async () => {
  const denoJson = JSON.parse(
    await Deno.readTextFile(new URL("../../../deno.json", import.meta.url)),
  );
  assert.equal(VERSION, denoJson.version);
  assert.match(VERSION, /^\d+\.\d+\.\d+$/);
});

Deno.test("GIT_COMMIT is 'unknown' when run from source (the build stamps the placeholder)", () => {
  assert.equal(GIT_COMMIT, "unknown");
});

Deno.test("versionLine() names the proxy, its version, the commit and the Deno runtime", () => {
  assert.equal(
    versionLine(),
    `kube-nft-proxy v${VERSION} (commit unknown, deno ${Deno.version.deno})`,
  );
});
