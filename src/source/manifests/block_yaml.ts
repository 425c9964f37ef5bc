/**
 * A fast reader for the block-style YAML that `kubectl get -o yaml`, Helm
 * and most hand-written manifests use: nested block mappings and sequences,
 * plain and one-line quoted scalars, `{}`/`[]`, and `|`/`|-` literal blocks.
 * Anything else (anchors, tags, flow collections, multi-line plain scalars,
 * folded blocks, merge keys, comments after values, tabs, ...) makes it give
 * up with {@linkcode Unsupported}, and the caller parses that document with
 * js-yaml. The contract, held by differential tests: whatever this reader
 * returns deep-equals what js-yaml returns for the same text with
 * {@linkcode MANIFEST_SCHEMA}; where it might differ, or where js-yaml would
 * fail, it gives up instead.
 *
 * Why: js-yaml reads ~25 MB/s here, so a 10k-Service cluster dump (17-40 MB)
 * takes 0.7-1.5 s; this reader takes about 60 % of that (interleaved runs of
 * tests/support/manifest_bench.ts), which keeps such a file under a second.
 *
 * @module
 */

import {
  BAD_START,
  COLON,
  DASH,
  DQUOTE,
  HASH,
  isMarker,
  keyEnd,
  PIPE,
  plain,
  quoted,
  SPACE,
  SQUOTE,
  Unsupported,
} from "./_yaml_scalars.ts";

export { MANIFEST_SCHEMA, Unsupported } from "./_yaml_scalars.ts";

// Tabs, CRs, BOMs, non-ASCII line breaks and characters js-yaml refuses are left to js-yaml.
// deno-lint-ignore no-control-regex
const UNUSUAL = /[\x00-\x09\x0B-\x1F\x7F-\x9F\u2028\u2029\uD800-\uDFFF\uFEFF\uFFFE\uFFFF]/;

class Reader {
  readonly t: string;
  readonly len: number;
  /** Start of the current line. */
  p = 0;
  /** End (newline or end of text) and indent of the line at `p`, valid when `at === p`. */
  e = 0;
  ind = 0;
  at = -1;

  constructor(text: string) {
    if (UNUSUAL.test(text)) throw new Unsupported("tab, CR or unusual character");
    this.t = text;
    this.len = text.length;
  }

  /** Moves to the next line that is not blank or a comment; returns its indent, or -1 at the end. */
  next(): number {
    if (this.at === this.p) return this.ind;
    const t = this.t;
    let p = this.p;
    while (p < this.len) {
      let k = p;
      while (t.charCodeAt(k) === SPACE) k++;
      let e = t.indexOf("\n", k);
      if (e < 0) e = this.len;
      if (k === e || t.charCodeAt(k) === HASH) {
        p = e + 1;
        continue;
      }
      if (k === p && isMarker(t, p, e)) throw new Unsupported("document marker");
      this.p = this.at = p;
      this.e = e;
      return this.ind = k - p;
    }
    this.p = this.len;
    return -1;
  }

  /** Whether the current line has a sequence dash at column `n`. */
  dashAt(n: number): boolean {
    const q = this.p + n;
    const c = this.t.charCodeAt(q + 1);
    return this.t.charCodeAt(q) === DASH && (q + 1 === this.e || c === SPACE);
  }

  /** A block node whose first line (the current one) has indent `n`. */
  node(n: number): unknown {
    return this.dashAt(n) ? this.sequence(n) : this.mapping(n, this.p + n);
  }

  /** A block sequence whose dashes sit at column `n`. */
  sequence(n: number): unknown[] {
    const t = this.t;
    const out: unknown[] = [];
    while (true) {
      const ind = this.next();
      if (ind < n) return out;
      if (ind > n) throw new Unsupported("over-indented line in a sequence");
      if (!this.dashAt(n)) return out; // a key at the same column ends a same-indent sequence
      const e = this.e;
      let k = this.p + n + 1;
      while (t.charCodeAt(k) === SPACE) k++;
      if (k === e) {
        this.p = e + 1;
        const ind2 = this.next();
        // js-yaml takes a dash less indented than an empty item's as the next item.
        if (ind2 >= 0 && ind2 < n) throw new Unsupported("empty item before a dedent");
        out.push(ind2 > n ? this.node(ind2) : null);
        continue;
      }
      const c = t.charCodeAt(k);
      if (c === HASH || (c === DASH && (k + 1 === e || t.charCodeAt(k + 1) === SPACE))) {
        throw new Unsupported("comment or nested sequence after a dash");
      }
      if (c === PIPE) out.push(this.literal(k, n));
      else if (keyEnd(t, k, e) >= 0) out.push(this.mapping(k - this.p, k));
      else {
        out.push(this.scalar(k, e));
        this.p = e + 1;
        if (this.next() > n) throw new Unsupported("multi-line scalar");
      }
    }
  }

