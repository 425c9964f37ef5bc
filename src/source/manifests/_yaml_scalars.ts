/**
 * The scalar level of the fast block-YAML reader: js-yaml's schema and type
 * resolution for plain scalars, quoted scalars, keys and document markers.
 * Each helper either returns exactly what js-yaml would make of its input or
 * throws {@linkcode Unsupported}.
 *
 * @module
 */

// @ts-types="@types/js-yaml"
import yaml from "js-yaml";

// js-yaml exports its types at runtime; @types/js-yaml does not declare them.
const TYPES = (yaml as unknown as { types: Record<string, yaml.Type> }).types;

/**
 * The schema manifests are read with: YAML 1.2 core (null, bool, int, float;
 * timestamps stay strings, as in the API server's JSON) plus `<<` merge keys,
 * which kubectl accepts.
 */
export const MANIFEST_SCHEMA: yaml.Schema = yaml.CORE_SCHEMA.extend({
  implicit: [TYPES.merge],
});

/** Thrown when a document uses YAML this reader leaves to js-yaml; says nothing about validity. */
export class Unsupported extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = "Unsupported";
  }
}

export const SPACE = 32;
export const DASH = 45;
export const HASH = 35;
export const COLON = 58;
export const PIPE = 124;
export const DQUOTE = 34;
export const SQUOTE = 39;

/** First characters of plain scalars this reader does not take (indicators, flow, quotes). */
export const BAD_START = new Uint8Array(128);
for (const c of "-?:,[]{}#&*!|>'\"%@`") BAD_START[c.charCodeAt(0)] = 1;

/** First characters of a null, bool, int or float in js-yaml's core schema. */
const MAYBE_TYPED = new Uint8Array(128);
for (const c of "0123456789+-.~nNtTfF") MAYBE_TYPED[c.charCodeAt(0)] = 1;

/** js-yaml's own resolvers of the core schema, in its order: plain scalars get the same type. */
const RESOLVERS = [TYPES.null, TYPES.bool, TYPES.int, TYPES.float];

/** A plain scalar resolved exactly as js-yaml's core schema does. */
export function plain(s: string): unknown {
  const c = s.charCodeAt(0);
  if (c < 128 && MAYBE_TYPED[c] === 0) return s;
  for (const t of RESOLVERS) {
    if (t.resolve(s)) return t.construct(s);
  }
  return s;
}

/** Whether the line `[p, e)` is a `---` or `...` document marker. */
export function isMarker(t: string, p: number, e: number): boolean {
  const c = t.charCodeAt(p);
  if (c !== DASH && c !== 46 /* . */) return false;
  if (t.charCodeAt(p + 1) !== c || t.charCodeAt(p + 2) !== c) return false;
  const d = t.charCodeAt(p + 3);
  return p + 3 === e || d === SPACE;
}

/** Position of the `:` ending a block mapping key that starts at `s` (line end `e`), or -1. */
export function keyEnd(t: string, s: number, e: number): number {
  const c = t.charCodeAt(s);
  if (c === DQUOTE || c === SQUOTE) {
    const close = quoteEnd(t, s, e);
    if (close < 0) return -1;
    let q = close + 1;
    while (t.charCodeAt(q) === SPACE) q++;
    return q < e && t.charCodeAt(q) === COLON && (q + 1 === e || t.charCodeAt(q + 1) === SPACE)
      ? q
      : -1;
  }
  for (let q = s; q < e; q++) {
    const d = t.charCodeAt(q);
    if (d === COLON && (q + 1 === e || t.charCodeAt(q + 1) === SPACE)) return q;
    if (d === HASH && q > s && t.charCodeAt(q - 1) === SPACE) return -1;
  }
  return -1;
}

/** Index of the quote closing the quoted scalar that opens at `k`, before `e`; or -1. */
export function quoteEnd(t: string, k: number, e: number): number {
  const q = t.charCodeAt(k);
  for (let p = k + 1; p < e; p++) {
    const c = t.charCodeAt(p);
    if (c === 92 && q === DQUOTE) p++;
    else if (c === q) {
      if (q === SQUOTE && t.charCodeAt(p + 1) === SQUOTE) p++;
      else return p;
    }
  }
  return -1;
}

/** The value of the quoted scalar opening at `k`, which must be followed by spaces only up to `e`. */
export function quoted(t: string, k: number, e: number): string {
  const close = quoteEnd(t, k, e);
  if (close < 0) throw new Unsupported("multi-line quoted scalar");
  for (let q = close + 1; q < e; q++) {
    if (t.charCodeAt(q) !== SPACE) throw new Unsupported("text after a quoted scalar");
  }
  const body = t.slice(k + 1, close);
  if (t.charCodeAt(k) === SQUOTE) return body.replaceAll("''", "'");
  if (!body.includes("\\")) return body;
  try {
    // JSON's escapes are a subset of YAML's, with the same meaning; others go to js-yaml.
    return JSON.parse(`"${body}"`);
  } catch {
    throw new Unsupported("escape");
  }
}
