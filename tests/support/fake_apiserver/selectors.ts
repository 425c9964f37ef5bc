/**
 * Label and field selectors as the API server parses them, limited to the
 * equality-based forms: `key`, `!key`, `key=value`, `key==value`,
 * `key!=value`, comma-separated (all must hold).
 *
 * @module
 */

import type { FakeObject } from "./store.ts";

/** Raised for a selector the fake server cannot parse; answered with 400. */
export class SelectorError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "SelectorError";
  }
}

/** One parsed requirement. */
export interface Requirement {
  key: string;
  op: "exists" | "notexists" | "eq" | "neq";
  value?: string;
}

/** A compiled selector: true when the object matches. */
export type Matcher = (obj: FakeObject) => boolean;

/** Parses a comma-separated equality-based selector into requirements. */
export function parseRequirements(selector: string, what: string): Requirement[] {
  const out: Requirement[] = [];
  for (const raw of selector.split(",")) {
    const part = raw.trim();
    if (part === "") continue;
    if (/\s(in|notin)\s*\(/.test(part) || part.includes("(")) {
      throw new SelectorError(`unsupported set-based ${what} selector: ${part}`);
    }
    let m: RegExpMatchArray | null;
    if ((m = part.match(/^([^=!\s]+)\s*!=\s*(.*)$/))) {
      out.push({ key: m[1], op: "neq", value: m[2].trim() });
    } else if ((m = part.match(/^([^=!\s]+)\s*==?\s*(.*)$/))) {
      out.push({ key: m[1], op: "eq", value: m[2].trim() });
    } else if ((m = part.match(/^!\s*([^=!\s]+)$/))) {
      out.push({ key: m[1], op: "notexists" });
    } else if ((m = part.match(/^([^=!\s]+)$/))) {
      out.push({ key: m[1], op: "exists" });
    } else {
      throw new SelectorError(`invalid ${what} selector: ${part}`);
    }
  }
  return out;
}

function test(req: Requirement, value: string | undefined): boolean {
  switch (req.op) {
    case "exists":
      return value !== undefined;
    case "notexists":
      return value === undefined;
    case "eq":
      return value === req.value;
    case "neq":
      return value !== req.value;
  }
}

/** Compiles a label selector (`undefined`/empty matches everything). */
export function labelMatcher(selector: string | null | undefined): Matcher {
  const reqs = parseRequirements(selector ?? "", "label");
  return (obj) => reqs.every((r) => test(r, obj.metadata?.labels?.[r.key]));
}

/** Field paths the fake server can select on. */
const FIELDS: Record<string, (obj: FakeObject) => string | undefined> = {
  "metadata.name": (o) => o.metadata?.name,
  "metadata.namespace": (o) => o.metadata?.namespace ?? "",
};

/** Compiles a field selector on `metadata.name` / `metadata.namespace`. */
export function fieldMatcher(selector: string | null | undefined): Matcher {
  const reqs = parseRequirements(selector ?? "", "field");
  for (const r of reqs) {
    if (!(r.key in FIELDS)) throw new SelectorError(`field label not supported: ${r.key}`);
    if (r.op === "exists" || r.op === "notexists") {
      throw new SelectorError(`invalid field selector: ${r.key} needs a value`);
    }
  }
  return (obj) => reqs.every((r) => test(r, FIELDS[r.key](obj)));
}
