/**
 * Writes plain data as YAML the way `kubectl get -o yaml` does (Go's
 * sigs.k8s.io/yaml): keys sorted, sequences not indented under their key,
 * strings quoted with double quotes only when they would read as something
 * else, multi-line strings as `|` literal blocks. Used to produce manifests
 * shaped like real tool output, not like our own parser's favourite input.
 *
 * @module
 */

// Plain scalars that a YAML 1.1/1.2 reader would take for a non-string.
const NON_STRING =
  /^(?:[-+]?(?:\d[\d_]*(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?|0x[0-9a-fA-F]+|0o?[0-7]+|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)|~|null|Null|NULL|true|True|TRUE|false|False|FALSE|y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF|\d{4}-\d\d?-\d\d?(?:[Tt ].*)?)$/;

function needsQuotes(s: string): boolean {
  if (s === "") return true;
  if (NON_STRING.test(s)) return true;
  if (/^[\s\-?:,[\]{}#&*!|>'"%@`]/.test(s) && !/^-[^\s]/.test(s)) return true;
  if (/^-$|^- /.test(s)) return true;
  if (/[\s]$/.test(s) || /: |:$| #/.test(s)) return true;
  // deno-lint-ignore no-control-regex
  return /[\x00-\x1f\x7f]/.test(s);
}

function scalar(v: unknown): string {
  if (v === null || v === undefined) return "null";
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  const s = String(v);
  return needsQuotes(s) ? JSON.stringify(s) : s;
}

function isMultiLine(v: unknown): v is string {
  // deno-lint-ignore no-control-regex
  return typeof v === "string" && v.includes("\n") && !/[\x00-\x09\x0b-\x1f]/.test(v);
}

function block(s: string, indent: string): string {
  const chomp = s.endsWith("\n") ? (s.endsWith("\n\n") ? "+" : "") : "-";
  const body = s.endsWith("\n") ? s.slice(0, -1) : s;
  return `|${chomp}\n` + body.split("\n").map((l) => (l ? indent + l : "")).join("\n");
}

function emit(value: unknown, indent: string, out: string[]): void {
  if (Array.isArray(value)) {
    for (const item of value) {
      if (item !== null && typeof item === "object" && Object.keys(item).length > 0) {
        const lines: string[] = [];
        emit(item, indent + "  ", lines);
        out.push(indent + "- " + lines[0].slice(indent.length + 2), ...lines.slice(1));
      } else out.push(`${indent}- ${inline(item, indent + "  ")}`);
    }
    return;
  }
  const obj = value as Record<string, unknown>;
  for (const key of Object.keys(obj).sort()) {
    const v = obj[key];
    if (v === undefined) continue;
    const k = scalar(key);
    if (v !== null && typeof v === "object" && Object.keys(v).length > 0) {
      out.push(`${indent}${k}:`);
      emit(v, Array.isArray(v) ? indent : indent + "  ", out);
    } else out.push(`${indent}${k}: ${inline(v, indent + "  ")}`);
  }
}

function inline(v: unknown, indent: string): string {
  if (Array.isArray(v)) return "[]";
  if (v !== null && typeof v === "object") return "{}";
  return isMultiLine(v) ? block(v, indent) : scalar(v);
}

/** One object as kubectl prints it (no document marker), ending with a newline. */
export function toKubectlYaml(value: Record<string, unknown>): string {
  const out: string[] = [];
  emit(value, "", out);
  return out.join("\n") + "\n";
}

/** Several objects as one multi-document stream, `---` between documents. */
export function toYamlDocuments(values: Iterable<Record<string, unknown>>): string {
  const docs: string[] = [];
  for (const v of values) docs.push(toKubectlYaml(v));
  return docs.join("---\n");
}

/** Several objects as `kubectl get -o yaml` prints them: one `kind: List`. */
export function toKubectlList(values: Iterable<Record<string, unknown>>): string {
  return toKubectlYaml({
    apiVersion: "v1",
    items: [...values],
    kind: "List",
    metadata: { resourceVersion: "" },
  });
}
