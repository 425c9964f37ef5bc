/**
 * Builds the one typed configuration from argv (and the `--config` file it
 * names), as upstream's `options.go` does: parse the flags; load the file
 * with its defaulting, or start from the defaults; apply the flags with
 * upstream's precedence; validate. The daemon, `--dry-run`, `explain`,
 * `--init-only` and `--write-config-to` all start here.
 *
 * @module
 */

import { ConfigError } from "./config_error.ts";
import { decodeConfigFile, type DecodedConfigFile, type FieldValue } from "./config_file.ts";
import { Draft } from "./draft.ts";
import { type ConfigNotes, draftFromFile } from "./draft_from_file.ts";
import { applyFlags } from "./draft_from_flags.ts";
import { parseArgs, type ParsedArgs } from "./flags.ts";
import type { ProxyConfig } from "./proxy_config.ts";
import { validateDraft } from "./validate_config.ts";

/** What the invocation asks for. */
export type Command =
  | "run"
  | "dry-run"
  | "cleanup"
  | "init-only"
  | "write-config"
  | "explain"
  | "help"
  | "version";

/** The arguments of `explain`. */
export interface ExplainArgs {
  /** `--src`. */
  src: string;
  /** `--dst`. */
  dst: string;
  /** `--output`: text or json. */
  output: string;
}

/** The resolved invocation. */
export interface ResolvedConfig {
  command: Command;
  config: ProxyConfig;
  /** `--write-config-to`, or "". */
  writeConfigTo: string;
  /** With `explain`. */
  explain?: ExplainArgs;
  /** The decoded `--config` file, when one was given. */
  file?: DecodedConfigFile;
  /** Unused fields of the file, for `--write-config-to`. */
  passthrough: Map<string, FieldValue>;
  /** Warnings (log them at start) and unused fields (log them at `--v=2`). */
  notes: ConfigNotes;
}

/** What resolution needs from the host. */
export interface ResolveHost {
  readTextFile(path: string): Promise<string>;
  hostname(): string;
}

/** The real host. */
export const SYSTEM_HOST: ResolveHost = {
  readTextFile: (p) => Deno.readTextFile(p),
  hostname: () => Deno.hostname(),
};

const ACTIONS: [string, Command][] = [
  ["write-config-to", "write-config"],
  ["cleanup", "cleanup"],
  ["init-only", "init-only"],
  ["dry-run", "dry-run"],
];

/**
 * The command of parsed argv: `help` and `version` first; `explain` as the
 * first positional word; else one of the action flags, or `run`.
 *
 * @throws {ConfigError} for stray words, explain flags without `explain`, or
 * two actions at once.
 */
export function commandOf(args: ParsedArgs): Command {
  const { flags, positional } = args;
  if (flags.get("help")?.value === true) return "help";
  if (flags.get("version")?.value === true) return "version";
  const explain = positional[0] === "explain";
  const stray = positional.slice(explain ? 1 : 0);
  if (stray.length > 0) {
    throw new ConfigError(`unexpected argument ${JSON.stringify(stray[0])} (see --help)`);
  }
  if (!explain) {
    for (const f of flags.values()) {
      if (f.spec.command === "explain") {
        throw new ConfigError(`flag --${f.name} is only valid with the explain command`);
      }
    }
  }
  const actions = ACTIONS.filter(([flag]) => {
    const v = flags.get(flag)?.value;
    return v === true || (typeof v === "string" && v !== "");
  });
  if (actions.length + (explain ? 1 : 0) > 1) {
    const names = actions.map(([f]) => `--${f}`).concat(explain ? ["explain"] : []);
    throw new ConfigError(`${names.join(" and ")} cannot be combined`);
  }
  return explain ? "explain" : actions[0]?.[1] ?? "run";
}

/**
 * Resolves parsed argv into the typed configuration, with the `--config`
 * file's text already read (`undefined` without `--config`).
 *
 * @throws {ConfigError} naming the flag or the field and file of a bad value.
 */
