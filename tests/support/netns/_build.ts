/**
 * Low-level construction steps of a topology: namespaces, the lan switch,
 * nodes with their pod bridge, pods and external clients. Private to the harness.
 * @module
 */
import {
  externalAddress,
  type Family,
  LAN_GATEWAY,
  LB_CIDRS,
  nodeAddress,
  type NodeRole,
  podAddress,
  podCidr,
  podGateway,
  prefixLength,
  SERVICE_CIDRS,
} from "./addressing.ts";
import { inNamespace, ipBatch, run } from "./command.ts";

/** Sysctls set in every namespace: no IPv6 DAD delay, no reverse-path filter. */
const BASE_SYSCTLS = [
  "net.ipv6.conf.all.accept_dad=0",
  "net.ipv6.conf.default.accept_dad=0",
  "net.ipv4.conf.all.rp_filter=0",
  "net.ipv4.conf.default.rp_filter=0",
];

/** Sysctls of the lan switch: bridged frames never go through netfilter. */
export const LAN_SYSCTLS = [
  "net.bridge.bridge-nf-call-iptables=0",
  "net.bridge.bridge-nf-call-ip6tables=0",
  "net.bridge.bridge-nf-call-arptables=0",
];

/**
 * Sysctls of a node: routing on; bridge netfilter as asked; no ICMP error
 * rate limit (tests count REJECTs in bursts, and the kernel's default limit
 * would turn some of them into apparent timeouts).
 */
export function nodeSysctls(bridgeNfCall: boolean): string[] {
  const v = bridgeNfCall ? 1 : 0;
  return [
    "net.ipv4.ip_forward=1",
    "net.ipv6.conf.all.forwarding=1",
    "net.ipv4.icmp_ratelimit=0",
    "net.ipv6.icmp.ratelimit=0",
    `net.bridge.bridge-nf-call-iptables=${v}`,
    `net.bridge.bridge-nf-call-ip6tables=${v}`,
  ];
}

/** Creates namespace `ns` with `lo` up and the base sysctls plus `extra`. */
export async function addNamespace(ns: string, extra: readonly string[] = []): Promise<void> {
  await run(["ip", "netns", "add", ns]);
  await run(["ip", "-n", ns, "link", "set", "lo", "up"]);
  await run(inNamespace(ns, ["sysctl", "-q", "-e", "-w", ...BASE_SYSCTLS, ...extra]));
}

function families(dualStack: boolean): Family[] {
  return dualStack ? [4, 6] : [4];
}

function addr(address: string, family: Family, dev: string, extra = ""): string {
  const nodad = family === 6 ? " nodad" : "";
  return `addr add ${address}/${prefixLength(family)} dev ${dev}${nodad}${extra}`;
}

/** Builds the lan switch: one bridge `br0` with a fixed MAC. */
export async function buildLan(lanNs: string): Promise<void> {
  await ipBatch(lanNs, [
    "link add br0 address 02:00:00:00:00:fe type bridge forward_delay 0 mcast_snooping 0",
    "link set br0 up",
  ]);
}

/** Plugs namespace `peerNs` into the lan: its `eth0` is the peer of lan port `port`. */
async function plugIntoLan(lanNs: string, port: string, peerNs: string): Promise<void> {
  await ipBatch(lanNs, [
    `link add ${port} type veth peer name eth0 netns ${peerNs}`,
    `link set ${port} master br0`,
    `link set ${port} up`,
  ]);
}

/** Builds a node: uplink `eth0` with two addresses, pod bridge `cbr0`, default routes. */
export async function buildNode(
  ns: string,
  node: NodeRole,
  lanNs: string,
  dualStack: boolean,
  otherNode: NodeRole | null,
): Promise<void> {
  await plugIntoLan(lanNs, `n-${node}`, ns);
  const n = node === "node" ? 1 : 2;
  const lines = [
    `link add cbr0 address 02:00:00:00:0${n}:01 type bridge forward_delay 0 mcast_snooping 0`,
  ];
  for (const f of families(dualStack)) {
    lines.push(addr(podGateway(node, f), f, "cbr0"));
    lines.push(addr(nodeAddress(node, f), f, "eth0"));
    // The secondary v6 address is deprecated so it is never picked as a source.
    lines.push(addr(nodeAddress(node, f, true), f, "eth0", f === 6 ? " preferred_lft 0" : ""));
  }
  lines.push("link set cbr0 up", "link set eth0 up");
  for (const f of families(dualStack)) {
    lines.push(`route add ${f === 4 ? "0.0.0.0/0" : "::/0"} via ${LAN_GATEWAY[f]}`);
    if (otherNode) {
      lines.push(`route add ${podCidr(otherNode, f)} via ${nodeAddress(otherNode, f)}`);
    }
  }
  await ipBatch(ns, lines);
}

/** Builds a pod: veth `hostPort` on the node's `cbr0` (hairpin on), `eth0` in the pod. */
export async function buildPod(
  nodeNs: string,
  podNs: string,
  node: NodeRole,
  index: number,
  hostPort: string,
  dualStack: boolean,
): Promise<void> {
  await ipBatch(nodeNs, [
    `link add ${hostPort} type veth peer name eth0 netns ${podNs}`,
    `link set ${hostPort} master cbr0`,
    `link set dev ${hostPort} type bridge_slave hairpin on`,
    `link set ${hostPort} up`,
  ]);
  const lines: string[] = [];
  for (const f of families(dualStack)) lines.push(addr(podAddress(node, index, f), f, "eth0"));
  lines.push("link set eth0 up");
  for (const f of families(dualStack)) {
    lines.push(`route add ${f === 4 ? "0.0.0.0/0" : "::/0"} via ${podGateway(node, f)}`);
  }
  await ipBatch(podNs, lines);
}

/** Builds an external client on the lan with routes for services, LB IPs and pod CIDRs. */
export async function buildExternal(
  lanNs: string,
  extNs: string,
  index: number,
  dualStack: boolean,
  hasNode2: boolean,
  extraRoutes: readonly string[],
): Promise<void> {
  await plugIntoLan(lanNs, `x${index}`, extNs);
  const lines: string[] = [];
  for (const f of families(dualStack)) lines.push(addr(externalAddress(index, f), f, "eth0"));
  lines.push("link set eth0 up");
  for (const f of families(dualStack)) {
    const node = nodeAddress("node", f);
    lines.push(`route add ${SERVICE_CIDRS[f]} via ${node}`);
    lines.push(`route add ${LB_CIDRS[f]} via ${node}`);
    lines.push(`route add ${podCidr("node", f)} via ${node}`);
    if (hasNode2) lines.push(`route add ${podCidr("node2", f)} via ${nodeAddress("node2", f)}`);
  }
  for (const cidr of extraRoutes) {
    const f: Family = cidr.includes(":") ? 6 : 4;
    if (f === 6 && !dualStack) continue;
    lines.push(`route add ${cidr} via ${nodeAddress("node", f)}`);
  }
  await ipBatch(extNs, lines);
}
