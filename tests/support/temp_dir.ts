/**
 * A temporary directory for one test: created, handed to the test, and
 * removed afterwards whatever happens.
 * @module
 */

/** Runs `fn` with a new temporary directory (named with `prefix`), then removes it. */
export async function withTempDir<T>(
  prefix: string,
  fn: (dir: string) => Promise<T>,
): Promise<T> {
  const dir = await Deno.makeTempDir({ prefix });
  try {
    return await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
