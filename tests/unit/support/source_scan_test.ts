import assert from "node:assert/strict";
import { blankNonCode, classMembers, relativeImports } from "../../support/source_scan.ts";

Deno.test("blankNonCode() blanks comments, strings, templates and regexes, keeping lines and ${} code", () => {
  const text = [
    'const a = "x { y"; // a { comment',
    "/* block {",
    "   } */ const re = /[{/]}/g;",
    "const t = `a ${b({ c: '}' })} {`;",
  ].join("\n");
  assert.deepEqual(blankNonCode(text).split("\n"), [
    'const a = "     ";               ',
    "          ",
    "        const re = /     /g;",
    "const t = `  ${b({ c: ' ' })}  `;",
  ]);
});

Deno.test("relativeImports() finds imports, re-exports and dynamic imports, type-only marked", () => {
  const text = [
    'import { a } from "./a.ts";',
    'import type { B } from "../b/b.ts";',
    "import {",
    "  c,",
    '} from "./c.ts";',
    'export * from "./d/mod.ts";',
    'export type { E } from "./e.ts";',
    'const f = await import("./f.ts");',
    'import yaml from "js-yaml";',
    '// import { g } from "./g.ts";',
    "const s = \"import { h } from './h.ts'\";",
  ].join("\n");
  assert.deepEqual(relativeImports(text), [
    { specifier: "./a.ts", line: 1, typeOnly: false },
    { specifier: "../b/b.ts", line: 2, typeOnly: true },
    { specifier: "./c.ts", line: 5, typeOnly: false },
    { specifier: "./d/mod.ts", line: 6, typeOnly: false },
    { specifier: "./e.ts", line: 7, typeOnly: true },
    { specifier: "./f.ts", line: 8, typeOnly: false },
  ]);
});

Deno.test("classMembers() lists fields and methods in order, private, static and generic ones too", () => {
  const text = `
export class Loop<T> extends Base {
  readonly name = "loop";
  #options: Required<Options>;
  static count = 0;
  #idle: Array<() => void> = [];
  constructor(options: Options) { super(); this.#options = { ...options }; }
  get running(): boolean { return true; }
  async #run(): Promise<{ ok: boolean; n: number }> { return { ok: true, n: 1 }; }
  *entries(): IterableIterator<T> {}
  late = 1;
  static create(): Loop<number> { return new Loop({}); }
}
class Other { x?: number; }
`;
  assert.deepEqual(
    classMembers(text).map((m) => `${m.className}.${m.name}:${m.kind}@${m.line}`),
    [
      "Loop.name:field@3",
      "Loop.#options:field@4",
      "Loop.count:field@5",
      "Loop.#idle:field@6",
      "Loop.constructor:method@7",
      "Loop.running:method@8",
      "Loop.#run:method@9",
      "Loop.entries:method@10",
      "Loop.late:field@11",
      "Loop.create:method@12",
      "Other.x:field@14",
    ],
  );
});
