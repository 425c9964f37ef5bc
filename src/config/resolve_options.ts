/**
 * Merges defaults, the configuration file and flags (flags win), validates
 * the result, and derives the renderer's settings.
 *
 * @module
 */

import { ConfigError } from "./config_error.ts";
import { defaultOptions, type ProxyOptions } from "./options.ts";
import { parseConfigFile } from "./config_file.ts";
import { type FlagValues, parseFlags } from "../cli/flags.ts";
import { type Cidr, tryParseCidr, tryParseIp } from "../model/ip.ts";
import type { DetectLocalMode, ProxySettings } from "../plan/proxy_settings.ts";
import { isInterfaceName } from "../plan/family_context.ts";
import { isDnsSubdomain } from "../model/problems.ts";

/** Resolved options plus what to log about them. */
export interface ResolvedOptions {
  options: ProxyOptions;
  positional: string[];
  warnings: string[];
  ignoredFields: string[];
}

const MODES: DetectLocalMode[] = [
  "ClusterCIDR",
  "NodeCIDR",
  "BridgeInterface",
  "InterfaceNamePrefix",
];

/** Parses argv (and the --config file it names) into validated options. */
export async function resolveOptions(
  argv: readonly string[],
  readFile = Deno.readTextFile,
): Promise<ResolvedOptions> {
  const { values: flags, positional } = parseFlags(argv);
  const options = defaultOptions();
  const warnings: string[] = [];
  let ignoredFields: string[] = [];
  if (flags.config) {
    let text: string;
    try {
      text = await readFile(flags.config);
    } catch (e) {
      throw new ConfigError(`--config ${flags.config}: cannot read: ${(e as Error).message}`, {
        cause: e,
      });
    }
    const file = parseConfigFile(flags.config, text);
    Object.assign(options, file.values);
    warnings.push(...file.warnings);
    ignoredFields = file.ignored;
  }
  Object.assign(options, flags as FlagValues);
  if (flags.mode !== undefined && flags.mode !== "nftables" && flags.mode !== "") {
    warnings.push(
      `--proxy-mode ${
        JSON.stringify(flags.mode)
      } is not implemented: only nftables is; using nftables`,
    );
  }
  validateOptions(options);
  return { options, positional, warnings, ignoredFields };
}

function cidrList(name: string, list: string[]): Cidr[] {
  return list.map((t) => {
    const c = tryParseCidr(t);
    if (!c) throw new ConfigError(`invalid value ${JSON.stringify(t)} for ${name}: not a CIDR`);
    return c;
  });
}

function checkBindAddress(name: string, v: string): void {
  if (v === "") return;
  const m = /^(?:\[([^\]]+)\]|([^:]+)):([0-9]{1,5})$/.exec(v);
  const host = m?.[1] ?? m?.[2];
  if (!m || !tryParseIp(host) || Number(m[3]) > 65535) {
    throw new ConfigError(
      `invalid value ${JSON.stringify(v)} for ${name}: want IP:PORT, e.g. 0.0.0.0:10256`,
    );
  }
}

