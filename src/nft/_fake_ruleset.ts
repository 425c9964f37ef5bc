/**
 * The in-memory ruleset of the fake nft runner: tables with chains (rules
 * kept as text) and sets or maps (elements by key), and the checks the kernel
 * makes on each operation, as measured with nft 1.0.6 on kernel 6.18:
 * - `add` of an existing table, chain or identical element is a no-op; a map
 *   key that exists with another value, or an interval that overlaps another
 *   one, fails with EEXIST (an `auto-merge` set merges them instead);
 * - deleting or flushing what is absent fails with ENOENT, and so does a rule
 *   or verdict naming a chain or set that does not exist;
 * - deleting a chain that a rule or verdict-map element of another chain or
 *   map still names, or a set a rule names, fails with EBUSY.
 *
 * Types are not checked beyond arity. One liberty: deleting an interval needs
 * exactly the stored interval (the kernel's pipapo sets also accept a range
 * that starts where the stored one starts).
 *
 * One nft 1.0.6 bug is reproduced (Debian 12's nft, which the proxy runs
 * with): a new rule cannot name a map that was created by an earlier
 * transaction when the map is declared with `typeof` and its data holds
 * `th` (e.g. `: ip daddr . th dport`): nft fails to read the map's type back
 * from the kernel ("conflicting protocols specified: ip vs. th").
 *
 * @module
 */

import { type Family, tryParseCidr, tryParseIp } from "../model/ip.ts";
import type { SetSpec, TableFamily } from "./_nft_script.ts";

/** The kernel's answer to an operation it refuses. */
export type Errno = "EEXIST" | "ENOENT" | "EBUSY" | "EOPNOTSUPP" | "EINVAL" | "NFT_TYPEOF";

const STRERROR: Record<Errno, string> = {
  EEXIST: "File exists",
  ENOENT: "No such file or directory",
  EBUSY: "Device or resource busy",
  EOPNOTSUPP: "Operation not supported",
  EINVAL: "Invalid argument",
  NFT_TYPEOF: "conflicting protocols specified",
};

/** Raised when the simulated kernel refuses an operation. */
export class RulesetError extends Error {
  readonly errno: Errno;
  /** Why, beyond the errno (e.g. who still uses a chain). */
  readonly detail: string;
  constructor(errno: Errno, detail: string) {
    super(errno === "NFT_TYPEOF" ? STRERROR[errno] : `Could not process rule: ${STRERROR[errno]}`);
    this.name = "RulesetError";
    this.errno = errno;
    this.detail = detail;
  }
}

/** A rule, with the chains it jumps to and the sets it names. */
export interface FakeRule {
  text: string;
  chains: string[];
  sets: string[];
}

/** A chain: its base-chain header (undefined for a regular chain) and rules. */
export interface FakeChain {
  name: string;
  header?: string;
  rules: FakeRule[];
}

/** One interval of one key field: a numeric range for addresses, else the exact text. */
type Field = { family: Family; lo: bigint; hi: bigint } | { text: string };

/** An element: key and value as written ("" for set elements), and its fields in interval sets. */
export interface FakeElement {
  key: string;
  value: string;
  fields?: Field[];
}

/** A set or map with its elements by key. */
export interface FakeSet {
  kind: "set" | "map";
  name: string;
  spec: SetSpec;
  elements: Map<string, FakeElement>;
}

/** A table. */
export interface FakeTable {
  family: TableFamily;
  name: string;
  comment?: string;
  sets: Map<string, FakeSet>;
  chains: Map<string, FakeChain>;
}

const NAME = "[A-Za-z0-9_][A-Za-z0-9_./-]*";
const CHAIN_REF = new RegExp(`\\b(?:goto|jump) (${NAME})`, "g");
const SET_REF = new RegExp(`@(${NAME})`, "g");

/** The chain a verdict names (`goto X`, `jump X`), if any. */
export function verdictChain(verdict: string): string | undefined {
  return /^(?:goto|jump) (\S+)$/.exec(verdict)?.[1];
}

