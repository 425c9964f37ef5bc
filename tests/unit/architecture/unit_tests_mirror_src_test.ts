/**
 * `tests/unit/` mirrors `src/`: every module `src/<path>.ts` has its unit
 * test `tests/unit/<path>_test.ts`, which runs without root. Exempt:
 * `mod.ts` (re-exports only), private `_name.ts` helpers (tested through
 * the public module that uses them, or by a `_name_test.ts` of their own),
 * and modules of types only (no runtime code: the type checker is their
 * test; a module that gains code loses the exemption).
 * Folders of `tests/unit/` that are not folders of `src/` are listed here.
 */

import assert from "node:assert/strict";
import { blankNonCode, listTsFiles } from "../../support/source_scan.ts";

const SRC = new URL("../../../src/", import.meta.url).pathname;
const UNIT = new URL("../", import.meta.url).pathname;

/** Folders of tests/unit/ with no counterpart in src/, and why. */
const EXTRA_FOLDERS: Readonly<Record<string, string>> = {
  architecture: "checks over all of src/ (layers, this mirror, module surface, style)",
  deploy: "the files under deploy/ (DaemonSet, RBAC, systemd unit, permissions)",
  support: "the test helpers of tests/support/ (the fake API server, the source scanner)",
};

/** Whether a module declares types only: no value is declared, exported or re-exported. */
function isTypeOnly(text: string): boolean {
  const code = blankNonCode(text);
  return !/\b(const|let|var|function|class|enum)\b|\bexport\s*\*|\bexport\s*\{/.test(code);
}

/** Whether a file of src/ needs a unit test of its own. */
function needsOwnTest(path: string, text: string): boolean {
  const name = path.slice(path.lastIndexOf("/") + 1);
  return name !== "mod.ts" && !name.startsWith("_") && !isTypeOnly(text);
}

/** The unit test path of a module: `model/ip.ts` → `model/ip_test.ts`. */
function testPathOf(modulePath: string): string {
  return modulePath.replace(/\.ts$/, "_test.ts");
}

Deno.test("every module under src/ has its unit test at tests/unit/<same path>_test.ts", async () => {
  const modules: string[] = [];
  for (const path of await listTsFiles(SRC)) {
    if (needsOwnTest(path, await Deno.readTextFile(`${SRC}${path}`))) modules.push(path);
  }
  const tests = new Set(await listTsFiles(UNIT));
  assert.ok(modules.length > 100, `only ${modules.length} modules found`);
  const missing = modules.filter((m) => !tests.has(testPathOf(m)));
  assert.deepEqual(missing, [], "modules without a unit test");
});

Deno.test("every folder of tests/unit/ mirrors a folder of src/, or is a listed extra", async () => {
  const srcFolders = new Set(
    (await listTsFiles(SRC)).map((p) => p.slice(0, p.lastIndexOf("/"))).filter((d) => d !== ""),
  );
  const unitFolders = new Set(
    (await listTsFiles(UNIT)).map((p) => p.slice(0, p.lastIndexOf("/"))).filter((d) => d !== ""),
  );
  const stray = [...unitFolders].filter((d) =>
    !srcFolders.has(d) && !(d.split("/")[0] in EXTRA_FOLDERS)
  );
  assert.deepEqual(stray, []);
  const flat = (await listTsFiles(UNIT)).filter((p) => !p.includes("/"));
  assert.deepEqual(flat, [], "tests/unit/ holds folders only, as src/ holds folders only");
});

Deno.test("needsOwnTest() exempts mod.ts, private helpers and modules of types only", () => {
  const code = "export function f(): number {\n  return 1;\n}\n";
  assert.equal(needsOwnTest("model/ip.ts", code), true);
  assert.equal(needsOwnTest("model/mod.ts", 'export { f } from "./f.ts";\n'), false);
  assert.equal(needsOwnTest("model/_json.ts", code), false);
  const types = 'import type { A } from "./a.ts";\n/** B, not a class */\nexport interface B {\n' +
    '  a: A;\n}\nexport type C = "const" | B;\n';
  assert.equal(needsOwnTest("conntrack/table.ts", types), false);
  assert.equal(needsOwnTest("conntrack/table.ts", `${types}export const D = 1;\n`), true);
  assert.equal(needsOwnTest("conntrack/table.ts", `${types}export { E } from "./e.ts";\n`), true);
  assert.equal(testPathOf("source/apiserver/reflector.ts"), "source/apiserver/reflector_test.ts");
});
