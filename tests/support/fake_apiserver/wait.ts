/**
 * Test helper: polls a condition until it holds or a deadline passes.
 *
 * @module
 */

/** Resolves when `predicate()` is true (polled every 20 ms); rejects after `timeoutMs`. */
export async function waitUntil(
  predicate: () => boolean,
  timeoutMs: number,
  what: string,
): Promise<number> {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > timeoutMs) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return Date.now() - start;
}
