/**
 * A fake {@linkcode NftRunner} that keeps the ruleset in memory, for tests
 * that need no root: `apply` parses the planner's script grammar and runs it
 * as one atomic transaction with the kernel's checks (see `_fake_ruleset.ts`),
 * `check` does the same without committing, `run` answers the listings the
 * proxy reads (`list tables`, `list chains`, `-t list sets|maps`), and
 * {@linkcode FakeNftRunner.dump} prints the ruleset as nft text in a
 * deterministic order, so that two rulesets compare as strings.
 *
 * The real kernel is still what proves the ruleset; a differential test holds
 * this fake to `nft` in a network namespace.
 *
 * @example
 * ```ts
 * import { FakeNftRunner } from "./fake_nft_runner.ts";
 * const nft = new FakeNftRunner();
 * await nft.apply("add table ip t\nadd chain ip t c\n");
 * console.assert(nft.dump().includes("chain c {"));
 * ```
 *
 * @module
 */

import { NftError, type NftRunner } from "./nft_runner.ts";
import {
  type NftCommand,
  NftSyntaxError,
  parseNftScript,
  type TableFamily,
} from "./_nft_script.ts";
import {
  type Errno,
  FakeRuleset,
  type FakeSet,
  type FakeTable,
  RulesetError,
} from "./_fake_ruleset.ts";

/** Why the fake refused a script. */
export type FakeErrno = Errno | "syntax" | "injected";

/** Raised by the fake: nft's error, with the errno and the 1-based script line. */
export class FakeNftError extends NftError {
  readonly errno: FakeErrno;
  readonly line: number;
  constructor(errno: FakeErrno, line: number, text: string, what: string, detail: string) {
    const where = line > 0 ? `/dev/stdin:${line}:1-${Math.max(1, text.length)}: ` : "";
    const stderr = `${where}Error: ${what}\n${text}`;
    super(
      `nft: ${line > 0 ? `line ${line}: ` : ""}${what}${detail ? ` (${detail})` : ""}`,
      stderr,
      line > 0 ? new Map([[line, text]]) : new Map(),
    );
    this.name = "FakeNftError";
    this.errno = errno;
    this.line = line;
  }
}

/** One call the fake received. */
export interface FakeNftCall {
  kind: "apply" | "check" | "run";
  /** The script, or the `run` arguments joined by spaces. */
  text: string;
  error?: NftError;
}

/** A read-only copy of one table, for assertions. */
export interface FakeTableView {
  family: TableFamily;
  name: string;
  comment?: string;
  /** Chains by name: base-chain header (if any) and rules. */
  chains: Map<string, { header?: string; rules: string[] }>;
  /** Sets and maps by name: kind, declaration (`type ...; flags ...;`) and elements key → value. */
  sets: Map<string, { kind: "set" | "map"; declaration: string; elements: Map<string, string> }>;
}

/** Options of {@linkcode FakeNftRunner}. */
export interface FakeNftRunnerOptions {
  /**
   * Reproduce nft 1.0.6's failure to add a rule naming an existing map declared
   * `typeof ... : ... th dport` (see `_fake_ruleset.ts`). @default true
   */
  typeofBug?: boolean;
}

/** Decides whether to fail a script on purpose (for tests of retries and quarantine). */
export type FailurePredicate = (script: string, mode: "apply" | "check") => boolean;

const byName = <T>([a]: [string, T], [b]: [string, T]) => (a < b ? -1 : a > b ? 1 : 0);

function declaration(s: FakeSet): string {
  const { spec } = s;
  const out = [
    `${spec.typeof ? "typeof" : "type"} ${spec.key}${spec.value ? ` : ${spec.value}` : ""}`,
  ];
  if (spec.size !== undefined) out.push(`size ${spec.size}`);
  if (spec.flags.length > 0) out.push(`flags ${spec.flags.join(",")}`);
  if (spec.autoMerge) out.push("auto-merge");
  return out.join("; ") + ";";
}

/** An in-memory nft; see the module doc. */
export class FakeNftRunner implements NftRunner {
  #state = new FakeRuleset();
  #options: FakeNftRunnerOptions;
  #fail?: { when: FailurePredicate; message: string };
  /** Every call, in order. */
  readonly calls: FakeNftCall[] = [];

  constructor(options: FakeNftRunnerOptions = {}) {
    this.#options = options;
    this.#state.typeofBug = options.typeofBug ?? true;
  }

