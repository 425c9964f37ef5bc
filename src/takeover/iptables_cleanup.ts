/**
 * Removes upstream kube-proxy's iptables-mode leftovers (see
 * {@linkcode planIptablesCleanup}) with every iptables flavour installed:
 * iptables-nft and iptables-legacy, IPv4 and IPv6. One `*-save` and, when
 * something is left over, one `*-restore --noflush` (atomic per table) per
 * flavour. Idempotent. Missing binaries are skipped (logged at `--v=2`);
 * failures are logged, never thrown.
 *
 * @module
 */

import { type CommandResult, runCommand } from "../host/run_command.ts";
import type { Logger } from "../log/logger.ts";
import { planIptablesCleanup } from "./iptables_leftovers.ts";

/** The flavours tried, as `<name>-save` / `<name>-restore` pairs. */
export const IPTABLES_FLAVOURS: readonly string[] = [
  "iptables-nft",
  "ip6tables-nft",
  "iptables-legacy",
  "ip6tables-legacy",
];

/** What the cleanup did for one flavour. */
export interface FlavourResult {
  flavour: string;
  status: "missing" | "not-permitted" | "clean" | "removed" | "failed";
  removedChains: string[];
  removedJumps: number;
  kept: string[];
  error?: string;
}

/** Options of {@linkcode removeIptablesLeftovers}. */
export interface IptablesCleanupOptions {
  logger: Logger;
  /** @default {@linkcode IPTABLES_FLAVOURS} */
  flavours?: readonly string[];
  /** Prefix of every command, e.g. `["ip", "netns", "exec", "ns1"]`. @default [] */
  commandPrefix?: string[];
  /** Seconds to wait for the xtables lock. @default 5 */
  lockWaitSeconds?: number;
}

class MissingBinary extends Error {}
class NotPermitted extends Error {}

async function run(argv: string[], stdin?: string): Promise<string> {
  let out: CommandResult;
  try {
    out = await runCommand(argv, stdin);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) throw new MissingBinary(argv[0], { cause: e });
    if (e instanceof Deno.errors.NotCapable || e instanceof Deno.errors.PermissionDenied) {
      throw new NotPermitted(argv[0], { cause: e });
    }
    throw e;
  }
  if (!out.success) throw new Error(`${argv.join(" ")} failed (exit ${out.code}): ${out.stderr}`);
  return out.stdout;
}

/** Cleans one flavour. */
async function cleanFlavour(
  flavour: string,
  options: IptablesCleanupOptions,
): Promise<FlavourResult> {
  const pre = options.commandPrefix ?? [];
  const result: FlavourResult = {
    flavour,
    status: "clean",
    removedChains: [],
    removedJumps: 0,
    kept: [],
  };
  try {
    const plan = planIptablesCleanup(await run([...pre, `${flavour}-save`]));
    result.kept = plan.kept;
    if (plan.restore === "") return result;
    await run(
      [...pre, `${flavour}-restore`, "--noflush", "-w", String(options.lockWaitSeconds ?? 5)],
      plan.restore,
    );
    result.status = "removed";
    result.removedChains = plan.removedChains;
    result.removedJumps = plan.removedJumps;
  } catch (e) {
    if (e instanceof MissingBinary) result.status = "missing";
    else if (e instanceof NotPermitted) result.status = "not-permitted";
    else {
      result.status = "failed";
      result.error = (e as Error).message;
    }
  }
  return result;
}

/** Removes kube-proxy's iptables chains and jumps in every installed flavour. Never throws. */
export async function removeIptablesLeftovers(
  options: IptablesCleanupOptions,
): Promise<FlavourResult[]> {
  const results: FlavourResult[] = [];
  for (const flavour of options.flavours ?? IPTABLES_FLAVOURS) {
    const r = await cleanFlavour(flavour, options);
    results.push(r);
    if (r.status === "missing") {
      options.logger.v(2).info("No iptables leftovers check: binary not installed", { flavour });
    } else if (r.status === "not-permitted") {
      options.logger.warn(
        "Cannot check for upstream kube-proxy's iptables rules: not allowed to run",
        {
          command: `${flavour}-save`,
          hint: "add it to --allow-run",
        },
      );
    } else if (r.status === "failed") {
      options.logger.error("Failed to remove upstream kube-proxy's iptables rules", {
        flavour,
        error: r.error,
      });
    } else if (r.status === "removed") {
      options.logger.info("Removed upstream kube-proxy's iptables rules", {
        flavour,
        chains: r.removedChains.length,
        jumps: r.removedJumps,
      });
    }
    if (r.kept.length > 0) {
      options.logger.warn("Kept kube-proxy iptables chains that other rules still use", {
        flavour,
        chains: r.kept.join(", "),
      });
    }
  }
  return results;
}
