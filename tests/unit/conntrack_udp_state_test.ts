import { strict as assert } from "node:assert";
import { udpServiceStates } from "../../src/conntrack/udp_state.ts";
import type { EndpointSlice, Service } from "../../src/model/kube_types.ts";
// @ts-types="@types/js-yaml"
import yaml from "js-yaml";

// As `kubectl get svc,endpointslice -o yaml` prints them (trimmed of status noise).
const OBJECTS = `
apiVersion: v1
items:
- apiVersion: v1
  kind: Service
  metadata: {name: kube-dns, namespace: kube-system, resourceVersion: "250"}
  spec:
    clusterIP: 10.96.0.10
    clusterIPs: [10.96.0.10, "fd00:10:96::a"]
    ipFamilies: [IPv4, IPv6]
    ipFamilyPolicy: PreferDualStack
    externalIPs: [203.0.113.9]
    ports:
    - {name: dns, port: 53, protocol: UDP, targetPort: 53, nodePort: 30053}
    - {name: dns-tcp, port: 53, protocol: TCP, targetPort: 53}
    type: NodePort
- apiVersion: v1
  kind: Service
  metadata: {name: web, namespace: default, resourceVersion: "251"}
  spec:
    clusterIP: 10.96.0.20
    ports: [{port: 80, protocol: TCP, targetPort: 8080}]
- apiVersion: discovery.k8s.io/v1
  kind: EndpointSlice
  metadata:
    name: kube-dns-abcde
    namespace: kube-system
    labels: {kubernetes.io/service-name: kube-dns}
  addressType: IPv4
  endpoints:
  - addresses: [10.244.1.11]
    conditions: {ready: true, serving: true, terminating: false}
    nodeName: node-a
  - addresses: [10.244.2.12]
    conditions: {ready: false, serving: true, terminating: true}
    nodeName: node-b
  - addresses: [10.244.2.13]
    conditions: {ready: false, serving: false, terminating: true}
    nodeName: node-b
  ports:
  - {name: dns, port: 53, protocol: UDP}
  - {name: dns-tcp, port: 53, protocol: TCP}
kind: List
`;

function load(): { services: Service[]; slices: EndpointSlice[] } {
  const list = yaml.load(OBJECTS) as { items: (Service | EndpointSlice)[] };
  return {
    services: list.items.filter((o) => o.kind === "Service") as Service[],
    slices: list.items.filter((o) => o.kind === "EndpointSlice") as EndpointSlice[],
  };
}

Deno.test("udpServiceStates() lists serving endpoints, terminating ones included, not the others", () => {
  const { services, slices } = load();
  const states = udpServiceStates(services, slices);
  const v4 = states.find((s) => s.family === 4)!;
  assert.deepEqual(v4.serviceIPs, ["10.96.0.10", "203.0.113.9"]);
  assert.equal(v4.port, 53);
  assert.equal(v4.nodePort, 30053);
  assert.deepEqual([...v4.servingEndpoints].sort(), ["10.244.1.11:53", "10.244.2.12:53"]);
});

Deno.test("udpServiceStates() gives each family of a dual-stack Service its own entry", () => {
  const { services, slices } = load();
  const states = udpServiceStates(services, slices);
  assert.deepEqual(states.map((s) => s.family).sort(), [4, 6]);
  const v6 = states.find((s) => s.family === 6)!;
  assert.deepEqual(v6.serviceIPs, ["fd00:10:96::a"]);
  assert.equal(v6.servingEndpoints.size, 0, "no IPv6 slice");
});

Deno.test("udpServiceStates() skips TCP-only Services and TCP ports", () => {
  const { services, slices } = load();
  const states = udpServiceStates(services, slices);
  assert.equal(states.length, 2);
  assert.ok(states.every((s) => !s.serviceIPs.includes("10.96.0.20")));
});

Deno.test("udpServiceStates() skips an invalid Service without throwing", () => {
  const bad = {
    kind: "Service",
    metadata: { name: "x", namespace: "default" },
    spec: {
      clusterIP: "not-an-ip",
      ports: [{ port: 53, protocol: "UDP" }],
    },
  } as Service;
  assert.deepEqual(udpServiceStates([bad], []), []);
});
