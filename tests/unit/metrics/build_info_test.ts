import assert from "node:assert/strict";
import { currentBuildInfo, registerBuildInfo } from "../../../src/metrics/build_info.ts";
import { newRegistry, renderMetrics } from "../../../src/metrics/registry.ts";
import { VERSION } from "../../../src/util/version.ts";

Deno.test("currentBuildInfo() fills upstream's labels with this proxy's version and runtime", () => {
  const info = currentBuildInfo();
  const [major, minor] = VERSION.split(".");
  assert.deepEqual(info, {
    major,
    minor,
    git_version: `v${VERSION}`,
    git_commit: "unknown",
    git_tree_state: "",
    build_date: "1970-01-01T00:00:00Z",
    go_version: `deno${Deno.version.deno}`,
    compiler: "deno",
    platform: `linux/${{ x86_64: "amd64", aarch64: "arm64" }[Deno.build.arch as string]}`,
  });
});

Deno.test("registerBuildInfo() exposes kubernetes_build_info 1 with the given labels over the defaults", async () => {
  const registry = newRegistry();
  registerBuildInfo(registry, { git_commit: "0123abc", build_date: "2026-11-21T06:30:00Z" });
  const line = (await renderMetrics(registry)).split("\n")
    .find((l) => l.startsWith("kubernetes_build_info{"));
  assert.ok(line);
  assert.match(line, / 1$/);
  assert.match(line, /git_commit="0123abc"/);
  assert.match(line, /build_date="2026-11-21T06:30:00Z"/);
  assert.match(line, new RegExp(`git_version="v${VERSION.replaceAll(".", "\\.")}"`));
  assert.match(line, /compiler="deno"/);
});

Deno.test("registerBuildInfo() rejects a label that is not a string, naming it", () => {
  assert.throws(
    () => registerBuildInfo(newRegistry(), { major: 1 as unknown as string }),
    /Cannot register build info: label major must be a string, got 1/,
  );
});
