/**
 * The renderer's settings from the typed configuration: ONE function for the
 * daemon, `--dry-run` and `explain`, so that the dry run prints exactly what
 * the daemon applies, this host's interface addresses included.
 *
 * @module
 */

import type { IpAddr } from "../model/ip.ts";
import type { ProxySettings } from "../plan/proxy_settings.ts";
import { interfaceAddresses } from "../host/interface_addresses.ts";
import type { ProxyConfig } from "./proxy_config.ts";

/** The settings built from a configuration (`nodeIPOverride` always set, possibly empty). */
export interface BuiltProxySettings extends ProxySettings {
  nodeIPOverride: IpAddr[];
}

/** Options of {@linkcode proxySettingsFrom}. */
export interface ProxySettingsOptions {
  /**
   * Reads this host's interface addresses, used only when `nodePortAddresses`
   * are CIDRs. @default the addresses of `Deno.networkInterfaces()`
   */
  localAddresses?: () => IpAddr[];
}

/**
 * The renderer's settings for `config`.
 *
 * @example The renderer's settings, the same for the daemon, --dry-run and explain
 * ```ts
 * import assert from "node:assert/strict";
 * import { proxySettingsFrom } from "./proxy_settings_from.ts";
 * import { configFromFlags } from "./resolve_config.ts";
 * import { parseIp } from "../model/ip.ts";
 *
 * const config = configFromFlags([
 *   "--hostname-override=worker-0",
 *   "--nodeport-addresses=192.168.0.0/16",
 * ]);
 * const settings = proxySettingsFrom(config, { localAddresses: () => [parseIp("192.168.1.10")] });
 * assert.equal(settings.nodeName, "worker-0");
 * assert.equal(typeof settings.localAddresses, "function", "re-read at every full sync");
 * ```
 */
export function proxySettingsFrom(
  config: ProxyConfig,
  options: ProxySettingsOptions = {},
): BuiltProxySettings {
  const settings: BuiltProxySettings = {
    nodeName: config.nodeName,
    tableName: config.tableName,
    masqueradeBit: config.masqueradeBit,
    masqueradeAll: config.masqueradeAll,
    detectLocalMode: config.detectLocalMode,
    clusterCIDRs: config.clusterCIDRs,
    bridgeInterface: config.bridgeInterface,
    interfaceNamePrefix: config.interfaceNamePrefix,
    nodePortAddresses: config.nodePortAddresses,
    serviceCIDRs: config.serviceCIDRs,
    nodeIPOverride: config.nodeIPOverride,
    maxServiceElements: config.maxServiceElements,
    affinityMaxClients: config.affinityMaxClients,
  };
  if (config.nodePortAddresses !== "primary") {
    // CIDR nodePortAddresses select this host's interface addresses, as upstream; read again at
    // every full sync, so that an address added or removed later is picked up.
    settings.localAddresses = options.localAddresses ?? interfaceAddresses;
  }
  return settings;
}
