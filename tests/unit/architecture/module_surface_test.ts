/**
 * The module surface in std's shape: every folder of `src/` has a `mod.ts`
 * that only re-exports (with a module doc); the root `mod.ts` re-exports
 * from those `mod.ts` files, never from deep paths; and every function and
 * class of the library API has an `@example` (run by `deno test --doc`).
 */

import assert from "node:assert/strict";
import { blankNonCode, listTsFiles, relativeImports } from "../../support/source_scan.ts";

const ROOT = new URL("../../../", import.meta.url);
const SRC = new URL("src/", ROOT).pathname;

/** Whether a module holds nothing but `export ... from` statements (and comments). */
function onlyReExports(text: string): boolean {
  const statements = blankNonCode(text).split(";").map((s) => s.trim()).filter((s) => s !== "");
  return statements.length > 0 &&
    statements.every((s) => /^export\b[\s\S]*\bfrom\s*"\s*"$/.test(s));
}

Deno.test("every folder of src/ has a mod.ts", async () => {
  const folders = new Set(
    (await listTsFiles(SRC)).filter((p) => p.includes("/")).map((p) =>
      p.slice(0, p.lastIndexOf("/"))
    ),
  );
  const files = new Set(await listTsFiles(SRC));
  assert.deepEqual([...folders].filter((d) => !files.has(`${d}/mod.ts`)), []);
});

Deno.test("every mod.ts only re-exports, under a module doc", async () => {
  const mods = (await listTsFiles(SRC)).filter((p) => p.endsWith("/mod.ts"));
  assert.ok(mods.length >= 15, mods.join());
  for (const mod of mods) {
    const text = await Deno.readTextFile(`${SRC}${mod}`);
    assert.ok(onlyReExports(text), `src/${mod} holds more than re-exports`);
    assert.match(text, /^\/\*\*[\s\S]*?@module[\s\S]*?\*\//, `src/${mod} has no module doc`);
  }
});

Deno.test("the root mod.ts re-exports from the folders' mod.ts files only", async () => {
  const text = await Deno.readTextFile(new URL("mod.ts", ROOT));
  assert.ok(onlyReExports(text));
  const specifiers = relativeImports(text).map((e) => e.specifier);
  assert.ok(specifiers.length >= 8);
  assert.deepEqual(specifiers.filter((s) => !/^\.\/src\/[a-z_]+\/mod\.ts$/.test(s)), []);
});

Deno.test("onlyReExports() tells re-exports from logic", () => {
  assert.equal(
    onlyReExports('/** doc */\nexport { a } from "./a.ts";\nexport * from "./b.ts";\n'),
    true,
  );
  assert.equal(onlyReExports('export type { A } from "./a.ts";\n'), true);
  assert.equal(onlyReExports('export { a } from "./a.ts";\nexport const b = 1;\n'), false);
  assert.equal(onlyReExports('import { a } from "./a.ts";\nexport { a };\n'), false);
  assert.equal(onlyReExports("// nothing\n"), false);
});

interface DocNode {
  name: string;
  declarations: {
    kind: string;
    jsDoc?: { tags?: { kind: string }[] };
  }[];
}

Deno.test("every function and class of the library API (the root mod.ts) has an @example", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["doc", "--json", "mod.ts"],
    cwd: ROOT.pathname,
    stderr: "null",
  }).output();
  assert.ok(out.success, "deno doc failed");
  const doc = JSON.parse(new TextDecoder().decode(out.stdout));
  const symbols: DocNode[] = Object.values(doc.nodes as Record<string, { symbols: DocNode[] }>)
    .flatMap((n) => n.symbols);
  const api = symbols.filter((s) =>
    s.declarations.some((d) => d.kind === "function" || d.kind === "class") &&
    !s.name.endsWith("Error") // error classes are shown by the examples that throw them
  );
  assert.ok(api.length >= 25, `only ${api.length} functions and classes`);
  const without = api.filter((s) =>
    !s.declarations.some((d) => d.jsDoc?.tags?.some((t) => t.kind === "example"))
  ).map((s) => s.name);
  assert.deepEqual(without, []);
});