function arity(type: string): number {
  return type.split(" . ").length;
}

function readField(text: string): Field {
  const ip = tryParseIp(text);
  const cidr = ip ? undefined : tryParseCidr(text);
  const base = ip ?? cidr?.addr;
  if (!base) return { text };
  const bits = base.family === 4 ? 32 : 128;
  const lo = base.bytes.reduce((n, b) => (n << 8n) | BigInt(b), 0n);
  const host = cidr ? (1n << BigInt(bits - cidr.prefix)) - 1n : 0n;
  return { family: base.family, lo, hi: lo | host };
}

function overlaps(a: Field, b: Field, adjacentToo = false): boolean {
  if ("text" in a || "text" in b) return "text" in a && "text" in b && a.text === b.text;
  const gap = adjacentToo ? 1n : 0n;
  return a.family === b.family && a.lo <= b.hi + gap && b.lo <= a.hi + gap;
}

function sameFields(a: Field[], b: Field[]): boolean {
  return a.every((f, i) => {
    const g = b[i];
    return "text" in f ? "text" in g && g.text === f.text : !("text" in g) && f.lo === g.lo &&
      f.hi === g.hi && f.family === g.family;
  });
}

function formatAddr(n: bigint, family: Family): string {
  if (family === 4) return [24n, 16n, 8n, 0n].map((s) => String((n >> s) & 255n)).join(".");
  const groups = [...Array(8)].map((_, i) => ((n >> BigInt(112 - 16 * i)) & 0xffffn).toString(16));
  let best = [-1, 0];
  for (let i = 0; i < 8;) {
    let j = i;
    while (j < 8 && groups[j] === "0") j++;
    if (j - i > best[1] && j - i >= 2) best = [i, j - i];
    i = j === i ? i + 1 : j;
  }
  if (best[0] < 0) return groups.join(":");
  return `${groups.slice(0, best[0]).join(":")}::${groups.slice(best[0] + best[1]).join(":")}`;
}

/** An address range as nft prints it: a CIDR when it is one, else `lo-hi`. */
function formatRange(lo: bigint, hi: bigint, family: Family): string {
  const bits = family === 4 ? 32 : 128;
  const size = hi - lo + 1n;
  const prefix = bits - (size.toString(2).length - 1);
  if ((size & (size - 1n)) === 0n && lo % size === 0n) {
    return prefix === bits ? formatAddr(lo, family) : `${formatAddr(lo, family)}/${prefix}`;
  }
  return `${formatAddr(lo, family)}-${formatAddr(hi, family)}`;
}

/** Tables by `family name`, with the kernel's checks on every change. */
export class FakeRuleset {
  readonly tables = new Map<string, FakeTable>();
  /** Reproduce nft 1.0.6's typeof bug (see the module doc). */
  typeofBug = true;
  /** Sets created by the transaction in progress (`family table name`). */
  #created = new Set<string>();

  /** A deep copy (a transaction works on one, so that a failure changes nothing). */
  clone(): FakeRuleset {
    const copy = new FakeRuleset();
    copy.typeofBug = this.typeofBug;
    for (const [k, t] of this.tables) {
      copy.tables.set(k, {
        ...t,
        sets: new Map([...t.sets].map(([n, s]) => [n, { ...s, elements: new Map(s.elements) }])),
        chains: new Map([...t.chains].map(([n, c]) => [n, { ...c, rules: [...c.rules] }])),
      });
    }
    return copy;
  }

  /** The table, or ENOENT. */
  table(family: TableFamily, name: string): FakeTable {
    const t = this.tables.get(`${family} ${name}`);
    if (!t) throw new RulesetError("ENOENT", `no table ${family} ${name}`);
    return t;
  }

  addTable(family: TableFamily, name: string, comment?: string): FakeTable {
    const key = `${family} ${name}`;
    let t = this.tables.get(key);
    if (!t) this.tables.set(key, t = { family, name, sets: new Map(), chains: new Map() });
    if (comment !== undefined) t.comment = comment;
    return t;
  }

