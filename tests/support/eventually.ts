/**
 * Retries an async check until it passes or time runs out; the last failure
 * is rethrown, so the test reports what was still wrong.
 *
 * @module
 */

/** Runs `check` until it does not throw, every `intervalMs`, for at most `timeoutMs`. */
export async function eventually<T>(
  check: () => Promise<T>,
  timeoutMs = 10000,
  intervalMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  }
}

/** True when running as root; otherwise logs why the test is skipped. */
export function isRoot(what: string): boolean {
  if (Deno.uid() === 0) return true;
  console.warn(`SKIP ${what}: needs root (network namespaces and nft)`);
  return false;
}
