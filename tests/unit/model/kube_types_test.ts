import assert from "node:assert/strict";
import {
  type EndpointSlice,
  HEADLESS_LABEL,
  type Node,
  type Service,
  SERVICE_NAME_LABEL,
  SERVICE_PROXY_NAME_LABEL,
  ZONE_LABEL,
} from "../../../src/model/kube_types.ts";
import { isIgnoredSlice, sliceServiceKey } from "../../../src/model/endpoints.ts";
import { readNode } from "../../../src/model/node_info.ts";
import { readService } from "../../../src/model/service_port.ts";

Deno.test("the well-known labels are spelled as the Kubernetes API spells them", () => {
  assert.equal(SERVICE_NAME_LABEL, "kubernetes.io/service-name");
  assert.equal(HEADLESS_LABEL, "service.kubernetes.io/headless");
  assert.equal(SERVICE_PROXY_NAME_LABEL, "service.kubernetes.io/service-proxy-name");
  assert.equal(ZONE_LABEL, "topology.kubernetes.io/zone");
});

Deno.test("objects shaped as kubectl prints them type-check and are read by the model", () => {
  // As `kubectl get -o json` prints them (fields the proxy does not read left out).
  const service: Service = {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: "kube-dns", namespace: "kube-system", resourceVersion: "250" },
    spec: {
      type: "ClusterIP",
      clusterIP: "10.96.0.10",
      clusterIPs: ["10.96.0.10"],
      ports: [{ name: "dns", port: 53, protocol: "UDP", targetPort: 53 }],
    },
  };
  const slice: EndpointSlice = {
    apiVersion: "discovery.k8s.io/v1",
    kind: "EndpointSlice",
    metadata: {
      name: "kube-dns-6xq2p",
      namespace: "kube-system",
      labels: { "kubernetes.io/service-name": "kube-dns" },
    },
    addressType: "IPv4",
    ports: [{ name: "dns", port: 53, protocol: "UDP" }],
    endpoints: [{ addresses: ["10.244.0.2"], conditions: { ready: true }, nodeName: "cp-0" }],
  };
  const node: Node = {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name: "cp-0", labels: { "topology.kubernetes.io/zone": "zone-a" } },
    status: { addresses: [{ type: "InternalIP", address: "192.168.1.10" }] },
  };
  const problems: unknown[] = [];
  const report = (p: unknown) => problems.push(p);
  assert.equal(readService(service, report).ports.length, 1);
  assert.equal(sliceServiceKey(slice), "kube-system/kube-dns");
  assert.equal(readNode("cp-0", node, report).zone, "zone-a");
  assert.deepEqual(problems, []);
});

Deno.test("the headless and service-proxy-name labels make the model skip a slice", () => {
  const labelled = (labels: Record<string, string>): EndpointSlice => ({
    metadata: { name: "s", namespace: "ns", labels: { [SERVICE_NAME_LABEL]: "web", ...labels } },
  });
  assert.equal(isIgnoredSlice(labelled({})), false);
  assert.equal(isIgnoredSlice(labelled({ [HEADLESS_LABEL]: "" })), true);
  assert.equal(isIgnoredSlice(labelled({ [SERVICE_PROXY_NAME_LABEL]: "other" })), true);
});
