/**
 * Parsing of the `host:port` bind addresses of the proxy's HTTP servers
 * (`healthzBindAddress`, `metricsBindAddress`).
 *
 * @module
 */

/** Where a server listens. `hostname` is an IP literal (IPv6 without brackets). */
export interface BindAddress {
  hostname: string;
  port: number;
}

/** Error raised for a malformed bind address; `input` is the text given. */
export class BindAddressError extends Error {
  readonly input: string;
  constructor(input: string, reason: string, options?: ErrorOptions) {
    super(`Invalid bind address ${JSON.stringify(input)}: ${reason}`, options);
    this.name = "BindAddressError";
    this.input = input;
  }
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** Whether `s` is a canonical dotted-quad IPv4 literal (no leading zeros). */
export function isIPv4Literal(s: string): boolean {
  return IPV4.test(s);
}

/** Whether `s` is an IPv6 literal (without brackets or zone). */
export function isIPv6Literal(s: string): boolean {
  if (!s.includes(":") || !/^[0-9a-fA-F:.]+$/.test(s)) return false;
  try {
    new URL(`http://[${s}]/`);
    return true;
  } catch {
    return false;
  }
}

function parsePort(input: string, text: string): number {
  if (!/^\d{1,5}$/.test(text)) {
    throw new BindAddressError(input, `port ${JSON.stringify(text)} is not a number`);
  }
  const port = Number(text);
  if (port > 65535) throw new BindAddressError(input, `port ${port} is out of range 0-65535`);
  return port;
}

/**
 * Parses `"0.0.0.0:10256"`, `"[::]:10256"` or `":10256"` (all IPv4
 * interfaces).
 *
 * As upstream, an empty string or port 0 disables the server: the result is
 * `null` then. The host must be an IP literal, not a name.
 *
 * @throws {BindAddressError} when the text is not `host:port`, the host is not
 * an IP literal, or the port is not a number in 0-65535.
 */
export function parseBindAddress(input: string): BindAddress | null {
  if (typeof input !== "string") {
    throw new BindAddressError(String(input), "expected a string");
  }
  const text = input.trim();
  if (text === "") return null;
  let host: string, portText: string;
  if (text.startsWith("[")) {
    const m = text.match(/^\[([^\]]*)\]:(.*)$/);
    if (!m) throw new BindAddressError(input, 'expected "[ipv6]:port"');
    [, host, portText] = m;
    if (!isIPv6Literal(host)) {
      throw new BindAddressError(input, `${JSON.stringify(host)} is not an IPv6 address`);
    }
  } else {
    const colon = text.lastIndexOf(":");
    if (colon < 0) throw new BindAddressError(input, 'expected "host:port", the port is missing');
    host = text.slice(0, colon);
    portText = text.slice(colon + 1);
    if (host.includes(":")) {
      throw new BindAddressError(input, 'an IPv6 address must be in brackets: "[::]:10256"');
    }
    if (host === "") host = "0.0.0.0";
    if (!isIPv4Literal(host)) {
      throw new BindAddressError(input, `${JSON.stringify(host)} is not an IPv4 address`);
    }
  }
  const port = parsePort(input, portText);
  return port === 0 ? null : { hostname: host, port };
}

/** Formats a bind address as `host:port`, with brackets around IPv6 hosts. */
export function formatBindAddress(addr: BindAddress): string {
  return addr.hostname.includes(":")
    ? `[${addr.hostname}]:${addr.port}`
    : `${addr.hostname}:${addr.port}`;
}
