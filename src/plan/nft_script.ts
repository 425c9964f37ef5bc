/**
 * Turns a family plan into nft script text: the whole table (a full sync,
 * replacing the table or rewriting it in place), only what changed since the
 * last apply (a partial sync), or the removal of garbage. Each is meant to be
 * applied as one atomic nft transaction.
 *
 * @module
 */

import type { FamilyChanges, FamilyGarbage, FamilyPlan, PlanObject } from "./family_plan.ts";
import { SET } from "./names.ts";

const CHUNK = 2000;

/**
 * The key as nft reads it. The `hairpin` set pairs an address with itself;
 * the plan keeps only the address (a shorter key, built once per endpoint).
 */
function keyText(set: string, key: string): string {
  return set === SET.hairpin ? `${key} . ${key}` : key;
}

function elementText(set: string, key: string, value: string): string {
  const k = keyText(set, key);
  return value === "" ? k : `${k} : ${value}`;
}

function pushElements(out: string[], head: string, set: string, items: string[]): void {
  for (let i = 0; i < items.length; i += CHUNK) {
    out.push(`${head} ${set} { ${items.slice(i, i + CHUNK).join(", ")} }`);
  }
}

function tableName(plan: FamilyPlan): string {
  return `${plan.ctx.nftFamily} ${plan.ctx.table}`;
}

/** `add element` statements for every element of every skeleton set of table `t`. */
function pushAllElements(plan: FamilyPlan, t: string, out: string[]): void {
  for (const set of plan.skeleton.sets.keys()) {
    const items: string[] = [];
    plan.forEachElement(set, (k, v) => items.push(elementText(set, k, v)));
    pushElements(out, `add element ${t}`, set, items);
  }
}

function sortedObjects(plan: FamilyPlan, kind: PlanObject["kind"]): [string, PlanObject][] {
  return [...plan.objects].filter(([, o]) => o.kind === kind).sort(([a], [b]) =>
    a < b ? -1 : a > b ? 1 : 0
  );
}

/**
 * The full script of one family: create-or-replace the table atomically.
 * `add table` + `delete table` makes the delete valid when the table is absent.
 */
export function renderFamilyFull(plan: FamilyPlan, out: string[]): void {
  const { skeleton } = plan;
  const t = tableName(plan);
  out.push(`add table ${t}`, `delete table ${t}`, `table ${t} {`);
  out.push(`\tcomment "service proxy rules, managed by kube-nft-proxy; do not edit"`);
  for (const decl of skeleton.sets.values()) out.push(`\t${decl}`);
  for (const [, o] of sortedObjects(plan, "set")) out.push(`\t${(o as { decl: string }).decl}`);
  for (const b of skeleton.baseChains) {
    out.push(
      `\tchain ${b.name} {`,
      `\t\ttype ${b.type} hook ${b.hook} priority ${b.priority}; policy accept;`,
    );
    for (const r of b.rules) out.push(`\t\t${r}`);
    out.push("\t}");
  }
  const chain = (name: string, rules: readonly string[]) => {
    out.push(`\tchain ${name} {`);
    for (const r of rules) out.push(`\t\t${r}`);
    out.push("\t}");
  };
  // Declare every chain before any rule jumps to it.
  for (const name of skeleton.chains.keys()) out.push(`\tchain ${name} {`, "\t}");
  const objectChains = sortedObjects(plan, "chain");
  for (const [name] of objectChains) out.push(`\tchain ${name} {`, "\t}");
  for (const [name, rules] of skeleton.chains) chain(name, rules);
  for (const [name, o] of objectChains) chain(name, (o as { rules: readonly string[] }).rules);
  out.push("}");
  pushAllElements(plan, t, out);
}

/**
 * A full script that rewrites the table in place instead of replacing it:
 * every chain is flushed and refilled, every shared set and map is flushed and
 * refilled, objects that are gone are deleted, all in one transaction. Unlike
 * {@linkcode renderFamilyFull} it keeps the ClientIP-affinity sets' contents,
 * so a resync (or a restart) does not reset session affinity.
 */
