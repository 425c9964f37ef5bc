/**
 * Which addresses of this node accept NodePort traffic, per family, as
 * upstream kube-proxy in nftables mode decides it (`--nodeport-addresses`,
 * `pkg/proxy/util/nodeport_addresses.go` and the `primary` handling of
 * `cmd/kube-proxy`):
 *
 * - `primary` (the default): the node's primary IP of the family, which is
 *   the `--bind-address` when that is a specific IP of the family, else the
 *   Node's first InternalIP of the family, else its first ExternalIP of the
 *   family (upstream's `GetNodeHostIPs`). It counts only when it is one of
 *   this host's interface addresses and not loopback.
 * - CIDRs: this host's interface addresses inside any CIDR of the family,
 *   never loopback. The Node object's addresses do not count by themselves:
 *   a Node ExternalIP (often a cloud NAT address) is a NodePort address only
 *   when it is on an interface and a CIDR selects it.
 * - Match all (every local address but loopback, `fib daddr type local`):
 *   a zero CIDR (`0.0.0.0/0`, `::/0`) of the family, or no CIDR of the family
 *   at all. With `primary`, a family without a primary IP (single-stack node,
 *   or Node not seen yet) has no CIDR, hence match all, as upstream.
 *
 * @module
 */

import type { Cidr, Family, IpAddr } from "./ip.ts";
import { cidrContains } from "./ip.ts";
import { type NodeInfo, primaryAddress } from "./node_info.ts";

/** The `--nodeport-addresses` setting: `primary`, or CIDRs of either family. */
export type NodePortAddressesSetting = "primary" | readonly Cidr[];

/** The NodePort addresses of one family. */
export interface NodePortAddressSelection {
  /** NodePorts on every local address of the family except loopback. */
  matchAll: boolean;
  /** When not `matchAll`: exactly these addresses (never loopback); may be empty. */
  addresses: IpAddr[];
  /** Why, for logs. */
  reason:
    | "primary"
    | "no-primary-address"
    | "primary-not-local"
    | "cidrs"
    | "zero-cidr"
    | "no-cidr-of-family";
}

/** Options of {@linkcode nodePortAddresses}. */
export interface NodePortAddressesOptions {
  /**
   * Upstream's `--bind-address`: a specific IP replaces the Node's primary
   * IP of its family; `0.0.0.0` and `::` change nothing.
   * @default undefined
   */
  bindAddress?: IpAddr;
}

/** Whether an address is loopback (127.0.0.0/8, ::1, or IPv4-mapped 127.x). */
export function isLoopback(ip: IpAddr): boolean {
  const b = ip.bytes;
  if (ip.family === 4) return b[0] === 127;
  for (let i = 0; i < 10; i++) if (b[i] !== 0) return false;
  if (b[10] === 0xff && b[11] === 0xff) return b[12] === 127;
  for (let i = 10; i < 15; i++) if (b[i] !== 0) return false;
  return b[15] === 1;
}

function isUnspecified(ip: IpAddr): boolean {
  return ip.bytes.every((x) => x === 0);
}

/**
 * The NodePort addresses of `family` (see the module documentation).
 *
 * @param node this node (its addresses and their types)
 * @param localAddrs this host's interface addresses; `undefined` when the
 *   caller cannot know them (dry run, `explain`, unit tests): the Node's
 *   addresses then stand in for them
 * @param setting `primary` or the CIDRs of `--nodeport-addresses`
 * @param family 4 or 6
 */
export function nodePortAddresses(
  node: NodeInfo,
  localAddrs: readonly IpAddr[] | undefined,
  setting: NodePortAddressesSetting,
  family: Family,
  options: NodePortAddressesOptions = {},
): NodePortAddressSelection {
  const local = (localAddrs ?? node.addresses).filter((a) => a.family === family);
  if (setting === "primary") {
    const bind = options.bindAddress;
    const primary = bind && bind.family === family && !isUnspecified(bind)
      ? bind
      : primaryAddress(node, family);
    if (!primary || isLoopback(primary)) {
      return { matchAll: true, addresses: [], reason: "no-primary-address" };
    }
    const onHost = local.some((a) => a.text === primary.text);
    return onHost
      ? { matchAll: false, addresses: [primary], reason: "primary" }
      : { matchAll: false, addresses: [], reason: "primary-not-local" };
  }
  const cidrs = setting.filter((c) => c.family === family);
  if (cidrs.length === 0) return { matchAll: true, addresses: [], reason: "no-cidr-of-family" };
  if (cidrs.some((c) => c.prefix === 0)) {
    return { matchAll: true, addresses: [], reason: "zero-cidr" };
  }
  const seen = new Set<string>();
  const addresses: IpAddr[] = [];
  for (const ip of local) {
    if (seen.has(ip.text) || isLoopback(ip)) continue;
    if (cidrs.some((c) => cidrContains(c, ip))) {
      seen.add(ip.text);
      addresses.push(ip);
    }
  }
  return { matchAll: false, addresses, reason: "cidrs" };
}
