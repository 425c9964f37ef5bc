import assert from "node:assert/strict";
import {
  categorizeEndpoints,
  isLocal,
  type NodeInputs,
  type PolicyInputs,
  topologyMode,
} from "../../../src/model/categorize.ts";
import type { EndpointInfo } from "../../../src/model/endpoints.ts";
import { parseIp } from "../../../src/model/ip.ts";

/**
 * An endpoint from a short spec: `"<n> <cond> <L|X> [z:zone,..] [n:node,..]"`, where n is
 * the last octet of 10.0.0.n, cond is R (ready), T (serving+terminating, not ready),
 * N (not ready, not serving) or D (terminating, not serving), L = on this node, X = elsewhere.
 */
function e(spec: string): EndpointInfo {
  const [n, cond, where, ...hints] = spec.split(" ");
  const conds: Record<string, [boolean, boolean, boolean]> = {
    R: [true, true, false],
    T: [false, true, true],
    N: [false, false, false],
    D: [false, false, true],
  };
  const [ready, serving, terminating] = conds[cond];
  const info: EndpointInfo = {
    ip: parseIp(`10.0.0.${n}`),
    port: 80,
    ready,
    serving,
    terminating,
    nodeName: where === "L" ? "node-a" : "node-b",
    zone: "",
  };
  for (const h of hints) {
    const [kind, names] = h.split(":");
    const set = new Set(names.split(","));
    if (kind === "z") info.zoneHints = set;
    else info.nodeHints = set;
  }
  return info;
}

const NODE: NodeInputs = { name: "node-a", zone: "zone-a" };
const CLUSTER: PolicyInputs = {
  internalPolicyLocal: false,
  externalPolicyLocal: false,
  externallyAccessible: false,
};
const ITP_LOCAL: PolicyInputs = { ...CLUSTER, internalPolicyLocal: true };
const ETP_LOCAL: PolicyInputs = {
  ...CLUSTER,
  externalPolicyLocal: true,
  externallyAccessible: true,
};
const ETP_LOCAL_NOT_EXPOSED: PolicyInputs = { ...CLUSTER, externalPolicyLocal: true };
const BOTH_LOCAL: PolicyInputs = { ...ETP_LOCAL, internalPolicyLocal: true };
const ITP_LOCAL_ETP_CLUSTER: PolicyInputs = { ...ITP_LOCAL, externallyAccessible: true };

interface Case {
  name: string;
  eps: string[];
  policy: PolicyInputs;
  node?: NodeInputs;
  /** Last octets; undefined = the set is not used. */
  cluster?: number[];
  local?: number[];
  any: boolean;
  topology?: "" | "PreferSameZone" | "PreferSameNode";
}

