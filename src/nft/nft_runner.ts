/**
 * What the proxy needs from nft: apply a script as one atomic transaction,
 * check one without committing it, and run a listing command. Two runners
 * implement it: {@linkcode LibNftablesRunner} (libnftables in-process, the
 * default) and {@linkcode ExecNftRunner} (the `nft` binary).
 *
 * @module
 */

/** Raised when nft rejects a script or cannot run. */
export class NftError extends Error {
  /** nft's error output. */
  readonly stderr: string;
  /** The script lines nft complained about (1-based line → text). */
  readonly failingLines: Map<number, string>;

  constructor(
    message: string,
    stderr: string,
    failingLines: Map<number, string>,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = "NftError";
    this.stderr = stderr;
    this.failingLines = failingLines;
  }
}

/** What the proxy needs from nft. */
export interface NftRunner {
  /** Applies a script atomically; throws {@linkcode NftError}. */
  apply(script: string): Promise<void>;
  /** Checks a script against the kernel without committing it; throws {@linkcode NftError}. */
  check(script: string): Promise<void>;
  /** Runs an nft command (e.g. `["list", "tables"]`, `-t` allowed first) and returns its output. */
  run(args: string[]): Promise<string>;
}

/** Line numbers nft names in `FILE:12:3-10: Error: ...`. */
export function failingLineNumbers(stderr: string): number[] {
  const out = new Set<number>();
  for (const m of stderr.matchAll(/^[^\s:]+:(\d+):\d+(?:-\d+)?: Error/gm)) out.add(Number(m[1]));
  return [...out];
}

/** The failing lines of `script` named in nft's error output. */
export function failingLines(stderr: string, script: string): Map<number, string> {
  const lines = new Map<number, string>();
  const all = script.split("\n");
  for (const n of failingLineNumbers(stderr)) lines.set(n, all[n - 1] ?? "");
  return lines;
}

/** The first line of nft's error output that says what is wrong. */
export function firstErrorLine(stderr: string): string {
  const all = stderr.split("\n");
  return (all.find((l) => /Error:/.test(l)) ?? all[0] ?? "").trim();
}
