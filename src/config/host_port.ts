/**
 * The one parser of `host:port` text: the healthz and metrics bind addresses
 * (`0.0.0.0:10256`, `[::]:10256`, a bare `0.0.0.0` that gets the default
 * port, as upstream's defaulting does) and `explain --dst` (`10.96.0.10:80`,
 * `[fd00::10]:53`). The host is always an IP literal; the result is typed.
 *
 * @module
 */

import { type Family, tryParseIp } from "../model/ip.ts";

/** A parsed `host:port`. `hostname` is canonical IP text, IPv6 without brackets. */
export interface HostPort {
  hostname: string;
  port: number;
  family: Family;
}

/** Error raised for text that is not `IP:PORT`; `input` is the text given. */
export class HostPortError extends Error {
  /** The text that could not be read. */
  readonly input: string;
  /** Why, without the input (for messages that name the input themselves). */
  readonly reason: string;
  constructor(input: string, reason: string, options?: ErrorOptions) {
    super(`invalid address ${JSON.stringify(input)}: ${reason}`, options);
    this.name = "HostPortError";
    this.input = input;
    this.reason = reason;
  }
}

/** Options of {@linkcode parseHostPort}. */
export interface ParseHostPortOptions {
  /**
   * Port given to a bare IP (`0.0.0.0` becomes `0.0.0.0:PORT`), as upstream's
   * `AppendPortIfNeeded`. Without it a port is required.
   * @default undefined
   */
  defaultPort?: number;
  /** Whether port 0 is accepted. @default false */
  allowPortZero?: boolean;
}

function parsePort(input: string, text: string, allowZero: boolean): number {
  if (!/^[0-9]{1,5}$/.test(text)) {
    throw new HostPortError(input, `port ${JSON.stringify(text)} is not a number`);
  }
  const port = Number(text);
  if (port > 65535 || (port === 0 && !allowZero)) {
    throw new HostPortError(input, `port ${port} is out of range ${allowZero ? 0 : 1}-65535`);
  }
  return port;
}

/**
 * Parses `IP:PORT` or `[IPv6]:PORT`. With `defaultPort`, a bare IP
 * (`0.0.0.0`, `::`) is accepted too. As upstream, the IP cannot be left out:
 * `:10256` is refused (write `0.0.0.0:10256`).
 *
 * @throws {HostPortError} when the text is not one of these, the host is not
 * an IP literal, or the port is not in range.
 */
export function parseHostPort(input: string, options: ParseHostPortOptions = {}): HostPort {
  const text = input.trim();
  const allowZero = options.allowPortZero ?? false;
  if (options.defaultPort !== undefined) {
    const bare = tryParseIp(text.startsWith("[") && text.endsWith("]") ? text.slice(1, -1) : text);
    if (bare) return { hostname: bare.text, port: options.defaultPort, family: bare.family };
  }
  let host: string, portText: string;
  if (text.startsWith("[")) {
    const m = /^\[([^\]]*)\]:(.*)$/.exec(text);
    if (!m) throw new HostPortError(input, "want [IPv6]:PORT");
    [, host, portText] = m;
    const ip = tryParseIp(host);
    if (!ip || ip.family !== 6) {
      throw new HostPortError(input, `${JSON.stringify(host)} is not an IPv6 address`);
    }
    return { hostname: ip.text, port: parsePort(input, portText, allowZero), family: 6 };
  }
  const colon = text.lastIndexOf(":");
  if (colon < 0) throw new HostPortError(input, "want IP:PORT, the port is missing");
  host = text.slice(0, colon);
  portText = text.slice(colon + 1);
  if (host.includes(":")) {
    throw new HostPortError(input, "an IPv6 address needs brackets: [::]:10256");
  }
  // Upstream's validation (net.SplitHostPort, then ParseIP of the host) and its
  // --healthz-bind-address flag both refuse ":10256": the address is spelled out.
  if (host === "") {
    throw new HostPortError(
      input,
      "the IP is missing (0.0.0.0:PORT listens on every IPv4 address)",
    );
  }
  const ip = tryParseIp(host);
  if (!ip) throw new HostPortError(input, `${JSON.stringify(host)} is not an IP address`);
  return { hostname: ip.text, port: parsePort(input, portText, allowZero), family: ip.family };
}

/** Formats `host:port`, with brackets around an IPv6 host. */
export function formatHostPort(addr: { hostname: string; port: number }): string {
  return addr.hostname.includes(":")
    ? `[${addr.hostname}]:${addr.port}`
    : `${addr.hostname}:${addr.port}`;
}
