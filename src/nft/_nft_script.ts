/**
 * A strict reader of the nft script grammar the planner writes (see
 * `src/plan/nft_script.ts`), for the fake runner: one command per line, and
 * `table F T { ... }` blocks holding a comment, one-line set and map
 * declarations, and chain blocks with an optional base-chain header. Any
 * other line is a syntax error, which also checks the script's shape.
 *
 * @module
 */

/** A table family the proxy uses. */
export type TableFamily = "ip" | "ip6";

/** Where a command came from: 1-based line number and its text. */
export interface At {
  line: number;
  text: string;
}

/** The statements of a set or map declaration. */
export interface SetSpec {
  /** Declared with `typeof` (expressions) rather than `type` (data types). */
  typeof: boolean;
  /** The key, e.g. `ipv4_addr . inet_proto . inet_service`. */
  key: string;
  /** The value of a map (`verdict` for verdict maps); undefined for a set. */
  value?: string;
  flags: string[];
  autoMerge: boolean;
  size?: number;
}

/** A set or map declaration: kind, name and its statements. */
export interface SetDecl extends At {
  kind: "set" | "map";
  name: string;
  spec: SetSpec;
}

/** A chain of a table block: name, base-chain header (if any) and rules. */
export interface ChainDecl extends At {
  name: string;
  header?: string;
  rules: At[];
}

/** One command of a script. Every command names its table as `family` and `table`. */
export type NftCommand =
  & At
  & { family: TableFamily; table: string }
  & (
    | { op: "add table" | "delete table" }
    | { op: "table block"; comment?: string; sets: SetDecl[]; chains: ChainDecl[] }
    | { op: "add chain" | "flush chain" | "delete chain"; chain: string }
    | { op: "add rule"; chain: string; rule: string }
    | { op: "add set"; decl: SetDecl }
    | { op: "flush set" | "delete set"; kind: "set" | "map"; name: string }
    | { op: "add element" | "delete element"; set: string; elements: string[] }
  );

/** Raised for a line outside the grammar. */
export class NftSyntaxError extends Error {
  readonly line: number;
  readonly text: string;
  constructor(line: number, text: string, why: string) {
    super(`syntax error (${why})`);
    this.name = "NftSyntaxError";
    this.line = line;
    this.text = text;
  }
}

const NAME = "[A-Za-z0-9_][A-Za-z0-9_./-]*";
const FAMILY = "(ip6?)";
const HEADER =
  /^type (filter|nat) hook (prerouting|input|forward|output|postrouting) priority (-?\d+); policy (accept|drop);$/;
const re = (s: string) => new RegExp(`^${s}$`);
const TABLE_CMD = re(`(add|delete) table ${FAMILY} (${NAME})`);
const TABLE_BLOCK = re(`table ${FAMILY} (${NAME}) \\{`);
const CHAIN_CMD = re(`(add|flush|delete) chain ${FAMILY} (${NAME}) (${NAME})`);
const RULE_CMD = re(`add rule ${FAMILY} (${NAME}) (${NAME}) (.+)`);
const SET_ADD = re(`add (set|map) ${FAMILY} (${NAME}) (${NAME}) \\{ (.*) \\}`);
const SET_CMD = re(`(flush|delete) (set|map) ${FAMILY} (${NAME}) (${NAME})`);
const ELEMENT_CMD = re(`(add|delete) element ${FAMILY} (${NAME}) (${NAME}) \\{ (.*) \\}`);
const SET_DECL = re(`(set|map) (${NAME}) \\{ (.*) \\}`);
const CHAIN_OPEN = re(`chain (${NAME}) \\{`);
const COMMENT = /^comment "([^"\\]*)"$/;

/** Splits `a, b : v, c` into elements; none may be empty or hold braces. */
export function splitElements(body: string): string[] | undefined {
  const items = body.split(",").map((s) => s.trim().replace(/\s+/g, " "));
  return items.every((s) => s !== "" && !/[{}]/.test(s)) ? items : undefined;
}

