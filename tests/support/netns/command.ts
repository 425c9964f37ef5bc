/**
 * Running commands on the host or inside a named network namespace.
 * @module
 */
import { CommandError } from "./errors.ts";

/** Outcome of a finished command. */
export interface CommandResult {
  /** Exit code. */
  code: number;
  /** Standard output, decoded as UTF-8. */
  stdout: string;
  /** Standard error, decoded as UTF-8. */
  stderr: string;
}

/** Options for {@linkcode run}. */
export interface RunOptions {
  /** Text written to the command's standard input. @default no input */
  stdin?: string;
  /** Throw {@linkcode CommandError} on a non-zero exit. @default true */
  check?: boolean;
  /** Kill the command after this many milliseconds. @default 30000 */
  timeoutMs?: number;
}

const decoder = new TextDecoder();

/**
 * Runs `argv` to completion and returns its output.
 * @throws {CommandError} when it cannot start, times out, or (with `check`) exits non-zero
 */
export async function run(
  argv: readonly string[],
  options: RunOptions = {},
): Promise<CommandResult> {
  if (argv.length === 0) throw new RangeError("Cannot run: 'argv' must not be empty");
  const { stdin, check = true, timeoutMs = 30_000 } = options;
  const signal = AbortSignal.timeout(timeoutMs);
  let output: Deno.CommandOutput;
  try {
    const child = new Deno.Command(argv[0], {
      args: argv.slice(1),
      stdin: stdin === undefined ? "null" : "piped",
      stdout: "piped",
      stderr: "piped",
      signal,
    }).spawn();
    if (stdin !== undefined) {
      const writer = child.stdin.getWriter();
      try {
        await writer.write(new TextEncoder().encode(stdin));
      } finally {
        await writer.close().catch(() => {});
      }
    }
    output = await child.output();
  } catch (cause) {
    throw new CommandError(argv, -1, String(cause), { cause });
  }
  const result = {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
  if (signal.aborted) {
    throw new CommandError(argv, -1, `timed out after ${timeoutMs} ms\n${result.stderr}`);
  }
  if (check && result.code !== 0) throw new CommandError(argv, result.code, result.stderr);
  return result;
}

/** Prefixes `argv` so that it runs inside network namespace `ns`. */
export function inNamespace(ns: string, argv: readonly string[]): string[] {
  return ["ip", "netns", "exec", ns, ...argv];
}

/** Runs several `ip` commands (one per line, no leading `ip`) in namespace `ns` at once. */
export async function ipBatch(ns: string, lines: readonly string[]): Promise<void> {
  if (lines.length === 0) return;
  await run(["ip", "-n", ns, "-batch", "-"], { stdin: lines.join("\n") + "\n" });
}

/** Absolute path of a file in `tests/support/agents/`. */
export function agentPath(file: string): string {
  return decodeURIComponent(new URL(`../agents/${file}`, import.meta.url).pathname);
}