const CASES: Case[] = [
  {
    name: "all ready, Cluster",
    eps: ["1 R L", "2 R X"],
    policy: CLUSTER,
    cluster: [1, 2],
    any: true,
  },
  { name: "no endpoints", eps: [], policy: CLUSTER, cluster: [], any: false },
  {
    name: "ready wins over terminating",
    eps: ["1 R X", "2 T L"],
    policy: CLUSTER,
    cluster: [1],
    any: true,
  },
  {
    name: "terminating fallback (cluster)",
    eps: ["1 T X", "2 N L", "3 T L", "4 D X"],
    policy: CLUSTER,
    cluster: [1, 3],
    any: true,
  },
  { name: "never not-serving", eps: ["1 N L", "2 D X"], policy: CLUSTER, cluster: [], any: false },
  {
    name: "iTP Local: local ready only",
    eps: ["1 R L", "2 R X", "3 T L"],
    policy: ITP_LOCAL,
    local: [1],
    any: true,
  },
  {
    name: "iTP Local: only remote endpoints",
    eps: ["1 R X", "2 R X"],
    policy: ITP_LOCAL,
    local: [],
    any: true,
  },
  {
    name: "iTP Local: terminating fallback (local)",
    eps: ["1 T L", "2 R X", "3 N L"],
    policy: ITP_LOCAL,
    local: [1],
    any: true,
  },
  {
    name: "iTP Local: nothing usable",
    eps: ["1 N L", "2 D X"],
    policy: ITP_LOCAL,
    local: [],
    any: false,
  },
  {
    name: "iTP Local: remote terminating counts as any",
    eps: ["1 T X"],
    policy: ITP_LOCAL,
    local: [],
    any: true,
  },
  {
    name: "eTP Local exposed: both sets",
    eps: ["1 R L", "2 R X"],
    policy: ETP_LOCAL,
    cluster: [1, 2],
    local: [1],
    any: true,
  },
  {
    name: "eTP Local not exposed: cluster only",
    eps: ["1 R L", "2 R X"],
    policy: ETP_LOCAL_NOT_EXPOSED,
    cluster: [1, 2],
    any: true,
  },
  {
    name: "eTP Local: no local endpoints",
    eps: ["1 R X"],
    policy: ETP_LOCAL,
    cluster: [1],
    local: [],
    any: true,
  },
  {
    name: "eTP Local: only remote terminating",
    eps: ["1 T X", "2 N L"],
    policy: ETP_LOCAL,
    cluster: [1],
    local: [],
    any: true,
  },
  {
    name: "eTP Local: local terminating fallback",
    eps: ["1 T L", "2 R X"],
    policy: ETP_LOCAL,
    cluster: [2],
    local: [1],
    any: true,
  },
  // Both policies Local: upstream's UsesClusterEndpoints() is `!internalPolicyLocal ||
  // externallyAccessible`, so an exposed port keeps the cluster set for the short-circuit of
  // traffic from local pods and from the node to its NodePort/LB IPs.
  {
    name: "both Local, exposed: the cluster set stays for the short-circuit",
    eps: ["1 R L", "2 R X"],
    policy: BOTH_LOCAL,
    cluster: [1, 2],
    local: [1],
    any: true,
  },
  {
    name: "both Local, exposed, all endpoints remote: short-circuit to them, none local",
    eps: ["1 R X", "2 R X"],
    policy: BOTH_LOCAL,
    cluster: [1, 2],
    local: [],
    any: true,
  },
  {
    name: "both Local, exposed, all remote and terminating: the cluster set falls back",
    eps: ["1 T X", "2 T X"],
    policy: BOTH_LOCAL,
    cluster: [1, 2],
    local: [],
    any: true,
  },
  {
    name: "both Local, not exposed: local only",
    eps: ["1 R L", "2 R X"],
    policy: { ...BOTH_LOCAL, externallyAccessible: false },
    local: [1],
    any: true,
  },
  {
    name: "both Local, exposed, with zone hints: topology filters the short-circuit set only",
    eps: ["1 R L z:zone-b", "2 R X z:zone-a", "3 R X z:zone-b"],
    policy: BOTH_LOCAL,
    cluster: [2],
    local: [1],
    any: true,
    topology: "PreferSameZone",
  },
  {
    name: "iTP Local + eTP Cluster exposed",
    eps: ["1 R L", "2 R X"],
    policy: ITP_LOCAL_ETP_CLUSTER,
    cluster: [1, 2],
    local: [1],
    any: true,
  },
  // Topology.
  {
    name: "zone hints filter the cluster set",
    eps: ["1 R L z:zone-a", "2 R X z:zone-b", "3 R X z:zone-a,zone-c"],
    policy: CLUSTER,
    cluster: [1, 3],
    any: true,
    topology: "PreferSameZone",
  },
  {
    name: "one ready endpoint without hints: no filtering",
    eps: ["1 R L z:zone-a", "2 R X"],
    policy: CLUSTER,
    cluster: [1, 2],
    any: true,
    topology: "",
  },
  {
    name: "not-ready endpoints without hints do not matter",
    eps: ["1 R L z:zone-a", "2 R X z:zone-b", "3 N X"],
    policy: CLUSTER,
    cluster: [1],
    any: true,
    topology: "PreferSameZone",
  },
  {
    name: "hints but none for this zone: no filtering",
    eps: ["1 R L z:zone-b", "2 R X z:zone-c"],
    policy: CLUSTER,
    cluster: [1, 2],
    any: true,
    topology: "",
  },
  {
    name: "node without a zone ignores zone hints",
    eps: ["1 R L z:zone-a", "2 R X z:zone-b"],
    policy: CLUSTER,
    node: { name: "node-a", zone: "" },
    cluster: [1, 2],
    any: true,
    topology: "",
  },
  {
    name: "PreferSameNode via forNodes",
    eps: ["1 R L n:node-a z:zone-a", "2 R X n:node-b z:zone-a"],
    policy: CLUSTER,
    cluster: [1],
    any: true,
    topology: "PreferSameNode",
  },
  {
    name: "node hints for other nodes fall back to zone hints",
    eps: ["1 R L n:node-c z:zone-a", "2 R X n:node-b z:zone-b"],
    policy: CLUSTER,
    cluster: [1],
    any: true,
    topology: "PreferSameZone",
  },
  {
    name: "not every endpoint has node hints: zone hints apply",
    eps: ["1 R L n:node-a z:zone-b", "2 R X z:zone-a"],
    policy: CLUSTER,
    cluster: [2],
    any: true,
    topology: "PreferSameZone",
  },
  {
    name: "topology does not filter the local set",
    eps: ["1 R L z:zone-b", "2 R L z:zone-b", "3 R X z:zone-a"],
    policy: ETP_LOCAL,
    cluster: [3],
    local: [1, 2],
    any: true,
    topology: "PreferSameZone",
  },
  // trafficDistribution (PreferClose, PreferSameZone, PreferSameNode) reaches the proxy only as
  // the hints the EndpointSlice controller writes; as upstream's topology.go, node hints win
  // when every ready endpoint has one and one names this node, else zone hints under the same
  // rule, else no filtering.
  {
    name: "PreferSameNode: node hints for other nodes only, no zone hints: no filtering",
    eps: ["1 R L n:node-c", "2 R X n:node-b"],
    policy: CLUSTER,
    cluster: [1, 2],
    any: true,
    topology: "",
  },
  {
    name: "PreferSameNode: one ready endpoint without node hints: zone hints apply",
    eps: ["1 R L n:node-a z:zone-a", "2 R X z:zone-a", "3 R X n:node-b z:zone-b"],
    policy: CLUSTER,
    cluster: [1, 2],
    any: true,
    topology: "PreferSameZone",
  },
  {
    name: "PreferSameNode: a not-ready endpoint hinted for this node does not count",
    eps: ["1 N L n:node-a z:zone-a", "2 R X n:node-b z:zone-a", "3 R X n:node-c z:zone-b"],
    policy: CLUSTER,
    cluster: [2],
    any: true,
    topology: "PreferSameZone",
  },
  {
    name: "PreferSameZone: only not-ready endpoints hinted for this zone: no filtering",
    eps: ["1 N L z:zone-a", "2 R X z:zone-b", "3 R X z:zone-c"],
    policy: CLUSTER,
    cluster: [2, 3],
    any: true,
    topology: "",
  },
  {
    name: "PreferClose: an endpoint hinted for several zones serves each of them",
    eps: ["1 R X z:zone-b,zone-a", "2 R X z:zone-b", "3 R L z:zone-c,zone-a"],
    policy: CLUSTER,
    cluster: [1, 3],
    any: true,
    topology: "PreferSameZone",
  },
  {
    name: "iTP Local ignores hints entirely",
    eps: ["1 R L z:zone-b", "2 R X z:zone-a"],
    policy: ITP_LOCAL,
    local: [1],
    any: true,
  },
  {
    name: "terminating fallback ignores topology",
    eps: ["1 T L z:zone-b", "2 T X z:zone-a"],
    policy: CLUSTER,
    cluster: [1, 2],
    any: true,
    topology: "",
  },
];

for (const c of CASES) {
  Deno.test(`categorizeEndpoints(): ${c.name}`, () => {
    const got = categorizeEndpoints(c.eps.map(e), c.policy, c.node ?? NODE);
    const octets = (l?: EndpointInfo[]) => l?.map((x) => x.ip.bytes[3]);
    assert.deepEqual(octets(got.cluster), c.cluster, "cluster set");
    assert.deepEqual(octets(got.local), c.local, "local set");
    assert.equal(got.hasAnyEndpoints, c.any, "hasAnyEndpoints");
    if (c.topology !== undefined) assert.equal(got.topology, c.topology, "topology");
  });
}

Deno.test("topologyMode() is empty when no endpoint is ready", () => {
  assert.equal(topologyMode([e("1 T L z:zone-a")], NODE), "");
  assert.equal(topologyMode([], NODE), "");
});

Deno.test("isLocal() needs a non-empty node name equal to this node's", () => {
  assert.equal(isLocal(e("1 R L"), NODE), true);
  assert.equal(isLocal(e("1 R X"), NODE), false);
  const anon = { ...e("1 R L"), nodeName: "" };
  assert.equal(isLocal(anon, { name: "", zone: "" }), false);
});
