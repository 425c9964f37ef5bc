/**
 * Small things a reader trips on, checked over all of `src/`: a class
 * declares its fields (private ones included) before its constructor and
 * methods, and no public function, method or constructor takes a parameter
 * with a one-letter name (`a`/`b` of comparators aside).
 */

import assert from "node:assert/strict";
import { type ClassMember, classMembers, listTsFiles } from "../../support/source_scan.ts";

const ROOT = new URL("../../../", import.meta.url).pathname;
const SRC = `${ROOT}src/`;

/** Fields declared after the first constructor or method of their class, as `Class.field@line`. */
function lateFields(members: ClassMember[]): string[] {
  const late: string[] = [];
  const seenMethod = new Set<string>();
  for (const m of members) {
    if (m.kind === "method") seenMethod.add(m.className);
    else if (seenMethod.has(m.className)) late.push(`${m.className}.${m.name}@${m.line}`);
  }
  return late;
}

Deno.test("every class of src/ declares its fields before its constructor and methods", async () => {
  const late: string[] = [];
  let classes = 0;
  for (const file of await listTsFiles(SRC)) {
    const members = classMembers(await Deno.readTextFile(`${SRC}${file}`));
    classes += new Set(members.map((m) => m.className)).size;
    late.push(...lateFields(members).map((x) => `src/${file}: ${x}`));
  }
  assert.ok(classes > 50, `only ${classes} classes found: the scanner is broken`);
  assert.deepEqual(late, []);
});

Deno.test("lateFields() finds a field declared after a method", () => {
  const text = "class A {\n  #x = 1;\n  constructor() {}\n  #y = 2;\n}\nclass B {\n  z = 3;\n}\n";
  assert.deepEqual(lateFields(classMembers(text)), ["A.#y@4"]);
});

/** Names of one-letter parameters anywhere in a `deno doc --json` tree, as `where(name)`. */
function oneLetterParams(node: unknown, where: string[] = [], out: string[] = []): string[] {
  if (Array.isArray(node)) {
    for (const x of node) oneLetterParams(x, where, out);
    return out;
  }
  if (node === null || typeof node !== "object") return out;
  const o = node as Record<string, unknown>;
  if (o.accessibility === "private" || (typeof o.name === "string" && o.name.startsWith("#"))) {
    return out;
  }
  const here = typeof o.name === "string" ? [...where, o.name] : where;
  if (Array.isArray(o.params)) {
    for (const p of o.params as Record<string, unknown>[]) {
      const id = p.kind === "assign" ? p.left as Record<string, unknown> : p;
      const name = id?.kind === "identifier" ? id.name as string : undefined;
      if (name?.length === 1 && name !== "a" && name !== "b") {
        out.push(`${here.join(".")}(${name})`);
      }
    }
  }
  for (const [k, v] of Object.entries(o)) if (k !== "params") oneLetterParams(v, here, out);
  return out;
}

Deno.test("no public function, method or constructor of src/ has a one-letter parameter", async () => {
  const modules = (await listTsFiles(SRC)).filter((p) => !p.split("/").pop()!.startsWith("_"));
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["doc", "--json", ...modules.map((p) => `src/${p}`)],
    cwd: ROOT,
    stderr: "null",
  }).output();
  assert.ok(out.success, "deno doc failed");
  const doc = JSON.parse(new TextDecoder().decode(out.stdout));
  const found: string[] = [];
  for (const [url, module] of Object.entries(doc.nodes as Record<string, { symbols: unknown }>)) {
    const file = url.slice(url.indexOf("/src/") + 1);
    found.push(...oneLetterParams(module.symbols).map((x) => `${file}: ${x}`));
  }
  assert.deepEqual(found, []);
});

Deno.test("oneLetterParams() reports public parameters, not private ones or comparators", () => {
  const tree = [{
    name: "SyncLoop",
    declarations: [{
      def: {
        constructors: [{ name: "constructor", params: [{ kind: "identifier", name: "o" }] }],
        methods: [
          { name: "request", functionDef: { params: [{ kind: "identifier", name: "delayMs" }] } },
          { name: "#run", functionDef: { params: [{ kind: "identifier", name: "x" }] } },
          {
            name: "compare",
            functionDef: {
              params: [{ kind: "identifier", name: "a" }, { kind: "identifier", name: "b" }],
            },
          },
          {
            name: "wait",
            functionDef: { params: [{ kind: "assign", left: { kind: "identifier", name: "n" } }] },
          },
        ],
      },
    }],
  }];
  assert.deepEqual(oneLetterParams(tree), ["SyncLoop.constructor(o)", "SyncLoop.wait(n)"]);
});
