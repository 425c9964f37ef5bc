/**
 * `explain --src IP --dst IP:PORT[/PROTO]`: prints how the proxy treats one
 * packet, reading the objects from `--manifests` or the API server.
 *
 * @module
 */

import type { ProxyOptions } from "../config/options.ts";
import { settingsFrom } from "../config/resolve_options.ts";
import { ConfigError } from "../config/config_error.ts";
import type { Logger } from "../log/logger.ts";
import { tryParseIp } from "../model/ip.ts";
import { parseProtocol } from "../model/problems.ts";
import { explainPacket, formatExplanation, type PacketQuery } from "../explain/explain_packet.ts";
import { loadStateOnce } from "./dry_run.ts";

/** Parses `--src` and `--dst` into a packet; throws ConfigError naming the flag. */
export function parsePacket(src: string, dst: string): PacketQuery {
  const s = tryParseIp(src);
  if (!s) {
    throw new ConfigError(`invalid value ${JSON.stringify(src)} for --src: want an IP address`);
  }
  const m = /^(?:\[([^\]]+)\]|([^:/\[\]]+)):([0-9]{1,5})(?:\/([a-zA-Z]+))?$/.exec(dst.trim());
  const d = tryParseIp(m?.[1] ?? m?.[2]);
  const port = Number(m?.[3]);
  const protocol = parseProtocol((m?.[4] ?? "tcp").toUpperCase());
  if (!m || !d || !(port >= 1 && port <= 65535) || !protocol) {
    throw new ConfigError(
      `invalid value ${
        JSON.stringify(dst)
      } for --dst: want IP:PORT[/tcp|udp|sctp], IPv6 as [ADDR]:PORT`,
    );
  }
  return { src: s, dst: d, port, protocol };
}

/** Runs `explain`; returns the exit code. */
export async function runExplain(
  o: ProxyOptions,
  nodeName: string,
  args: string[],
  log: Logger,
): Promise<number> {
  if (args.length > 0) {
    throw new ConfigError(`unexpected argument ${JSON.stringify(args[0])} for explain`);
  }
  if (!o.explainSrc || !o.explainDst) {
    throw new ConfigError("explain needs --src IP and --dst IP:PORT[/PROTO]");
  }
  if (o.output !== "text" && o.output !== "json") {
    throw new ConfigError(
      `invalid value ${JSON.stringify(o.output)} for --output: want text or json`,
    );
  }
  const packet = parsePacket(o.explainSrc, o.explainDst);
  const state = await loadStateOnce(o, nodeName, log);
  const e = explainPacket(state, settingsFrom(o, nodeName), packet);
  console.log(o.output === "json" ? JSON.stringify(e, null, 2) : formatExplanation(e));
  return 0;
}
