/**
 * Turns a family plan into nft script text: the whole table (a full sync), or
 * only what changed since the last apply (a partial sync). Both are meant to
 * be fed to one `nft -f -`, which applies them as one atomic transaction.
 *
 * @module
 */

import type { FamilyChanges, FamilyPlan } from "./family_plan.ts";
import { SET } from "./names.ts";

const CHUNK = 2000;

function elementText(key: string, value: string): string {
  return value === "" ? key : `${key} : ${value}`;
}

function pushElements(out: string[], head: string, set: string, items: string[]): void {
  for (let i = 0; i < items.length; i += CHUNK) {
    out.push(`${head} ${set} { ${items.slice(i, i + CHUNK).join(", ")} }`);
  }
}

/** Sets whose elements are written by the renderer (the affinity set is filled by packets). */
const RENDERED_SETS = Object.values(SET).filter((s) => s !== SET.affinity);

/** `add element` statements for every element of every rendered set of table `t`. */
function pushAllElements(plan: FamilyPlan, t: string, out: string[]): void {
  for (const set of RENDERED_SETS) {
    const items: string[] = [];
    for (const [k, v] of plan.elements.entries(set)) items.push(elementText(k, v));
    pushElements(out, `add element ${t}`, set, items);
  }
}

/**
 * The full script of one family: create-or-replace the table atomically.
 * `add table` + `delete table` makes the delete valid when the table is absent.
 */
export function renderFamilyFull(plan: FamilyPlan, out: string[]): void {
  const { ctx, skeleton } = plan;
  const t = `${ctx.word} ${ctx.table}`;
  out.push(`add table ${t}`, `delete table ${t}`, `table ${t} {`);
  out.push(`\tcomment "service proxy rules, managed by kube-nft-proxy; do not edit"`);
  for (const s of skeleton.sets) out.push(`\t${s}`);
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
  for (const [name, rules] of skeleton.chains) chain(name, rules);
  const names = [...plan.chains.keys()].sort();
  for (const name of names) chain(name, plan.chains.get(name)!);
  out.push("}");
  pushAllElements(plan, t, out);
}

/** The partial script of one family; empty when nothing changed. */
export function renderFamilyChanges(plan: FamilyPlan, c: FamilyChanges, out: string[]): number {
  const t = `${plan.ctx.word} ${plan.ctx.table}`;
  let ops = 0;
  for (const [name, rules] of c.chainsSet) {
    if (c.chainsExisting.has(name)) out.push(`flush chain ${t} ${name}`);
    else out.push(`add chain ${t} ${name}`);
    ops++;
    for (const r of rules) {
      out.push(`add rule ${t} ${name} ${r}`);
      ops++;
    }
  }
  for (const [set, keys] of c.elementsDeleted) {
    pushElements(out, `delete element ${t}`, set, keys);
    ops += keys.length;
  }
  for (const [set, kvs] of c.elementsAdded) {
    pushElements(out, `add element ${t}`, set, kvs.map(([k, v]) => elementText(k, v)));
    ops += kvs.length;
  }
  // A deleted chain may still be the target of another deleted chain's goto: flush them all first.
  for (const name of c.chainsDeleted) out.push(`flush chain ${t} ${name}`);
  for (const name of c.chainsDeleted) {
    out.push(`delete chain ${t} ${name}`);
    ops++;
  }
  return ops;
}

/**
 * A full script that rewrites the table in place instead of replacing it:
 * every chain is flushed and refilled, every rendered set and map is flushed
 * and refilled, chains that are gone are deleted, all in one transaction.
 * Unlike {@linkcode renderFamilyFull} it keeps the `affinity` set, so a
 * periodic full resync does not reset ClientIP session affinity.
 * `known` holds the per-service chains the kernel may still have.
 */
export function renderFamilyFullInPlace(
  plan: FamilyPlan,
  known: Iterable<string>,
  out: string[],
): void {
  const { ctx, skeleton } = plan;
  const t = `${ctx.word} ${ctx.table}`;
  const stale = [...known].filter((n) => !plan.chains.has(n));
  const names = [...plan.chains.keys()].sort();
  // 1. Make sure every object exists (a table block only adds what is missing).
  out.push(`table ${t} {`);
  for (const s of skeleton.sets) out.push(`\t${s}`);
  for (const b of skeleton.baseChains) {
    out.push(
      `\tchain ${b.name} {`,
      `\t\ttype ${b.type} hook ${b.hook} priority ${b.priority}; policy accept;`,
      "\t}",
    );
  }
  const allChains = [
    ...skeleton.baseChains.map((b) => b.name),
    ...skeleton.chains.keys(),
    ...names,
    ...stale,
  ];
  for (const name of [...skeleton.chains.keys(), ...names, ...stale]) {
    out.push(`\tchain ${name} {`, "\t}");
  }
  out.push("}");
  // 2. Empty them, 3. drop what is gone, 4. refill.
  for (const name of allChains) out.push(`flush chain ${t} ${name}`);
  for (const decl of skeleton.sets) {
    const [kind, name] = decl.split(" ");
    if (name !== SET.affinity) out.push(`flush ${kind} ${t} ${name}`);
  }
  for (const name of stale) out.push(`delete chain ${t} ${name}`);
  const rules = (name: string, list: readonly string[]) => {
    for (const r of list) out.push(`add rule ${t} ${name} ${r}`);
  };
  for (const b of skeleton.baseChains) rules(b.name, b.rules);
  for (const [name, list] of skeleton.chains) rules(name, list);
  for (const name of names) rules(name, plan.chains.get(name)!);
  pushAllElements(plan, t, out);
}
