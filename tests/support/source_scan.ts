/**
 * Reads the shape of this repository's TypeScript sources without a compiler:
 * the modules under a folder, their relative imports, and the order of the
 * members of each class. Used by the architecture tests (layers, naming,
 * member order). Comments, strings, template literals and regular
 * expressions are blanked first, so braces and words inside them never count.
 *
 * @module
 */

/** Every `.ts` file under `dir` (recursively), as paths relative to `dir`, sorted. */
export async function listTsFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (sub: string) => {
    for await (const entry of Deno.readDir(`${dir}/${sub}`)) {
      const rel = sub === "" ? entry.name : `${sub}/${entry.name}`;
      if (entry.isDirectory) await walk(rel);
      else if (entry.isFile && entry.name.endsWith(".ts")) out.push(rel);
    }
  };
  await walk("");
  return out.sort();
}

/**
 * `text` with comments, string and template literal contents and regular
 * expression literals replaced by spaces (newlines kept, so line numbers
 * stay). Template substitutions (`${...}`) stay code.
 */
export function blankNonCode(text: string): string {
  const out = text.split("");
  const blank = (from: number, to: number) => {
    for (let k = from; k < to; k++) if (out[k] !== "\n") out[k] = " ";
  };
  // Stack of open template literals: the brace depth at which each `${` was opened.
  const templates: number[] = [];
  let depth = 0;
  let lastSignificant = "";
  let i = 0;
  const scanString = (quote: string) => {
    const start = i++;
    while (i < text.length && text[i] !== quote) {
      if (text[i] === "\\") i++;
      if (text[i] === "\n") break; // unterminated: stop at the line end
      i++;
    }
    blank(start + 1, i);
    i++;
  };
  // Reads template text from i (just after "`" or "}") up to "`" or "${".
  const scanTemplateText = () => {
    const start = i;
    while (i < text.length) {
      if (text[i] === "\\") {
        i += 2;
        continue;
      }
      if (text[i] === "`") {
        blank(start, i);
        i++;
        return;
      }
      if (text[i] === "$" && text[i + 1] === "{") {
        blank(start, i);
        i += 2;
        templates.push(depth);
        depth++;
        return;
      }
      i++;
    }
    blank(start, i);
  };
  while (i < text.length) {
    const c = text[i];
    const next = text[i + 1];
    if (c === "/" && next === "/") {
      const end = text.indexOf("\n", i);
      blank(i, end < 0 ? text.length : end);
      i = end < 0 ? text.length : end;
      continue;
    }
    if (c === "/" && next === "*") {
      const end = text.indexOf("*/", i + 2);
      blank(i, end < 0 ? text.length : end + 2);
      i = end < 0 ? text.length : end + 2;
      continue;
    }
    if (c === '"' || c === "'") {
      scanString(c);
      lastSignificant = "x";
      continue;
    }
    if (c === "`") {
      i++;
      scanTemplateText();
      lastSignificant = "x";
      continue;
    }
    if (c === "/" && (lastSignificant === "" || "(,=:[!&|?{};+-*%<>~^".includes(lastSignificant))) {
      // A regular expression literal.
      const start = i++;
      let inClass = false;
      while (i < text.length && text[i] !== "\n") {
        if (text[i] === "\\") i++;
        else if (text[i] === "[") inClass = true;
        else if (text[i] === "]") inClass = false;
        else if (text[i] === "/" && !inClass) break;
        i++;
      }
      blank(start + 1, i);
      i++;
      lastSignificant = "x";
      continue;
    }
    if (c === "{") depth++;
    if (c === "}") {
      depth--;
      if (templates.length > 0 && templates[templates.length - 1] === depth) {
        templates.pop();
        i++;
        scanTemplateText();
        lastSignificant = "x";
        continue;
      }
    }
    if (!/\s/.test(c)) {
      // `return /re/` and `typeof x / y` are rare here; words count as operands.
      lastSignificant = /[A-Za-z0-9_$)\]]/.test(c) ? "x" : c;
    }
    i++;
  }
  return out.join("");
}