  deleteTable(family: TableFamily, name: string): void {
    this.table(family, name);
    this.tables.delete(`${family} ${name}`);
  }

  addChain(t: FakeTable, name: string, header?: string): void {
    const c = t.chains.get(name);
    if (!c) t.chains.set(name, { name, header, rules: [] });
    else if (header !== undefined && c.header !== header) {
      throw new RulesetError("EEXIST", `chain ${name} exists with another hook`);
    }
  }

  chain(t: FakeTable, name: string): FakeChain {
    const c = t.chains.get(name);
    if (!c) throw new RulesetError("ENOENT", `no chain ${name}`);
    return c;
  }

  flushChain(t: FakeTable, name: string): void {
    this.chain(t, name).rules = [];
  }

  deleteChain(t: FakeTable, name: string): void {
    this.chain(t, name);
    const user = this.#chainUser(t, name);
    if (user) throw new RulesetError("EBUSY", `chain ${name} is still used by ${user}`);
    t.chains.delete(name);
  }

  addRule(t: FakeTable, chain: string, text: string): void {
    const c = this.chain(t, chain);
    const rule: FakeRule = {
      text,
      chains: [...text.matchAll(CHAIN_REF)].map((m) => m[1]),
      sets: [...text.matchAll(SET_REF)].map((m) => m[1]),
    };
    for (const target of rule.chains) this.#checkTarget(t, target);
    for (const name of rule.sets) {
      const s = t.sets.get(name);
      if (!s) throw new RulesetError("ENOENT", `no set ${name}`);
      const old = !this.#created.has(`${t.family} ${t.name} ${name}`);
      if (this.typeofBug && old && s.spec.typeof && / ?th /.test(` ${s.spec.value ?? ""}`)) {
        throw new RulesetError(
          "NFT_TYPEOF",
          `nft 1.0.6 cannot read back the type of ${s.kind} ${name} (typeof ... : ${s.spec.value})`,
        );
      }
    }
    c.rules.push(rule);
  }

  addSet(t: FakeTable, kind: "set" | "map", name: string, spec: SetSpec): void {
    const s = t.sets.get(name);
    if (!s) {
      t.sets.set(name, { kind, name, spec, elements: new Map() });
      this.#created.add(`${t.family} ${t.name} ${name}`);
      return;
    }
    // As the kernel: the size of an existing set stays; another type or flags is a conflict.
    const same = s.kind === kind && s.spec.typeof === spec.typeof && s.spec.key === spec.key &&
      s.spec.value === spec.value && s.spec.flags.join() === spec.flags.join();
    if (!same) throw new RulesetError("EEXIST", `${s.kind} ${name} exists with another type`);
  }

  set(t: FakeTable, name: string): FakeSet {
    const s = t.sets.get(name);
    if (!s) throw new RulesetError("ENOENT", `no set or map ${name}`);
    return s;
  }

  /** Flushes a set or map; nft looks it up by `kind` here (but not for a deletion). */
  flushSet(t: FakeTable, name: string, kind: "set" | "map"): void {
    const s = this.set(t, name);
    if (s.kind !== kind) throw new RulesetError("ENOENT", `no ${kind} ${name}`);
    s.elements.clear();
  }

  deleteSet(t: FakeTable, name: string): void {
    this.set(t, name);
    for (const c of t.chains.values()) {
      if (c.rules.some((r) => r.sets.includes(name))) {
        throw new RulesetError("EBUSY", `set ${name} is still used by a rule of chain ${c.name}`);
      }
    }
    t.sets.delete(name);
  }

