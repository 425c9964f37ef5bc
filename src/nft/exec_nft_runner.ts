/**
 * Runs the `nft` binary as a child process: each script goes to one
 * `nft -f -` (one atomic transaction). The fallback when libnftables cannot be
 * loaded; each call pays for a process start and a cache dump.
 *
 * @module
 */

import { type CommandResult, runCommand } from "../host/run_command.ts";
import { failingLines, firstErrorLine, NftError, type NftRunner } from "./nft_runner.ts";

/** Options of {@linkcode ExecNftRunner}. */
export interface ExecNftRunnerOptions {
  /** Command prefix, e.g. `["ip", "netns", "exec", "ns1", "nft"]`. @default ["nft"] */
  command?: string[];
}

/**
 * Runs the nft binary as a child process.
 *
 * @example Apply a script with `nft -f -` inside a network namespace (needs root: not run here)
 * ```ts
 * import { ExecNftRunner } from "./exec_nft_runner.ts";
 *
 * async function programLab(): Promise<string> {
 *   const nft = new ExecNftRunner({ command: ["ip", "netns", "exec", "lab", "nft"] });
 *   await nft.check("add table ip lab\n"); // parsed and validated, not committed
 *   await nft.apply("add table ip lab\n"); // one atomic transaction
 *   return await nft.run(["list", "tables"]);
 * }
 * ```
 */
export class ExecNftRunner implements NftRunner {
  readonly command: string[];

  constructor(options: ExecNftRunnerOptions = {}) {
    this.command = options.command ?? ["nft"];
  }

  async apply(script: string): Promise<void> {
    await this.#exec(["-f", "-"], script);
  }

  async check(script: string): Promise<void> {
    await this.#exec(["-c", "-f", "-"], script);
  }

  run(args: string[]): Promise<string> {
    return this.#exec(args);
  }

  async #exec(args: string[], stdin?: string): Promise<string> {
    const cmd = this.command[0];
    let out: CommandResult;
    try {
      out = await runCommand([...this.command, ...args], stdin);
    } catch (e) {
      throw new NftError(`cannot run ${cmd}: ${(e as Error).message}`, "", new Map(), { cause: e });
    }
    if (out.success) return out.stdout;
    const lines = stdin === undefined ? new Map<number, string>() : failingLines(out.stderr, stdin);
    throw new NftError(
      `nft ${args.join(" ")} failed (exit ${out.code}): ${firstErrorLine(out.stderr)}`,
      out.stderr,
      lines,
    );
  }
}
