/**
 * kube-nft-proxy: the command-line entry point.
 *
 * Exit codes: 0 success; 1 a runtime failure, or the `--config` file changed
 * (the supervisor restarts the proxy with it); 2 a bad flag, configuration
 * field or value.
 *
 * @module
 */

import { ConfigError } from "./src/config/config_error.ts";
import { parseArgs, type ParsedArgs } from "./src/config/flags.ts";
import {
  commandOf,
  type ResolvedConfig,
  resolveParsed,
  resolveWithText,
} from "./src/config/resolve_config.ts";
import { encodeConfig } from "./src/config/write_config.ts";
import { helpText } from "./src/cli/help_text.ts";
import { versionLine } from "./src/util/version.ts";
import { Logger } from "./src/log/logger.ts";
import { dryRunScript } from "./src/cli/dry_run.ts";
import { runProxy } from "./src/cli/run_proxy.ts";
import { runExplain } from "./src/cli/explain_command.ts";
import { cleanupTables } from "./src/nft/cleanup.ts";
import { openNftRunner } from "./src/nft/open_runner.ts";
import { installProcessGuards } from "./src/servers/process_guards.ts";
import { acquireInstanceLock, InstanceLockError } from "./src/host/instance_lock.ts";
import { applyConntrackSysctls } from "./src/host/conntrack_sysctls.ts";

async function execute(args: ParsedArgs, resolved: ResolvedConfig, log: Logger): Promise<number> {
  const config = resolved.config;
  switch (resolved.command) {
    case "write-config":
      await Deno.writeTextFile(resolved.writeConfigTo, encodeConfig(config, resolved.passthrough));
      log.info("Wrote configuration", { file: resolved.writeConfigTo });
      return 0;
    case "cleanup": {
      const nft = openNftRunner(config.nftBackend);
      try {
        const deleted = await cleanupTables(nft.runner, config.tableName);
        log.info(deleted.length > 0 ? "Removed the proxy's tables" : "Nothing to clean up", {
          tables: deleted.join(", "),
        });
      } finally {
        nft.close();
      }
      return 0;
    }
    case "init-only": {
      const results = await applyConntrackSysctls(config.conntrack, { logger: log });
      log.info("System initialized and --init-only specified");
      return results.some((x) => x.outcome === "failed") ? 1 : 0;
    }
    case "dry-run":
      await Deno.stdout.write(new TextEncoder().encode(await dryRunScript(config, log)));
      return 0;
    case "explain":
      return await runExplain(config, resolved.explain!, log);
    default: {
      // One proxy per node (network namespace): a second one refuses before touching any rule.
      let lock;
      try {
        lock = acquireInstanceLock();
      } catch (e) {
        if (e instanceof InstanceLockError) {
          log.error((e as Error).message);
          return 1;
        }
        throw e;
      }
      try {
        log.info("Starting kube-nft-proxy", {
          version: versionLine(),
          node: config.nodeName,
          mode: "nftables",
        });
        return await runProxy(config, log, {
          configText: resolved.file?.text,
          checkConfig: (text) => {
            resolveWithText(args, text, { hostname: () => config.nodeName });
            return Promise.resolve();
          },
        });
      } finally {
        lock.release();
      }
    }
  }
}

/** Runs the CLI with `args`; returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  let args: ParsedArgs;
  let resolved: ResolvedConfig;
  try {
    args = parseArgs(argv);
    const command = commandOf(args);
    if (command === "help") {
      console.log(helpText());
      return 0;
    }
    if (command === "version") {
      console.log(versionLine());
      return 0;
    }
    resolved = await resolveParsed(args);
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(`error: ${e.message}`);
      return 2;
    }
    throw e;
  }
  const config = resolved.config;
  const log = new Logger({ verbosity: config.verbosity, format: config.loggingFormat });
  // First thing: nothing may kill the process by an unhandled rejection (servers, sources, syncs).
  installProcessGuards(log);
  for (const w of resolved.notes.warnings) log.warn(w);
  if (resolved.notes.unusedFields.length > 0) {
    log.v(2).info("Configuration fields not used by this proxy", {
      fields: resolved.notes.unusedFields.join(","),
    });
  }
  try {
    return await execute(args, resolved, log);
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
