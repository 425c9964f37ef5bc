/**
 * Configuration: upstream kube-proxy's flags and `KubeProxyConfiguration`
 * file, with upstream's defaulting and precedence, validated into one typed
 * {@linkcode ProxyConfig}. Every bad value fails with a
 * {@linkcode ConfigError} naming the flag, or the field and the file.
 *
 * - {@linkcode resolveConfig}: argv (and the `--config` file it names) to
 *   the configuration; {@linkcode configFromFlags} for flags alone;
 * - {@linkcode proxySettingsFrom}: the renderer's settings, the same for the
 *   daemon, `--dry-run` and `explain`;
 * - {@linkcode encodeConfig}: `--write-config-to`.
 *
 * @module
 */

export { ConfigError, type ConfigErrorOptions, invalidValue } from "./config_error.ts";
export {
  CONFIG_API_VERSION,
  CONFIG_KIND,
  decodeConfigFile,
  type DecodedConfigFile,
  type FieldValue,
} from "./config_file.ts";
export { formatDuration, parseDuration } from "./duration.ts";
export { type FlagKind, FLAGS, type FlagScope, type FlagSpec, lookupFlag } from "./flag_table.ts";
export { type FlagValue, type GivenFlag, parseArgs, type ParsedArgs } from "./flags.ts";
export {
  formatHostPort,
  type HostPort,
  HostPortError,
  parseHostPort,
  type ParseHostPortOptions,
} from "./host_port.ts";
export { describeOrigin, fileOrigin, flagOrigin, type Origin } from "./origin.ts";
export type { ProxyConfig, ProxyMode } from "./proxy_config.ts";
export {
  type BuiltProxySettings,
  proxySettingsFrom,
  type ProxySettingsOptions,
} from "./proxy_settings_from.ts";
export {
  type Command,
  commandOf,
  configFromFlags,
  type ExplainArgs,
  resolveConfig,
  type ResolvedConfig,
  type ResolveHost,
  resolveParsed,
  resolveWithText,
  SYSTEM_HOST,
} from "./resolve_config.ts";
export { encodeConfig, extensionFlags } from "./write_config.ts";