/** A relative import or re-export of a module. */
export interface ImportEdge {
  /** The specifier as written, e.g. `../model/ip.ts`. */
  specifier: string;
  /** 1-based line of the specifier. */
  line: number;
  /** Whether only types are imported (`import type`, `export type`). */
  typeOnly: boolean;
}

/** The relative `import`/`export ... from` and dynamic `import()` specifiers of a module. */
export function relativeImports(text: string): ImportEdge[] {
  const code = blankNonCode(text);
  const edges: ImportEdge[] = [];
  const lineAt = (index: number) => text.slice(0, index).split("\n").length;
  // The specifier itself was blanked in `code`; read it from `text` at the same place.
  const re = /\b(import|export)(\s+type\b)?[^;]*?\bfrom\s*(["'])|\bimport\s*\(\s*(["'])/g;
  for (const m of code.matchAll(re)) {
    const quoteAt = m.index! + m[0].length - 1;
    const end = text.indexOf(text[quoteAt], quoteAt + 1);
    const specifier = text.slice(quoteAt + 1, end);
    if (!specifier.startsWith(".")) continue;
    edges.push({ specifier, line: lineAt(quoteAt), typeOnly: m[2] !== undefined });
  }
  return edges;
}

/** One member of a class body. */
export interface ClassMember {
  /** The class name. */
  className: string;
  /** `field` (including `#private` fields), or `method` (methods, accessors, constructor). */
  kind: "field" | "method";
  /** The member name as written, e.g. `#options` or `start`. */
  name: string;
  /** 1-based line. */
  line: number;
}

const MODIFIERS = new Set([
  "public",
  "private",
  "protected",
  "readonly",
  "static",
  "declare",
  "override",
  "abstract",
  "accessor",
]);

/** The members of every class of a module, in source order. */
export function classMembers(text: string): ClassMember[] {
  const code = blankNonCode(text);
  const members: ClassMember[] = [];
  const classRe = /\bclass\s+([A-Za-z_$][\w$]*)[^{]*\{/g;
  for (const m of code.matchAll(classRe)) {
    const className = m[1];
    let i = m.index! + m[0].length;
    let depth = 1;
    let statementStart = true;
    while (i < code.length && depth > 0) {
      const c = code[i];
      if (c === "{" || c === "(" || c === "[") {
        depth++;
        i++;
        continue;
      }
      if (c === "}" || c === ")" || c === "]") {
        depth--;
        // A method body ends a member; a type literal (`Promise<{ a: 1 }>`) does not.
        if (depth === 1 && c === "}") {
          let k = i + 1;
          while (k < code.length && /\s/.test(code[k])) k++;
          statementStart = /[A-Za-z_$#*@}]/.test(code[k] ?? "");
        }
        i++;
        continue;
      }
      if (depth === 1 && c === ";") {
        statementStart = true;
        i++;
        continue;
      }
      if (depth === 1 && statementStart && !/\s/.test(c)) {
        const head = /^(?:@[\w.]+\s+)?((?:[A-Za-z_$#][\w$]*\s+)*)(\*\s*)?([#A-Za-z_$][\w$]*|\[)?/
          .exec(code.slice(i, i + 200))!;
        const words = head[1].trim().split(/\s+/).filter((w) => w !== "");
        const generator = head[2] !== undefined;
        let name = head[3] ?? "";
        // `get x()`, `async x()`, `static x = 1`: the last word before the name is a keyword.
        const keywords = words.filter((w) =>
          MODIFIERS.has(w) || ["get", "set", "async"].includes(w)
        );
        if (keywords.length !== words.length) name = words[words.length - 1];
        const after = code.slice(i + head[0].length).trimStart();
        const isAccessor = words.includes("get") || words.includes("set");
        const isMethod = isAccessor || name === "constructor" || /^[(<]/.test(after) ||
          /^\?\s*\(/.test(after) || generator;
        members.push({
          className,
          kind: isMethod ? "method" : "field",
          name,
          line: text.slice(0, i).split("\n").length,
        });
        statementStart = false;
        i += head[0].length || 1;
        continue;
      }
      i++;
    }
  }
  return members;
}