/** Reads the statements between a declaration's braces (`type K : V; flags interval; ...`). */
export function parseSetSpec(kind: "set" | "map", body: string): SetSpec | string {
  let type: string | undefined, isTypeof = false;
  const spec = { flags: [] as string[], autoMerge: false, size: undefined as number | undefined };
  for (const stmt of body.split(";").map((s) => s.trim()).filter((s) => s !== "")) {
    let m: RegExpExecArray | null;
    if ((m = /^(type|typeof) (.+)$/.exec(stmt))) {
      if (type !== undefined) return "two type statements";
      type = m[2];
      isTypeof = m[1] === "typeof";
    } else if ((m = /^flags ([a-z]+(?:, ?[a-z]+)*)$/.exec(stmt))) {
      spec.flags = m[1].split(",").map((f) => f.trim()).sort();
      if (spec.flags.some((f) => !["interval", "dynamic", "timeout", "constant"].includes(f))) {
        return `unknown flag in "${stmt}"`;
      }
    } else if (stmt === "auto-merge") spec.autoMerge = true;
    else if ((m = /^size ([1-9]\d*)$/.exec(stmt))) spec.size = Number(m[1]);
    else return `unknown statement "${stmt}"`;
  }
  if (type === undefined) return "no type";
  const parts = type.split(" : ");
  if (parts.length !== (kind === "map" ? 2 : 1)) {
    return kind === "map" ? "a map needs a value type" : "a set has no value type";
  }
  return { ...spec, typeof: isTypeof, key: parts[0], value: parts[1] };
}

/** Parses a whole script; throws {@linkcode NftSyntaxError} at the first line outside the grammar. */
export function parseNftScript(script: string): NftCommand[] {
  const out: NftCommand[] = [];
  const lines = script.split("\n");
  let block: Extract<NftCommand, { op: "table block" }> | undefined;
  let chain: ChainDecl | undefined;
  lines.forEach((raw, i) => {
    const at: At = { line: i + 1, text: raw };
    const line = raw.trim();
    const fail = (why: string): never => {
      throw new NftSyntaxError(at.line, raw, why);
    };
    const setDecl = (kind: string, name: string, body: string): SetDecl => {
      const spec = parseSetSpec(kind as "set" | "map", body);
      if (typeof spec === "string") fail(spec);
      return { ...at, kind: kind as "set" | "map", name, spec: spec as SetSpec };
    };
    if (line === "" || line.startsWith("#")) return;
    let m: RegExpExecArray | null;
    if (chain) {
      if (line === "}") chain = undefined;
      else if (line.startsWith("type ")) {
        if (!HEADER.test(line)) fail("malformed base-chain header");
        if (chain.header !== undefined || chain.rules.length > 0) fail("late base-chain header");
        chain.header = line;
      } else chain.rules.push({ ...at, text: line });
      return;
    }
    if (block) {
      if (line === "}") {
        out.push(block);
        block = undefined;
      } else if ((m = COMMENT.exec(line))) block.comment = m[1];
      else if ((m = SET_DECL.exec(line))) block.sets.push(setDecl(m[1], m[2], m[3]));
      else if ((m = CHAIN_OPEN.exec(line))) {
        chain = { ...at, name: m[1], rules: [] };
        block.chains.push(chain);
      } else fail("unexpected line in a table block");
      return;
    }
    const where = (family: string, table: string) => ({
      ...at,
      family: family as TableFamily,
      table,
    });
    if ((m = TABLE_BLOCK.exec(line))) {
      block = { ...where(m[1], m[2]), op: "table block", sets: [], chains: [] };
    } else if ((m = TABLE_CMD.exec(line))) {
      out.push({ ...where(m[2], m[3]), op: `${m[1]} table` as "add table" | "delete table" });
    } else if ((m = CHAIN_CMD.exec(line))) {
      const op = `${m[1]} chain` as "add chain" | "flush chain" | "delete chain";
      out.push({ ...where(m[2], m[3]), op, chain: m[4] });
    } else if ((m = RULE_CMD.exec(line))) {
      out.push({ ...where(m[1], m[2]), op: "add rule", chain: m[3], rule: m[4] });
    } else if ((m = SET_ADD.exec(line))) {
      out.push({ ...where(m[2], m[3]), op: "add set", decl: setDecl(m[1], m[4], m[5]) });
    } else if ((m = SET_CMD.exec(line))) {
      const op = `${m[1]} set` as "flush set" | "delete set";
      out.push({ ...where(m[3], m[4]), op, kind: m[2] as "set" | "map", name: m[5] });
    } else if ((m = ELEMENT_CMD.exec(line))) {
      const elements = splitElements(m[5]) ?? fail("malformed element list");
      const op = `${m[1]} element` as "add element" | "delete element";
      out.push({ ...where(m[2], m[3]), op, set: m[4], elements });
    } else fail("not a known command");
  });
  const open = chain ?? block;
  if (open) throw new NftSyntaxError(open.line, open.text, "unclosed block");
  return out;
}