  /** Scripts applied successfully, in order. */
  get applied(): string[] {
    return this.calls.filter((c) => c.kind === "apply" && !c.error).map((c) => c.text);
  }

  /** Makes `apply` and `check` fail for scripts matching `when` (undefined: stop failing). */
  failWhen(when: FailurePredicate | undefined, message = "injected failure"): void {
    this.#fail = when ? { when, message } : undefined;
  }

  /** Runs a script as one transaction; throws {@linkcode FakeNftError} and then changes nothing. */
  apply(script: string): Promise<void> {
    return this.#call("apply", script, () => this.load(script));
  }

  /** Validates a script like {@linkcode apply}, without changing the state. */
  check(script: string): Promise<void> {
    return this.#call("check", script, () => void this.#transact(script));
  }

  /** Answers `list tables|chains|sets|maps [family]`, `list table F T`, `list ruleset` (`-t` first: terse). */
  run(args: string[]): Promise<string> {
    return this.#call("run", args.join(" "), () => this.#list(args));
  }

  /** A copy of this fake's ruleset (not its call log or failure rule), to try scripts on. */
  clone(): FakeNftRunner {
    const copy = new FakeNftRunner(this.#options);
    copy.#state = this.#state.clone();
    return copy;
  }

  /** Applies a script at once (synchronously); throws {@linkcode FakeNftError}. */
  load(script: string): void {
    this.#state = this.#transact(script);
  }

  /** The ruleset as nft text: tables, sets, chains and elements sorted by name. */
  dump(): string {
    return [...this.#state.tables].sort(byName).map(([, t]) => this.#print(t, "all")).join("");
  }

  /** Tables present, as `family name`, sorted. */
  tableNames(): string[] {
    return [...this.#state.tables.keys()].sort();
  }

  /** A copy of one table, or undefined when it does not exist. */
  table(family: TableFamily, name: string): FakeTableView | undefined {
    const t = this.#state.tables.get(`${family} ${name}`);
    if (!t) return undefined;
    return {
      family,
      name,
      comment: t.comment,
      chains: new Map(
        [...t.chains].map(([n, c]) => [n, { header: c.header, rules: c.rules.map((r) => r.text) }]),
      ),
      sets: new Map([...t.sets].map(([n, s]) => [n, {
        kind: s.kind,
        declaration: declaration(s),
        elements: new Map([...s.elements.values()].map((e) => [e.key, e.value])),
      }])),
    };
  }

  /** The elements of one set or map (key → value, "" for set elements); throws when absent. */
  elements(family: TableFamily, table: string, set: string): Map<string, string> {
    const s = this.table(family, table)?.sets.get(set);
    if (!s) throw new Error(`fake nft: no set ${set} in table ${family} ${table}`);
    return s.elements;
  }

  /** The rules of one chain; throws when absent. */
  rules(family: TableFamily, table: string, chain: string): string[] {
    const c = this.table(family, table)?.chains.get(chain);
    if (!c) throw new Error(`fake nft: no chain ${chain} in table ${family} ${table}`);
    return c.rules;
  }

  async #call<T>(kind: FakeNftCall["kind"], text: string, fn: () => T): Promise<T> {
    await Promise.resolve(); // asynchronous like a real runner
    const call: FakeNftCall = { kind, text };
    this.calls.push(call);
    try {
      if (kind !== "run" && this.#fail?.when(text, kind)) {
        throw new FakeNftError("injected", 0, "", this.#fail.message, "");
      }
      return fn();
    } catch (e) {
      if (e instanceof NftError) call.error = e;
      throw e;
    }
  }

  /** Runs a script on a copy of the state; returns the copy. */
  #transact(script: string): FakeRuleset {
    let commands: NftCommand[];
    try {
      commands = parseNftScript(script);
    } catch (e) {
      if (!(e instanceof NftSyntaxError)) throw e;
      throw new FakeNftError("syntax", e.line, e.text, e.message, "");
    }
    const next = this.#state.clone();
    for (const c of commands) this.#exec(next, c);
    return next;
  }

  #exec(s: FakeRuleset, c: NftCommand): void {
    let at = { line: c.line, text: c.text.trim() };
    try {
      switch (c.op) {
        case "add table":
          return void s.addTable(c.family, c.table);
        case "delete table":
          return s.deleteTable(c.family, c.table);
        case "table block": {
          // As nft expands a block: the table, then every set, every chain, then the rules.
          const t = s.addTable(c.family, c.table, c.comment);
          for (const d of c.sets) (at = d, s.addSet(t, d.kind, d.name, d.spec));
          for (const ch of c.chains) (at = ch, s.addChain(t, ch.name, ch.header));
          for (const ch of c.chains) {
            for (const r of ch.rules) (at = r, s.addRule(t, ch.name, r.text));
          }
          return;
        }
      }
      const t = s.table(c.family, c.table);
      switch (c.op) {
        case "add chain":
          return s.addChain(t, c.chain);
        case "flush chain":
          return s.flushChain(t, c.chain);
        case "delete chain":
          return s.deleteChain(t, c.chain);
        case "add rule":
          return s.addRule(t, c.chain, c.rule);
        case "add set":
          return s.addSet(t, c.decl.kind, c.decl.name, c.decl.spec);
        case "flush set":
          return s.flushSet(t, c.name, c.kind);
        case "delete set":
          return s.deleteSet(t, c.name);
        case "add element":
          return c.elements.forEach((e) => s.addElement(t, c.set, e));
        case "delete element":
          return c.elements.forEach((e) => s.deleteElement(t, c.set, e));
      }
    } catch (e) {
      if (!(e instanceof RulesetError)) throw e;
      throw new FakeNftError(e.errno, at.line, at.text.trim(), e.message, e.detail);
    }
  }

  #list(args: string[]): string {
    const terse = args[0] === "-t";
    const [verb, what, ...rest] = terse ? args.slice(1) : args;
    const family = rest[0] as TableFamily | undefined;
    const bad = () => new FakeNftError("syntax", 0, "", `syntax error: nft ${args.join(" ")}`, "");
    if (verb !== "list" || (family !== undefined && family !== "ip" && family !== "ip6")) {
      throw bad();
    }
    const tables = [...this.#state.tables.values()].filter((t) =>
      family === undefined || t.family === family
    );
    switch (what) {
      case "tables":
        return tables.map((t) => `table ${t.family} ${t.name}\n`).join("");
      case "chains":
      case "sets":
      case "maps": {
        if (rest.length > 1) throw bad();
        const part = what === "chains" ? "chains" : terse ? `${what}-terse` : what;
        return tables.map((t) => this.#print(t, part as Part, false)).join("");
      }
      case "table": {
        const t = rest.length === 2 ? this.#state.tables.get(rest.join(" ")) : undefined;
        if (!t) {
          throw new FakeNftError("ENOENT", 0, "", `No such file or directory`, rest.join(" "));
        }
        return this.#print(t, "all");
      }
      case "ruleset":
        if (rest.length > 0) throw bad();
        return this.dump();
    }
    throw bad();
  }

  /** One table as nft prints it; `sorted` orders objects by name (else creation order). */
  #print(t: FakeTable, part: Part, sorted = true): string {
    const order = <T>(m: Map<string, T>) => (sorted ? [...m].sort(byName) : [...m]);
    const out = [`table ${t.family} ${t.name} {`];
    if (part === "all" && t.comment !== undefined) out.push(`\tcomment "${t.comment}"`);
    for (const [name, s] of order(t.sets)) {
      if (part !== "all" && !part.startsWith(s.kind)) continue;
      out.push(`\t${s.kind} ${name} {`);
      for (const l of declaration(s).slice(0, -1).split("; ")) out.push(`\t\t${l}`);
      const elements = [...s.elements.values()].map((
        e,
      ) => (e.value ? `${e.key} : ${e.value}` : e.key));
      if (!part.endsWith("-terse") && elements.length > 0) {
        if (sorted) elements.sort();
        out.push(`\t\telements = { ${elements.join(",\n\t\t\t     ")} }`);
      }
      out.push("\t}");
    }
    for (const [name, c] of order(t.chains)) {
      if (part !== "all" && part !== "chains") continue;
      out.push(`\tchain ${name} {`);
      if (c.header) out.push(`\t\t${c.header}`);
      if (part === "all") { for (const r of c.rules) out.push(`\t\t${r.text}`); }
      out.push("\t}");
    }
    out.push("}", "");
    return out.join("\n");
  }
}

type Part = "all" | "chains" | "sets" | "maps" | "sets-terse" | "maps-terse";
