/**
 * Deep equality of two parsed manifest objects, ignoring
 * `metadata.resourceVersion` (which the manifest source assigns itself).
 *
 * @module
 */

function equal(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) {
    return Number.isNaN(a) && Number.isNaN(b);
  }
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!equal(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) {
    if (!Object.hasOwn(b, k)) return false;
    if (!equal((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  }
  return true;
}

/** Whether two manifest objects have the same content apart from `metadata.resourceVersion`. */
export function sameContent(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  if (a === b) return true;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) {
    if (!Object.hasOwn(b, k)) return false;
    const va = a[k];
    const vb = b[k];
    if (k !== "metadata" || typeof va !== "object" || typeof vb !== "object" || !va || !vb) {
      if (!equal(va, vb)) return false;
      continue;
    }
    const { resourceVersion: _a, ...ma } = va as Record<string, unknown>;
    const { resourceVersion: _b, ...mb } = vb as Record<string, unknown>;
    if (!equal(ma, mb)) return false;
  }
  return true;
}
