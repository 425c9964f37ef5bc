/**
 * Opening TCP listeners the way Go's `net.Listen("tcp", addr)` does, which is
 * what operators of upstream kube-proxy rely on: a wildcard host (`0.0.0.0`,
 * `::` or empty) listens on every address of BOTH families, so the default
 * `healthzBindAddress: 0.0.0.0:10256` also answers on `[::1]:10256` and on the
 * node's IPv6 addresses (the DaemonSet's liveness probe on IPv6-primary nodes).
 *
 * Go does it with one IPv6 socket with IPV6_V6ONLY off. Deno cannot set that
 * option, so a wildcard opens `[::]:port` first (dual-stack by the kernel's
 * default, `net.ipv6.bindv6only=0`) and then tries `0.0.0.0:port`: when the
 * IPv6 socket already covers IPv4 that bind fails with "address in use" and
 * one listener is enough; when the host has `bindv6only=1` it succeeds and
 * both are kept; when IPv6 is disabled only `0.0.0.0` is opened.
 *
 * @module
 */

/** How a listener is opened; `Deno.listen` outside tests. */
export type ListenFn = (options: { hostname: string; port: number }) => Deno.Listener;

/** Whether `hostname` means "every address" (Go treats all three alike). */
export function isWildcardHost(hostname: string): boolean {
  return hostname === "" || hostname === "0.0.0.0" || hostname === "::";
}

/**
 * Opens the listeners for `hostname:port` (`port` 0 picks a free port, the
 * same for every listener). A wildcard host gives listeners covering both
 * families; any other host gives exactly one listener.
 *
 * @throws the error of the bind that decides: e.g. `Deno.errors.AddrInUse`
 * when the port is taken, `Deno.errors.AddrNotAvailable` for an address this
 * host does not have.
 */
export function listenTcp(
  hostname: string,
  port: number,
  listen: ListenFn = Deno.listen,
): Deno.Listener[] {
  if (!isWildcardHost(hostname)) return [listen({ hostname, port })];
  let v6: Deno.Listener;
  try {
    v6 = listen({ hostname: "::", port });
  } catch (err) {
    // The port is taken: a real failure, not a missing family.
    if (err instanceof Deno.errors.AddrInUse) throw err;
    // No IPv6 on this host (disabled or unsupported): IPv4 alone, like Go.
    return [listen({ hostname: "0.0.0.0", port })];
  }
  const bound = (v6.addr as Deno.NetAddr).port;
  try {
    return [v6, listen({ hostname: "0.0.0.0", port: bound })];
  } catch {
    // "Address in use": the dual-stack socket already covers IPv4, the usual case. Any other
    // failure leaves IPv6 serving, which beats nothing.
    return [v6];
  }
}
