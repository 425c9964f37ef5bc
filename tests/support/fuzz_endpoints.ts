/**
 * Seeded generators of EndpointSlices and Nodes for property tests (see
 * `fuzz_objects.ts`): valid ones with their expected readings computed
 * independently of `src/model`, and mutants.
 *
 * @module
 */

import { canonicalIp, ipForm, mutate, type Rng } from "./fuzz_values.ts";

/** An expected endpoint: `ip:port r=<0|1> s=<0|1> t=<0|1> <node>` by port key (`tcp/http`). */
export type ExpectedEndpoints = Map<string, string[]>;

/** Summary line of an endpoint, as {@linkcode ExpectedEndpoints} holds them. */
export function endpointLine(
  ip: string,
  port: number,
  ready: boolean,
  serving: boolean,
  terminating: boolean,
  node: string,
): string {
  return `${ip}:${port} r=${+ready} s=${+serving} t=${+terminating} ${node}`;
}

const CONDITIONS: readonly (Record<string, unknown> | undefined)[] = [
  undefined,
  {},
  { ready: true },
  { ready: false },
  { ready: null, serving: null, terminating: null },
  { ready: true, serving: true, terminating: false },
  { ready: false, serving: true, terminating: true },
  { ready: false, terminating: true },
  { ready: false, serving: false, terminating: true },
  { serving: false },
];

/**
 * A valid slice `s` of Service `svc` (namespace `ns`) whose addresses lie in
 * `prefix` (two bytes: IPv4 `prefix.x.y`, or IPv6 `fd00:<prefix>::x:y`), with
 * what merging it alone must give.
 */
export function validSlice(
  rng: Rng,
  ns: string,
  svc: string,
  s: number,
  prefix: [number, number],
): { object: Record<string, unknown>; expected: ExpectedEndpoints } {
  const family = rng.chance(0.75) ? 4 : 6;
  const ports = [{ name: "http", protocol: "TCP", port: rng.pick([8080, 1, 65535]) }];
  if (rng.chance(0.3)) ports.push({ name: "", protocol: "UDP", port: 53 });
  const expected: ExpectedEndpoints = new Map();
  const endpoints: Record<string, unknown>[] = [];
  for (let j = 0; j < rng.int(0, 6); j++) {
    const bytes = family === 4
      ? [...prefix, s, j]
      : [0xfd, 0, ...prefix, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, s, j];
    const ep: Record<string, unknown> = { addresses: [ipForm(rng, bytes)] };
    const c = rng.pick(CONDITIONS);
    if (c !== undefined) ep.conditions = c;
    const node = rng.pick(["node-a", "node-b", ""]);
    if (node) ep.nodeName = node;
    if (rng.chance(0.3)) ep.zone = rng.pick(["zone-a", "zone-b"]);
    if (rng.chance(0.2)) ep.hints = { forZones: [{ name: "zone-a" }], forNodes: [{ name: node }] };
    if (rng.chance(0.2)) ep.targetRef = { kind: "Pod", name: `p-${j}`, namespace: ns };
    endpoints.push(ep);
    const ready = c?.ready !== false, serving = c?.serving !== false;
    const terminating = c?.terminating === true;
    for (const p of ports) {
      const key = `${p.protocol.toLowerCase()}/${p.name}`;
      const line = endpointLine(canonicalIp(bytes), p.port, ready, serving, terminating, node);
      expected.set(key, [...(expected.get(key) ?? []), line]);
    }
  }
  const object = {
    apiVersion: "discovery.k8s.io/v1",
    kind: "EndpointSlice",
    metadata: {
      name: `${svc}-${s}`,
      namespace: ns,
      labels: { "kubernetes.io/service-name": svc },
      annotations: { "endpoints.kubernetes.io/last-change-trigger-time": "2024-01-01T00:00:00Z" },
    },
    addressType: family === 4 ? "IPv4" : "IPv6",
    endpoints,
    ports,
  };
  return { object, expected };
}

/** The canonical IP of an {@linkcode endpointLine}. */
export function lineIp(line: string): string {
  const hostPort = line.slice(0, line.indexOf(" "));
  return hostPort.slice(0, hostPort.lastIndexOf(":"));
}

/** A mutant of a valid slice, and the canonical IPs it held before the mutation. */
export function mutantSlice(
  rng: Rng,
  ns: string,
  svc: string,
  s: number,
  prefix: [number, number],
): { object: unknown; mutation: string; addresses: string[]; endpointCount: number } {
  const { object, expected } = validSlice(rng, ns, svc, s, prefix);
  const addresses = [...new Set([...expected.values()].flat().map(lineIp))];
  const { value, mutation } = mutate(rng, object);
  return {
    object: value,
    mutation,
    addresses,
    endpointCount: (object.endpoints as unknown[]).length,
  };
}

/** What reading a valid generated Node must give. */
export interface ExpectedNode {
  addresses: string[];
  types: string[];
  podCIDRs: string[];
  zone: string;
}

/** A valid Node named `name` with addresses of every type. */
export function validNode(rng: Rng, name: string): { object: unknown; expected: ExpectedNode } {
  const internal4 = [192, 168, rng.int(0, 255), rng.int(1, 254)];
  const internal6 = [0xfd, 0, 0, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, rng.int(1, 255)];
  const external4 = [203, 0, 113, rng.int(1, 254)];
  const list: Record<string, string>[] = [
    { type: "Hostname", address: name },
    { type: "ExternalIP", address: ipForm(rng, external4) },
    { type: "InternalIP", address: ipForm(rng, internal4) },
  ];
  const addresses = [canonicalIp(internal4)];
  const types = ["InternalIP"];
  if (rng.chance(0.5)) {
    list.push({ type: "InternalIP", address: ipForm(rng, internal6) });
    addresses.push(canonicalIp(internal6));
    types.push("InternalIP");
  }
  addresses.push(canonicalIp(external4));
  types.push("ExternalIP");
  list.push({ type: "InternalDNS", address: `${name}.cluster.internal` });
  const zone = rng.pick(["", "zone-a", "us-east-1b"]);
  const object = {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name, labels: zone ? { "topology.kubernetes.io/zone": zone } : {} },
    spec: { podCIDR: "10.244.1.0/24", podCIDRs: ["10.244.1.0/24", " fd00:244:1::/64"] },
    status: { addresses: list, conditions: [{ type: "Ready", status: "True" }] },
  };
  return {
    object,
    expected: { addresses, types, podCIDRs: ["10.244.1.0/24", "fd00:244:1::/64"], zone },
  };
}