/** Throws ConfigError naming the flag or field of the first bad value. */
export function validateOptions(o: ProxyOptions): void {
  if (o.masqueradeBit < 0 || o.masqueradeBit > 31) {
    throw new ConfigError(
      `invalid value ${o.masqueradeBit} for nftables.masqueradeBit: must be 0..31`,
    );
  }
  if (o.minSyncPeriodMs < 0) {
    throw new ConfigError("invalid value for --min-sync-period: must be >= 0");
  }
  if (o.syncPeriodMs <= 0) throw new ConfigError("invalid value for --sync-period: must be > 0");
  if (o.fullSyncPeriodMs <= 0) {
    throw new ConfigError("invalid value for --full-sync-period: must be > 0");
  }
  if (o.driftCheckPeriodMs < 0) {
    throw new ConfigError("invalid value for --drift-check-period: must be >= 0");
  }
  if (o.verbosity < 0 || o.verbosity > 10) {
    throw new ConfigError(`invalid value ${o.verbosity} for --v: must be 0..10`);
  }
  if (o.loggingFormat !== "text" && o.loggingFormat !== "json") {
    throw new ConfigError(
      `invalid value ${JSON.stringify(o.loggingFormat)} for --logging-format: want text or json`,
    );
  }
  if (o.maxServiceElements < 1 || o.maxServiceElements > 10_000_000) {
    throw new ConfigError(
      `invalid value ${o.maxServiceElements} for --max-service-elements: must be 1..10000000`,
    );
  }
  if (o.affinityMaxClients < 1 || o.affinityMaxClients > 16_777_216) {
    throw new ConfigError(
      `invalid value ${o.affinityMaxClients} for --affinity-max-clients: must be 1..16777216`,
    );
  }
  if (!["auto", "libnftables", "exec"].includes(o.nftBackend)) {
    throw new ConfigError(
      `invalid value ${
        JSON.stringify(o.nftBackend)
      } for --nft-backend: want auto, libnftables or exec`,
    );
  }
  if (!MODES.includes(o.detectLocalMode)) {
    throw new ConfigError(
      `invalid value ${JSON.stringify(o.detectLocalMode)} for --detect-local-mode: want one of ${
        MODES.join(", ")
      }`,
    );
  }
  const clusterCidrs = o.clusterCIDR === ""
    ? []
    : cidrList("--cluster-cidr", o.clusterCIDR.split(",").map((s) => s.trim()));
  if (
    clusterCidrs.filter((c) => c.family === 4).length > 1 ||
    clusterCidrs.filter((c) => c.family === 6).length > 1
  ) {
    throw new ConfigError(
      `invalid value ${
        JSON.stringify(o.clusterCIDR)
      } for --cluster-cidr: at most one CIDR per IP family`,
    );
  }
  if (o.detectLocalMode === "BridgeInterface" && !isInterfaceName(o.podBridgeInterface)) {
    throw new ConfigError(
      `invalid value ${
        JSON.stringify(o.podBridgeInterface)
      } for --pod-bridge-interface: needed by --detect-local-mode=BridgeInterface; want an interface name`,
    );
  }
  if (o.detectLocalMode === "InterfaceNamePrefix" && !isInterfaceName(o.podInterfaceNamePrefix)) {
    throw new ConfigError(
      `invalid value ${
        JSON.stringify(o.podInterfaceNamePrefix)
      } for --pod-interface-name-prefix: needed by --detect-local-mode=InterfaceNamePrefix; want an interface name prefix`,
    );
  }
  const npa = o.nodePortAddresses.filter((a) => a !== "primary");
  if (npa.length > 0 && npa.length !== o.nodePortAddresses.length) {
    throw new ConfigError(
      "invalid value for --nodeport-addresses: 'primary' cannot be combined with CIDRs",
    );
  }
  cidrList("--nodeport-addresses", npa);
  cidrList("--service-cidrs", o.serviceCIDRs);
  checkBindAddress("--healthz-bind-address", o.healthzBindAddress);
  checkBindAddress("--metrics-bind-address", o.metricsBindAddress);
  if (!/^[A-Za-z][A-Za-z0-9_-]{0,63}$/.test(o.tableName)) {
    throw new ConfigError(
      `invalid value ${JSON.stringify(o.tableName)} for --nft-table: letters, digits, '-' and '_'`,
    );
  }
  if (o.hostnameOverride !== "" && !isDnsSubdomain(o.hostnameOverride.toLowerCase())) {
    throw new ConfigError(
      `invalid value ${
        JSON.stringify(o.hostnameOverride)
      } for --hostname-override: not a valid node name`,
    );
  }
}

/** The node name: --hostname-override, or the lower-cased hostname. */
export function nodeNameOf(o: ProxyOptions): string {
  return (o.hostnameOverride || Deno.hostname()).trim().toLowerCase();
}

/** The renderer's settings from validated options. */
export function settingsFrom(o: ProxyOptions, nodeName: string): ProxySettings {
  const npa = o.nodePortAddresses.filter((a) => a !== "primary");
  return {
    nodeName,
    tableName: o.tableName,
    masqueradeBit: o.masqueradeBit,
    masqueradeAll: o.masqueradeAll,
    detectLocalMode: o.detectLocalMode,
    clusterCIDRs: o.clusterCIDR === "" ? [] : cidrList("--cluster-cidr", o.clusterCIDR.split(",")),
    bridgeInterface: o.podBridgeInterface,
    interfaceNamePrefix: o.podInterfaceNamePrefix,
    nodePortAddresses: npa.length === 0 ? "primary" : cidrList("--nodeport-addresses", npa),
    serviceCIDRs: cidrList("--service-cidrs", o.serviceCIDRs),
    affinityMaxClients: o.affinityMaxClients,
    maxServiceElements: o.maxServiceElements,
  };
}