  /** A block mapping with keys at column `n`; the first key starts at `first` (maybe after a dash). */
  mapping(n: number, first: number): Record<string, unknown> {
    const t = this.t;
    const out: Record<string, unknown> = {};
    let s = first;
    while (true) {
      if (s < 0) {
        const ind = this.next();
        if (ind < n) return out;
        if (ind > n) throw new Unsupported("over-indented line in a mapping");
        if (this.dashAt(n)) throw new Unsupported("sequence item among keys");
        s = this.p + n;
      }
      const e = this.e;
      const colon = keyEnd(t, s, e);
      if (colon < 0) throw new Unsupported("not a simple key");
      const key = this.key(s, colon);
      // `out[key] !== undefined` also catches inherited names such as "toString": js-yaml's turn.
      if (out[key] !== undefined || key === "__proto__" || key === "<<") {
        throw new Unsupported("duplicated or special key");
      }
      s = -1;
      let k = colon + 1;
      while (t.charCodeAt(k) === SPACE) k++;
      if (k === e) {
        this.p = e + 1;
        const ind2 = this.next();
        if (ind2 > n) out[key] = this.node(ind2);
        else if (ind2 === n && this.dashAt(n)) out[key] = this.sequence(n);
        else out[key] = null;
        continue;
      }
      const c = t.charCodeAt(k);
      if (c === PIPE) {
        out[key] = this.literal(k, n);
        continue;
      }
      out[key] = this.scalar(k, e);
      this.p = e + 1;
      if (this.next() > n) throw new Unsupported("multi-line scalar");
    }
  }

  /** The key spanning `[s, colon)`. */
  key(s: number, colon: number): string {
    const t = this.t;
    const c = t.charCodeAt(s);
    if (c === DQUOTE || c === SQUOTE) return quoted(t, s, colon);
    let end = colon;
    while (t.charCodeAt(end - 1) === SPACE) end--;
    if (c < 128 && BAD_START[c] === 1) throw new Unsupported("indicator");
    const raw = t.slice(s, end);
    const v = plain(raw);
    if (typeof v !== "string") throw new Unsupported("non-string key");
    return v;
  }

  /** A one-line scalar (or `{}`/`[]`) spanning `[k, e)` minus trailing spaces. */
  scalar(k: number, e: number): unknown {
    const t = this.t;
    while (t.charCodeAt(e - 1) === SPACE) e--;
    const c = t.charCodeAt(k);
    if (c === DQUOTE || c === SQUOTE) return quoted(t, k, e);
    if (c < 128 && BAD_START[c] === 1) {
      if (e - k === 2 && c === 123 && t.charCodeAt(k + 1) === 125) return {};
      if (e - k === 2 && c === 91 && t.charCodeAt(k + 1) === 93) return [];
      // `-1` or `-x` is a plain scalar; `- x` and `-` are not ours.
      if (c !== DASH || e - k === 1 || t.charCodeAt(k + 1) === SPACE) {
        throw new Unsupported("indicator");
      }
    }
    for (let q = k + 1; q < e; q++) {
      const d = t.charCodeAt(q);
      if (d === HASH && t.charCodeAt(q - 1) === SPACE) throw new Unsupported("comment");
      if (d === COLON && (q + 1 === e || t.charCodeAt(q + 1) === SPACE)) {
        throw new Unsupported("colon in a plain scalar");
      }
    }
    return plain(t.slice(k, e));
  }

  /**
   * A `|` or `|-` block scalar whose header starts at `k` on the current
   * line; its content must be indented deeper than column `n`.
   */
  literal(k: number, n: number): string {
    const t = this.t;
    let he = this.e;
    while (t.charCodeAt(he - 1) === SPACE) he--;
    const strip = he - k === 2 && t.charCodeAt(k + 1) === DASH;
    if (he - k !== 1 && !strip) throw new Unsupported("block scalar header");
    let p = this.e + 1;
    let indent = -1;
    let out = "";
    let lines = 0;
    let empty = 0;
    let lastEnd = p;
    while (p < this.len) {
      let e = t.indexOf("\n", p);
      if (e < 0) e = this.len;
      if (e === p) {
        empty++;
        p = e + 1;
        continue;
      }
      let sp = p;
      while (t.charCodeAt(sp) === SPACE) sp++;
      if (sp === e) throw new Unsupported("whitespace-only line in a block scalar");
      if (indent < 0) {
        if (sp - p <= n) break;
        indent = sp - p;
      }
      if (sp - p < indent) break;
      out += "\n".repeat(lines > 0 ? 1 + empty : empty) + t.slice(p + indent, e);
      lines++;
      empty = 0;
      lastEnd = e;
      p = e + 1;
    }
    if (indent < 0) throw new Unsupported("empty block scalar");
    this.p = lastEnd + 1;
    // Clip keeps one final newline (js-yaml adds one to a text that lacks it).
    return strip ? out : out + "\n";
  }
}

/**
 * Parses one YAML document whose top level is a block mapping or sequence.
 * The text may start with a bare `---` line and must hold no other document
 * marker. Returns null for a document without content.
 *
 * @throws {Unsupported} when the document uses YAML this reader leaves to js-yaml.
 */
export function parseBlockDocument(text: string): unknown {
  const r = new Reader(text);
  if (text.startsWith("---\n") || text === "---") r.p = 4;
  const ind = r.next();
  if (ind < 0) return null;
  if (ind !== 0) throw new Unsupported("indented top level");
  const c = text.charCodeAt(r.p);
  if (c === 46 /* . */ || c === 37 /* % */) throw new Unsupported("marker or directive");
  if (!r.dashAt(0) && keyEnd(text, r.p, r.e) < 0) throw new Unsupported("top-level scalar");
  const value = r.node(0);
  if (r.next() >= 0) throw new Unsupported("trailing content");
  return value;
}