export function resolveWithText(
  args: ParsedArgs,
  fileText: string | undefined,
  host: Pick<ResolveHost, "hostname"> = SYSTEM_HOST,
): ResolvedConfig {
  const command = commandOf(args);
  const { flags } = args;
  const configFile = (flags.get("config")?.value as string | undefined) ?? "";
  const notes: ConfigNotes = { warnings: [], unusedFields: [] };
  let draft: Draft;
  let file: DecodedConfigFile | undefined;
  if (configFile !== "") {
    if (fileText === undefined) throw new ConfigError(`--config ${configFile}: not read`);
    file = decodeConfigFile(configFile, fileText);
    notes.warnings.push(...file.warnings);
    draft = draftFromFile(file, notes);
  } else {
    draft = new Draft();
  }
  applyFlags(draft, flags, configFile, notes);
  const config = validateDraft(draft, configFile, host);
  const str = (name: string) => (flags.get(name)?.value as string | undefined) ?? "";
  return {
    command,
    config,
    writeConfigTo: str("write-config-to"),
    explain: command === "explain"
      ? { src: str("src"), dst: str("dst"), output: str("output") || "text" }
      : undefined,
    file,
    passthrough: draft.passthrough,
    notes,
  };
}

/** Resolves parsed argv into the typed configuration, reading the `--config` file. */
export async function resolveParsed(
  args: ParsedArgs,
  host: ResolveHost = SYSTEM_HOST,
): Promise<ResolvedConfig> {
  commandOf(args);
  const configFile = (args.flags.get("config")?.value as string | undefined) ?? "";
  let text: string | undefined;
  if (configFile !== "") {
    try {
      text = await host.readTextFile(configFile);
    } catch (e) {
      throw new ConfigError(`--config ${configFile}: cannot read: ${(e as Error).message}`, {
        cause: e,
      });
    }
  }
  return resolveWithText(args, text, host);
}

/**
 * The configuration of flags alone (no `--config`), synchronously: for
 * tools and tests that build settings, e.g.
 * `proxySettingsFrom(configFromFlags(["--cluster-cidr=10.244.0.0/16"]))`.
 *
 * @throws {ConfigError} for a bad flag or value, or a `--config` flag.
 *
 * @example Flags alone, as `kube-proxy` takes them
 * ```ts
 * import assert from "node:assert/strict";
 * import { configFromFlags } from "./resolve_config.ts";
 *
 * const config = configFromFlags([
 *   "--hostname-override=Worker-0",
 *   "--cluster-cidr=10.244.0.0/16,fd00:10:244::/56",
 *   "--healthz-bind-address=0.0.0.0",
 * ]);
 * assert.equal(config.nodeName, "worker-0");
 * assert.equal(config.clusterCIDRs.length, 2);
 * assert.deepEqual(config.healthzBindAddress, { hostname: "0.0.0.0", port: 10256, family: 4 });
 * assert.throws(() => configFromFlags(["--sync-period=fast"]), /--sync-period/);
 * ```
 */
export function configFromFlags(
  argv: readonly string[],
  host: Pick<ResolveHost, "hostname"> = SYSTEM_HOST,
): ProxyConfig {
  const args = parseArgs(argv);
  if (args.flags.has("config")) throw new ConfigError("configFromFlags() cannot read --config");
  return resolveWithText(args, undefined, host).config;
}

/**
 * Parses and resolves argv.
 *
 * @example A `--config` file and flags, with upstream's precedence (the file wins)
 * ```ts
 * import assert from "node:assert/strict";
 * import { resolveConfig } from "./resolve_config.ts";
 *
 * const files: Record<string, string> = {
 *   "/etc/kube-proxy/config.conf": `apiVersion: kubeproxy.config.k8s.io/v1alpha1
 * kind: KubeProxyConfiguration
 * mode: nftables
 * clusterCIDR: 10.244.0.0/16
 * `,
 * };
 * const resolved = await resolveConfig(
 *   ["--config=/etc/kube-proxy/config.conf", "--cluster-cidr=10.99.0.0/16", "--v=2"],
 *   { readTextFile: (p) => Promise.resolve(files[p]), hostname: () => "worker-0" },
 * );
 * assert.equal(resolved.config.clusterCIDRs[0].text, "10.244.0.0/16");
 * assert.equal(resolved.config.verbosity, 2, "logging flags still apply");
 * assert.match(resolved.notes.warnings.join("\n"), /flag --cluster-cidr is ignored/);
 * ```
 */
export function resolveConfig(
  argv: readonly string[],
  host: ResolveHost = SYSTEM_HOST,
): Promise<ResolvedConfig> {
  return resolveParsed(parseArgs(argv), host);
}
