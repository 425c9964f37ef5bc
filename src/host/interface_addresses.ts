/**
 * This host's interface addresses (`Deno.networkInterfaces()`), parsed.
 *
 * @module
 */

import { type IpAddr, tryParseIp } from "../model/ip.ts";

/** Every address of this host's interfaces, once each, in the order the kernel lists them. */
export function interfaceAddresses(): IpAddr[] {
  const seen = new Set<string>();
  const out: IpAddr[] = [];
  for (const i of Deno.networkInterfaces()) {
    // Link-local IPv6 addresses carry a zone ("fe80::1%eth0"); the address is what matters.
    const ip = tryParseIp(i.address.split("%")[0]);
    if (ip && !seen.has(ip.text)) {
      seen.add(ip.text);
      out.push(ip);
    }
  }
  return out;
}
