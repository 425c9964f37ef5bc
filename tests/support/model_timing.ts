/**
 * A quick timing of the model layer alone: reading N Services and merging
 * their EndpointSlices (E endpoints each, as the EndpointSlice controller
 * writes them), then categorising every port's endpoints; then resolving
 * the address claims of all N Services. Objects are built
 * in memory and round-tripped through JSON so they look like what the API
 * source hands over.
 *
 * Run: `deno run -A tests/support/model_timing.ts [services=10000] [endpoints=10] [runs=7]`.
 * Wall time is noisy on a shared machine; the process CPU time (which
 * includes the GC threads) is steadier.
 *
 * @module
 */

import process from "node:process";
import { readService } from "../../src/model/service_port.ts";
import { mergeEndpointSlices, portKey } from "../../src/model/endpoints.ts";
import { categorizeEndpoints } from "../../src/model/categorize.ts";
import { AddressClaims } from "../../src/model/address_claims.ts";

function ipv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
}

/** Service `i` and its one slice, as plain JSON values. */
function objects(i: number, perService: number): [unknown, unknown] {
  const name = `svc-${i}`;
  const svc = {
    apiVersion: "v1",
    kind: "Service",
    metadata: {
      name,
      namespace: "bench",
      uid: `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`,
      resourceVersion: "1",
      creationTimestamp: "2026-01-01T00:00:00Z",
      labels: { app: name },
    },
    spec: {
      type: "ClusterIP",
      clusterIP: ipv4((10 << 24 | 96 << 16) + 1 + i),
      clusterIPs: [ipv4((10 << 24 | 96 << 16) + 1 + i)],
      ipFamilies: ["IPv4"],
      ipFamilyPolicy: "SingleStack",
      sessionAffinity: "None",
      internalTrafficPolicy: "Cluster",
      ports: [{ name: "http", protocol: "TCP", port: 80, targetPort: 8080 }],
      selector: { app: name },
    },
    status: { loadBalancer: {} },
  };
  const slice = {
    apiVersion: "discovery.k8s.io/v1",
    kind: "EndpointSlice",
    metadata: {
      name: `${name}-abcde`,
      namespace: "bench",
      resourceVersion: "1",
      labels: { "kubernetes.io/service-name": name, "endpointslice.kubernetes.io/managed-by": "x" },
    },
    addressType: "IPv4",
    endpoints: Array.from({ length: perService }, (_, j) => ({
      addresses: [ipv4((10 << 24 | 128 << 16) + i * perService + j)],
      conditions: { ready: true, serving: true, terminating: false },
      nodeName: j % 2 === 0 ? "node-a" : "node-b",
      zone: "zone-a",
      targetRef: { kind: "Pod", name: `${name}-${j}`, namespace: "bench", uid: "u" },
    })),
    ports: [{ name: "http", protocol: "TCP", port: 8080 }],
  };
  return JSON.parse(JSON.stringify([svc, slice]));
}

const services = Number(Deno.args[0] ?? 10000);
const perService = Number(Deno.args[1] ?? 10);
const runs = Number(Deno.args[2] ?? 7);
const pairs = Array.from({ length: services }, (_, i) => objects(i, perService));
const node = { name: "node-a", zone: "zone-a" };
const sink = () => {};

const times: number[] = [];
const cpu: number[] = [];
let endpointsSeen = 0;
for (let r = 0; r < runs; r++) {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  endpointsSeen = 0;
  for (const [svc, slice] of pairs) {
    // deno-lint-ignore no-explicit-any
    const { ports } = readService(svc as any, sink);
    // deno-lint-ignore no-explicit-any
    const eps = mergeEndpointSlices([slice as any], sink);
    for (const sp of ports) {
      const list = eps.get(portKey(sp.protocol, sp.portName)) ?? [];
      endpointsSeen += list.length;
      categorizeEndpoints(list, {
        internalPolicyLocal: sp.internalPolicyLocal,
        externalPolicyLocal: sp.externalPolicyLocal,
        externallyAccessible: false,
      }, node);
    }
  }
  times.push(performance.now() - t0);
  const c = process.cpuUsage(c0);
  cpu.push((c.user + c.system) / 1000);
}
times.sort((a, b) => a - b);
cpu.sort((a, b) => a - b);
console.log(
  `${services} Services x ${perService} endpoints (${endpointsSeen} endpoints): ` +
    `median ${times[times.length >> 1].toFixed(1)} ms, min ${times[0].toFixed(1)} ms; ` +
    `process CPU median ${cpu[cpu.length >> 1].toFixed(1)} ms (the machine may be busy) ` +
    `over ${runs} runs`,
);

// Address claims: register every Service, then filter every Service's ports (what a full sync adds).
const reads = pairs.map(([svc]) => readService(svc, sink));
const claimTimes: number[] = [];
for (let r = 0; r < runs; r++) {
  const t0 = performance.now();
  const claims = new AddressClaims();
  for (const rd of reads) claims.update(rd.ports[0].serviceKey, rd.claims);
  for (const rd of reads) claims.filterPorts(rd.ports[0].serviceKey, rd.ports);
  claimTimes.push(performance.now() - t0);
}
claimTimes.sort((a, b) => a - b);
console.log(
  `AddressClaims for ${services} Services (update + filterPorts): ` +
    `median ${claimTimes[claimTimes.length >> 1].toFixed(1)} ms, min ${
      claimTimes[0].toFixed(1)
    } ms`,
);
