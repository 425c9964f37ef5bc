/**
 * Runs a helper program (`nft`, `conntrack`, `iptables-save`) with an
 * optional script on its standard input, and collects its output. The
 * callers turn a failure into their own typed error: this module only
 * separates "could not start" (thrown) from "ran and failed" (returned).
 *
 * @module
 */

/** What a finished command left behind. */
export interface CommandResult {
  success: boolean;
  code: number;
  stdout: string;
  /** Standard error, trimmed. */
  stderr: string;
}

/**
 * Runs `argv[0]` with the other elements as arguments, writes `stdin` to it
 * when given (the standard input is closed otherwise), and waits for it.
 *
 * @throws {Deno.errors.NotFound} when the program does not exist
 * @throws {Deno.errors.NotCapable} when Deno's `--allow-run` does not cover it
 *
 * @example Run a command and read what it printed
 * ```ts
 * import assert from "node:assert/strict";
 * import { runCommand } from "./run_command.ts";
 *
 * const result = await runCommand([Deno.execPath(), "eval", "console.log(await new Response(Deno.stdin.readable).text())"], "hello");
 * assert.equal(result.success, true);
 * assert.equal(result.stdout, "hello\n");
 * ```
 */
export async function runCommand(argv: readonly string[], stdin?: string): Promise<CommandResult> {
  const child = new Deno.Command(argv[0], {
    args: argv.slice(1),
    stdin: stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (stdin !== undefined) {
    const writer = child.stdin.getWriter();
    try {
      await writer.write(new TextEncoder().encode(stdin));
    } catch {
      // The program exited without reading all of it; its exit status says why.
    } finally {
      await writer.close().catch(() => {});
    }
  }
  const out = await child.output();
  const decoder = new TextDecoder();
  return {
    success: out.success,
    code: out.code,
    stdout: decoder.decode(out.stdout),
    stderr: decoder.decode(out.stderr).trim(),
  };
}
