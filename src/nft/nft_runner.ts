/**
 * Runs nft: feeds a script to one `nft -f -` (one atomic transaction) and
 * reports failures with nft's own message and the failing script line.
 *
 * @module
 */

/** Raised when nft rejects a script or cannot run. */
export class NftError extends Error {
  /** nft's stderr. */
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
  /** Runs `nft` with arguments and returns stdout; throws {@linkcode NftError}. */
  run(args: string[]): Promise<string>;
}

/** Options of {@linkcode ExecNftRunner}. */
export interface ExecNftRunnerOptions {
  /** Command prefix, e.g. `["ip", "netns", "exec", "ns1", "nft"]`. @default ["nft"] */
  command?: string[];
}

const decoder = new TextDecoder();

/** Line numbers nft names in `/dev/stdin:12:3-10: Error: ...`. */
export function failingLineNumbers(stderr: string): number[] {
  const out = new Set<number>();
  for (const m of stderr.matchAll(/^(?:\/dev\/stdin|-):(\d+):/gm)) out.add(Number(m[1]));
  return [...out];
}

/** Runs the nft binary as a child process. */
export class ExecNftRunner implements NftRunner {
  readonly command: string[];

  constructor(options: ExecNftRunnerOptions = {}) {
    this.command = options.command ?? ["nft"];
  }

  async apply(script: string): Promise<void> {
    await this.#exec(["-f", "-"], script);
  }

  run(args: string[]): Promise<string> {
    return this.#exec(args);
  }

  async #exec(args: string[], stdin?: string): Promise<string> {
    const [cmd, ...pre] = this.command;
    let child: Deno.ChildProcess;
    try {
      child = new Deno.Command(cmd, {
        args: [...pre, ...args],
        stdin: stdin === undefined ? "null" : "piped",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
    } catch (e) {
      throw new NftError(`cannot run ${cmd}: ${(e as Error).message}`, "", new Map(), { cause: e });
    }
    if (stdin !== undefined) {
      const w = child.stdin.getWriter();
      try {
        await w.write(new TextEncoder().encode(stdin));
      } finally {
        await w.close().catch(() => {});
      }
    }
    const out = await child.output();
    const stdout = decoder.decode(out.stdout);
    if (out.success) return stdout;
    const stderr = decoder.decode(out.stderr).trim();
    const lines = new Map<number, string>();
    if (stdin !== undefined) {
      const all = stdin.split("\n");
      for (const n of failingLineNumbers(stderr)) lines.set(n, all[n - 1] ?? "");
    }
    const first = stderr.split("\n").find((l) => /Error:/.test(l)) ?? stderr.split("\n")[0] ?? "";
    throw new NftError(`nft ${args.join(" ")} failed (exit ${out.code}): ${first}`, stderr, lines);
  }
}