  addElement(t: FakeTable, setName: string, element: string): void {
    const s = this.set(t, setName);
    const e = this.#element(s, element);
    if (s.spec.value === "verdict") {
      const target = verdictChain(e.value);
      if (target) this.#checkTarget(t, target);
      else if (!["accept", "drop", "return"].includes(e.value)) {
        throw new RulesetError("EOPNOTSUPP", `not a verdict: ${e.value}`);
      }
    }
    if (!e.fields) {
      const old = s.elements.get(e.key);
      if (old && old.value !== e.value) {
        throw new RulesetError("EEXIST", `${s.name} has ${e.key} with value ${old.value}`);
      }
      s.elements.set(e.key, e);
      return;
    }
    const clash = [...s.elements.values()].filter((o) =>
      o.fields!.every((f, i) => overlaps(f, e.fields![i], s.spec.autoMerge))
    );
    if (clash.length === 0) return void s.elements.set(e.key, e);
    if (clash.length === 1 && sameFields(clash[0].fields!, e.fields)) return;
    if (!s.spec.autoMerge || e.fields.length !== 1 || "text" in e.fields[0]) {
      throw new RulesetError("EEXIST", `${e.key} overlaps ${clash[0].key} in ${s.name}`);
    }
    const all = [e, ...clash].map((x) => x.fields![0] as Exclude<Field, { text: string }>);
    const lo = all.reduce((m, f) => (f.lo < m ? f.lo : m), all[0].lo);
    const hi = all.reduce((m, f) => (f.hi > m ? f.hi : m), all[0].hi);
    for (const c of clash) s.elements.delete(c.key);
    const key = formatRange(lo, hi, all[0].family);
    s.elements.set(key, { key, value: "", fields: [{ family: all[0].family, lo, hi }] });
  }

  deleteElement(t: FakeTable, setName: string, element: string): void {
    const s = this.set(t, setName);
    const e = this.#element(s, element, true);
    const found = e.fields
      ? [...s.elements.values()].find((o) => sameFields(o.fields!, e.fields!))
      : s.elements.get(e.key);
    if (!found) throw new RulesetError("ENOENT", `${s.name} has no element ${e.key}`);
    s.elements.delete(found.key);
  }

  /** Reads `key` or `key : value`, checking arity (and reading intervals in interval sets). */
  #element(s: FakeSet, text: string, keyOnly = false): FakeElement {
    const i = text.indexOf(" : ");
    const key = i < 0 ? text : text.slice(0, i);
    const value = i < 0 ? "" : text.slice(i + 3);
    const want = arity(s.spec.key);
    if (arity(key) !== want) {
      throw new RulesetError("EOPNOTSUPP", `${key} has not the ${want} fields of ${s.name}`);
    }
    if (s.kind === "map" && value === "" && !keyOnly) {
      throw new RulesetError("EINVAL", `${key} has no value`);
    }
    if (s.kind === "set" && value !== "") {
      throw new RulesetError("EINVAL", `${s.name} is a set, not a map`);
    }
    if (
      s.kind === "map" && value !== "" && s.spec.value !== "verdict" &&
      arity(value) !== arity(s.spec.value!)
    ) {
      throw new RulesetError("EOPNOTSUPP", `${value} does not fit the values of ${s.name}`);
    }
    if (!s.spec.flags.includes("interval")) return { key, value };
    // As nft prints intervals: host bits cleared, a single address without its prefix.
    const fields = key.split(" . ").map(readField);
    const shown = fields.map((f) => ("text" in f ? f.text : formatRange(f.lo, f.hi, f.family)));
    return { key: shown.join(" . "), value, fields };
  }

  #checkTarget(t: FakeTable, chain: string): void {
    const c = t.chains.get(chain);
    if (!c) throw new RulesetError("ENOENT", `no chain ${chain}`);
    if (c.header) throw new RulesetError("EOPNOTSUPP", `cannot jump to base chain ${chain}`);
  }

  #chainUser(t: FakeTable, name: string): string | undefined {
    for (const c of t.chains.values()) {
      if (c.name !== name && c.rules.some((r) => r.chains.includes(name))) {
        return `a rule of chain ${c.name}`;
      }
    }
    for (const s of t.sets.values()) {
      if (s.spec.value !== "verdict") continue;
      for (const e of s.elements.values()) {
        if (verdictChain(e.value) === name) return `element ${e.key} of map ${s.name}`;
      }
    }
    return undefined;
  }
}
