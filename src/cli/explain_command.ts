/**
 * `explain --src IP --dst IP:PORT[/PROTO]`: prints how the proxy treats one
 * packet, reading the objects from `--manifests` or the API server.
 *
 * @module
 */

import { ConfigError, invalidValue } from "../config/config_error.ts";
import { HostPortError, parseHostPort } from "../config/host_port.ts";
import { flagOrigin } from "../config/origin.ts";
import type { ProxyConfig } from "../config/proxy_config.ts";
import { proxySettingsFrom } from "../config/proxy_settings_from.ts";
import type { ExplainArgs } from "../config/resolve_config.ts";
import type { Logger } from "../log/logger.ts";
import { tryParseIp } from "../model/ip.ts";
import { parseProtocol } from "../model/problems.ts";
import { explainPacket, formatExplanation, type PacketQuery } from "../explain/explain_packet.ts";
import { startClusterSource } from "./cluster_source.ts";

/** Parses `--src` and `--dst` into a packet; throws ConfigError naming the flag. */
export function parsePacket(src: string, dst: string): PacketQuery {
  const s = tryParseIp(src);
  if (!s) throw invalidValue(flagOrigin("src"), src, "want an IP address");
  const want = "want IP:PORT[/tcp|udp|sctp], IPv6 as [ADDR]:PORT";
  const m = /^(.*?)(?:\/([A-Za-z]+))?$/.exec(dst.trim())!;
  const protocol = parseProtocol((m[2] ?? "tcp").toUpperCase());
  if (!protocol) throw invalidValue(flagOrigin("dst"), dst, want);
  let d;
  try {
    d = parseHostPort(m[1]);
  } catch (e) {
    const why = e instanceof HostPortError ? `${e.reason}; ` : "";
    throw invalidValue(flagOrigin("dst"), dst, `${why}${want}`);
  }
  return { src: s, dst: tryParseIp(d.hostname)!, port: d.port, protocol };
}

/** Runs `explain`; returns the exit code. */
export async function runExplain(
  config: ProxyConfig,
  args: ExplainArgs,
  log: Logger,
): Promise<number> {
  if (!args.src || !args.dst) {
    throw new ConfigError("explain needs --src IP and --dst IP:PORT[/PROTO]");
  }
  if (args.output !== "text" && args.output !== "json") {
    throw invalidValue(flagOrigin("output"), args.output, "want text or json");
  }
  const packet = parsePacket(args.src, args.dst);
  const { state } = await startClusterSource(config, { logger: log, watch: false });
  const e = explainPacket(state, proxySettingsFrom(config), packet);
  console.log(args.output === "json" ? JSON.stringify(e, null, 2) : formatExplanation(e));
  return 0;
}
