/**
 * A small YAML writer that lays plain data out the way `kubectl get -o yaml`
 * prints objects: keys in sorted order, two-space indentation, sequences at
 * the same indentation as their key, empty maps as `{}`, and strings quoted
 * (JSON-style double quotes) only where a YAML reader would otherwise take
 * them for a number, boolean, null or timestamp. Enough for Kubernetes
 * objects (no anchors, no multi-line strings).
 *
 * @module
 */

/** Strings that read as something else when unquoted. */
const AMBIGUOUS =
  /^(?:[-+]?[0-9][0-9_]*(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?|[-+]?\.[0-9]+|0x[0-9a-fA-F]+|0o[0-7]+|[-+]?\.inf|\.nan|~|null|true|false|yes|no|on|off|y|n|[0-9]{4}-[0-9]{2}-[0-9]{2}.*)$/i;

/** The scalar's YAML text. */
export function yamlScalar(v: unknown): string {
  if (v === null || v === undefined) return "null";
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  const s = String(v);
  const plain = s !== "" && !AMBIGUOUS.test(s) && !/^[\s!"#%&'*,>?@[\]`{|}:-]/.test(s) &&
    !/: | #|:$|\s$|[\n\r\t"]/.test(s);
  return plain ? s : JSON.stringify(s);
}

function isMap(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function emit(value: unknown, indent: string, out: string[]): void {
  if (Array.isArray(value)) {
    for (const item of value) {
      if (isMap(item) && Object.keys(item).length > 0) {
        const inner: string[] = [];
        emit(item, indent + "  ", inner);
        out.push(`${indent}- ${inner[0].slice(indent.length + 2)}`, ...inner.slice(1));
      } else if (Array.isArray(item) && item.length > 0) {
        const inner: string[] = [];
        emit(item, indent + "  ", inner);
        out.push(`${indent}- ${inner[0].slice(indent.length + 2)}`, ...inner.slice(1));
      } else out.push(`${indent}- ${inline(item)}`);
    }
    return;
  }
  const obj = value as Record<string, unknown>;
  for (const key of Object.keys(obj).sort()) {
    const v = obj[key];
    if (v === undefined) continue;
    const k = yamlScalar(key);
    if (isMap(v) && Object.keys(v).length > 0) {
      out.push(`${indent}${k}:`);
      emit(v, indent + "  ", out);
    } else if (Array.isArray(v) && v.length > 0) {
      out.push(`${indent}${k}:`);
      emit(v, indent, out);
    } else out.push(`${indent}${k}: ${inline(v)}`);
  }
}

function inline(v: unknown): string {
  if (Array.isArray(v)) return "[]";
  if (isMap(v)) return "{}";
  return yamlScalar(v);
}

/** One object as a YAML document (without the `---` separator), ending with a newline. */
export function toKubectlYaml(obj: Record<string, unknown>): string {
  const out: string[] = [];
  emit(obj, "", out);
  return out.join("\n") + "\n";
}

/** Several objects as one multi-document YAML stream (`---` between documents). */
export function toYamlStream(objects: Iterable<Record<string, unknown>>): string {
  const parts: string[] = [];
  for (const o of objects) parts.push(toKubectlYaml(o));
  return parts.join("---\n");
}
