/**
 * Finds the members of a set that make a check fail, by bisection: the check
 * of the whole set fails, so it is split in halves until each failing part is
 * one member. Used to find the Services whose rules the kernel rejects, so
 * the others can still be programmed. With one bad member among n it runs
 * about 2·log2(n) checks of shrinking size.
 *
 * @module
 */

/**
 * Returns the members of `items` that make `check` fail. A set is assumed to
 * fail when one of its members is bad; when two halves pass on their own but
 * fail together (members that only fail in combination), the second half is
 * returned whole, so that the rest always passes. When the whole set passes,
 * returns [].
 *
 * @example
 * ```ts
 * import { findRejected } from "./bisect.ts";
 * const bad = await findRejected([1, 2, 3, 4], (xs) => Promise.resolve(!xs.includes(3)));
 * console.assert(bad.length === 1 && bad[0] === 3);
 * ```
 */
export async function findRejected<T>(
  items: readonly T[],
  check: (subset: readonly T[]) => Promise<boolean>,
): Promise<T[]> {
  if (items.length === 0 || await check(items)) return [];
  const bad: T[] = [];
  const stack: T[][] = [[...items]];
  while (stack.length > 0) {
    const part = stack.pop()!;
    if (part.length === 1) {
      bad.push(part[0]);
      continue;
    }
    const half = Math.ceil(part.length / 2);
    const left = part.slice(0, half), right = part.slice(half);
    const leftOk = await check(left);
    const rightOk = await check(right);
    if (!leftOk) stack.push(left);
    if (!rightOk) stack.push(right);
    if (leftOk && rightOk) bad.push(...right);
  }
  return bad;
}
