/**
 * Reads a multi-document YAML stream in one pass: splits it at `---` lines
 * while counting lines (so every document and error knows its line without
 * rescanning the text), then parses each document with the fast block reader,
 * or with js-yaml when the document uses YAML the fast reader leaves to it.
 *
 * @module
 */

// @ts-types="@types/js-yaml"
import yaml from "js-yaml";
import { MANIFEST_SCHEMA, parseBlockDocument } from "./block_yaml.ts";
import { ManifestError } from "./manifest_error.ts";

/** One document of a stream: its text and the 1-based line it starts on. */
export interface DocumentSpan {
  text: string;
  line: number;
}

/** One parsed document and the line its content starts on. */
export interface YamlDocument {
  value: unknown;
  line: number;
}

/** The documents of a stream, and whether it holds `%` directive lines. */
export interface SplitResult {
  spans: DocumentSpan[];
  directives: boolean;
}

/**
 * Splits a YAML stream before every `---` line (a line that is `---` alone or
 * followed by blank space, as js-yaml reads document markers). Each span but
 * the first starts with its `---` line. Linear in the text's length.
 */
export function splitDocuments(text: string): SplitResult {
  const spans: DocumentSpan[] = [];
  let directives = false;
  let start = 0;
  let startLine = 1;
  let line = 1;
  let p = 0;
  const n = text.length;
  while (p < n) {
    let e = text.indexOf("\n", p);
    if (e < 0) e = n;
    const c = text.charCodeAt(p);
    if (
      c === DASH && text.charCodeAt(p + 1) === DASH && text.charCodeAt(p + 2) === DASH &&
      (p + 3 === e || isBlank(text.charCodeAt(p + 3)))
    ) {
      if (p > start) spans.push({ text: text.slice(start, p), line: startLine });
      start = p;
      startLine = line;
    } else if (c === PERCENT) directives = true;
    p = e + 1;
    line++;
  }
  if (start < n) spans.push({ text: text.slice(start), line: startLine });
  return { spans, directives };
}

const DASH = 45;
const PERCENT = 37;

function isBlank(c: number): boolean {
  return c === 32 || c === 9 || c === 13;
}

/** Line of the first content (not blank, a comment or `---`) of a span; scans only up to it. */
function contentLine(span: DocumentSpan): number {
  const t = span.text;
  let p = 0;
  for (let line = span.line; p < t.length; line++) {
    let e = t.indexOf("\n", p);
    if (e < 0) e = t.length;
    const l = t.slice(p, e).trim();
    if (l !== "" && !l.startsWith("#") && !/^---(\s|$)/.test(l)) return line;
    p = e + 1;
  }
  return span.line;
}

interface YamlExceptionLike {
  name: string;
  reason?: string;
  mark?: { line?: number };
}

function yamlError(file: string, lineBase: number, e: unknown): ManifestError {
  const err = e as YamlExceptionLike;
  if (err?.name === "YAMLException") {
    const line = typeof err.mark?.line === "number" ? lineBase + err.mark.line : undefined;
    // `reason` is js-yaml's one-line message; `message` would quote the offending lines.
    return new ManifestError(file, line, `YAML error: ${err.reason ?? "cannot parse"}`);
  }
  // Not a YAML error (e.g. a stack overflow on absurd nesting): name it, quote nothing.
  return new ManifestError(file, lineBase, `cannot parse: ${(e as Error)?.name ?? "error"}`, {
    cause: e,
  });
}

/** How many documents each reader parsed. */
export interface YamlStats {
  /** Documents read by the fast block reader. */
  fast: number;
  /** Documents left to js-yaml. */
  fallback: number;
}

/** Parses one span: the fast reader first, js-yaml when it gives up. */
function parseSpan(file: string, span: DocumentSpan, out: YamlDocument[], stats?: YamlStats) {
  try {
    const value = parseBlockDocument(span.text);
    if (value !== null) out.push({ value, line: contentLine(span) });
    if (stats) stats.fast++;
    return;
  } catch {
    // Unsupported is the expected way out; anything else (a stack overflow on absurd
    // nesting, a bug) must not cost the user the file either: js-yaml decides.
  }
  if (stats) stats.fallback++;
  let values: unknown[];
  try {
    values = yaml.loadAll(span.text, null, { schema: MANIFEST_SCHEMA });
  } catch (e) {
    throw yamlError(file, span.line, e);
  }
  for (const value of values) {
    if (value !== null && value !== undefined) out.push({ value, line: contentLine(span) });
  }
}

/**
 * Parses every document of a YAML stream; empty documents are left out.
 * `stats`, when given, counts which reader took each document.
 *
 * @throws {ManifestError} naming `file` and the line of the first YAML error.
 */
export function parseYamlDocuments(
  file: string,
  text: string,
  stats?: YamlStats,
): YamlDocument[] {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const out: YamlDocument[] = [];
  const { spans, directives } = splitDocuments(text);
  // Directives (`%YAML`) belong to the document after them; rare enough to read whole.
  if (directives) parseSpan(file, { text, line: 1 }, out, stats);
  else for (const span of spans) parseSpan(file, span, out, stats);
  return out;
}