export function renderFamilyFullInPlace(
  plan: FamilyPlan,
  kernel: ReadonlyMap<string, PlanObject>,
  out: string[],
): void {
  const { skeleton } = plan;
  const t = tableName(plan);
  const stale = [...kernel].filter(([name]) => !plan.objects.has(name));
  const sets = sortedObjects(plan, "set");
  const chains = sortedObjects(plan, "chain");
  // 1. Make sure every object exists (a table block only adds what is missing).
  out.push(`table ${t} {`);
  for (const decl of skeleton.sets.values()) out.push(`\t${decl}`);
  for (const [, o] of sets) out.push(`\t${(o as { decl: string }).decl}`);
  for (const b of skeleton.baseChains) {
    out.push(
      `\tchain ${b.name} {`,
      `\t\ttype ${b.type} hook ${b.hook} priority ${b.priority}; policy accept;`,
      "\t}",
    );
  }
  const regular = [...skeleton.chains.keys(), ...chains.map(([n]) => n)];
  for (const name of regular) out.push(`\tchain ${name} {`, "\t}");
  out.push("}");
  // 2. Empty the chains (the stale ones too: they may reference what is deleted next), and the
  // shared sets; 3. drop what is gone; 4. refill.
  for (const b of skeleton.baseChains) out.push(`flush chain ${t} ${b.name}`);
  for (const name of regular) out.push(`flush chain ${t} ${name}`);
  for (const [name, o] of stale) if (o.kind === "chain") out.push(`flush chain ${t} ${name}`);
  for (const [name, decl] of skeleton.sets) out.push(`flush ${decl.split(" ")[0]} ${t} ${name}`);
  for (const [name, o] of stale) if (o.kind === "chain") out.push(`delete chain ${t} ${name}`);
  for (const [name, o] of stale) {
    if (o.kind === "set") out.push(`delete ${o.decl.split(" ")[0]} ${t} ${name}`);
  }
  const rules = (name: string, list: readonly string[]) => {
    for (const r of list) out.push(`add rule ${t} ${name} ${r}`);
  };
  for (const b of skeleton.baseChains) rules(b.name, b.rules);
  for (const [name, list] of skeleton.chains) rules(name, list);
  for (const [name, o] of chains) rules(name, (o as { rules: readonly string[] }).rules);
  pushAllElements(plan, t, out);
}

/** The partial script of one family; returns the number of operations (0: nothing changed). */
export function renderFamilyChanges(
  plan: FamilyPlan,
  changes: FamilyChanges,
  out: string[],
): number {
  const t = tableName(plan);
  let ops = 0;
  for (const decl of changes.setsAdded.values()) {
    out.push(`add ${decl}`.replace(/^add (set|map) (\S+) /, `add $1 ${t} $2 `));
    ops++;
  }
  // New chains first (empty), so that rules and verdicts may name any of them.
  for (const name of changes.chainsAdded.keys()) {
    out.push(`add chain ${t} ${name}`);
    ops++;
  }
  for (const [name, rules] of changes.chainsChanged) {
    out.push(`flush chain ${t} ${name}`);
    ops++;
    for (const r of rules) out.push(`add rule ${t} ${name} ${r}`);
    ops += rules.length;
  }
  for (const [name, rules] of changes.chainsAdded) {
    for (const r of rules) out.push(`add rule ${t} ${name} ${r}`);
    ops += rules.length;
  }
  for (const [set, keys] of changes.elementsDeleted) {
    pushElements(out, `delete element ${t}`, set, keys.map((k) => keyText(set, k)));
    ops += keys.length;
  }
  for (const [set, kvs] of changes.elementsAdded) {
    pushElements(out, `add element ${t}`, set, kvs.map(([k, v]) => elementText(set, k, v)));
    ops += kvs.length;
  }
  return ops;
}

/** The garbage-collection script of one family; returns the number of operations. */
export function renderFamilyGarbage(
  plan: FamilyPlan,
  garbage: FamilyGarbage,
  out: string[],
): number {
  const t = tableName(plan);
  let ops = 0;
  for (const [set, keys] of garbage.elements) {
    pushElements(out, `delete element ${t}`, set, keys.map((k) => keyText(set, k)));
    ops += keys.length;
  }
  // A gone chain may still jump to another gone chain or name a gone set: flush them all first.
  for (const name of garbage.chains) out.push(`flush chain ${t} ${name}`);
  for (const name of garbage.chains) out.push(`delete chain ${t} ${name}`);
  const kernel = plan.kernelObjects;
  for (const name of garbage.sets) {
    const o = kernel?.get(name);
    const kind = o?.kind === "set" ? o.decl.split(" ")[0] : "set";
    out.push(`delete ${kind} ${t} ${name}`);
  }
  return ops + garbage.chains.length + garbage.sets.length;
}
