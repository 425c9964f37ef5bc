/**
 * kube-nft-proxy: the command-line entry point.
 *
 * @module
 */

import { nodeNameOf, resolveOptions } from "./src/config/resolve_options.ts";
import { ConfigError } from "./src/config/config_error.ts";
import { helpText } from "./src/cli/flags.ts";
import { versionLine } from "./src/version.ts";
import { Logger } from "./src/log/logger.ts";
import { dryRunScript } from "./src/cli/dry_run.ts";
import { runProxy } from "./src/cli/run_proxy.ts";
import { runExplain } from "./src/cli/explain_command.ts";
import { cleanupTables } from "./src/nft/cleanup.ts";
import { ExecNftRunner } from "./src/nft/exec_nft_runner.ts";

/** Runs the CLI with `args`; returns the exit code. */
export async function main(args: string[]): Promise<number> {
  let resolved;
  try {
    resolved = await resolveOptions(args);
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(`error: ${e.message}`);
      return 2;
    }
    throw e;
  }
  const { options: o, positional, warnings, ignoredFields } = resolved;
  if (o.help) {
    console.log(helpText());
    return 0;
  }
  if (o.version) {
    console.log(versionLine());
    return 0;
  }
  const log = new Logger({ verbosity: o.verbosity, format: o.loggingFormat });
  for (const w of warnings) log.warn(w);
  if (ignoredFields.length > 0) {
    log.v(2).info("Configuration fields not used by this proxy", {
      fields: ignoredFields.join(","),
    });
  }
  if (positional.length > 0 && positional[0] !== "explain") {
    console.error(`error: unexpected argument ${JSON.stringify(positional[0])} (see --help)`);
    return 2;
  }
  const nodeName = nodeNameOf(o);
  try {
    if (positional[0] === "explain") return await runExplain(o, nodeName, positional.slice(1), log);
    if (o.cleanup) {
      const deleted = await cleanupTables(new ExecNftRunner(), o.tableName);
      log.info(deleted.length > 0 ? "Removed the proxy's tables" : "Nothing to clean up", {
        tables: deleted.join(", "),
      });
      return 0;
    }
    if (o.dryRun) {
      const text = await dryRunScript(o, nodeName, log);
      await Deno.stdout.write(new TextEncoder().encode(text));
      return 0;
    }
    log.info("Starting kube-nft-proxy", {
      version: versionLine(),
      node: nodeName,
      mode: "nftables",
    });
    return await runProxy(o, nodeName, log);
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(`error: ${e.message}`);
      return 2;
    }
    const err = e as Error;
    log.error(err.message, { error: err.name });
    return 1;
  }
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
