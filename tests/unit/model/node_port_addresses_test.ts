import assert from "node:assert/strict";
import {
  isLoopback,
  nodePortAddresses,
  type NodePortAddressesSetting,
} from "../../../src/model/node_port_addresses.ts";
import { readNode, unknownNode } from "../../../src/model/node_info.ts";
import { type IpAddr, parseCidr, parseIp } from "../../../src/model/ip.ts";
import { nodeObject, problems } from "../../fixtures/unit/builders.ts";

/** A cloud node: InternalIPs on its interfaces, an ExternalIP that is NAT (on no interface). */
const CLOUD = readNode(
  "node-a",
  nodeObject({
    status: {
      addresses: [
        { type: "InternalIP", address: "10.0.1.5" },
        { type: "ExternalIP", address: "203.0.113.50" },
        { type: "InternalIP", address: "fd00:10::5" },
        { type: "Hostname", address: "node-a" },
      ],
    },
  }),
  () => {},
);
/** This host's interface addresses (as `Deno.networkInterfaces()` lists them). */
const LOCAL = ["127.0.0.1", "::1", "10.0.1.5", "10.0.2.5", "fd00:10::5", "fe80::1", "172.17.0.1"]
  .map(parseIp);

function pick(
  setting: NodePortAddressesSetting,
  family: 4 | 6,
  /** "unknown": the caller cannot list this host's interfaces. */
  local: IpAddr[] | "unknown" = LOCAL,
  node = CLOUD,
  bind?: string,
) {
  const r = nodePortAddresses(node, local === "unknown" ? undefined : local, setting, family, {
    bindAddress: bind ? parseIp(bind) : undefined,
  });
  return { all: r.matchAll, addrs: r.addresses.map((a) => a.text), reason: r.reason };
}

const cidrs = (...t: string[]) => t.map(parseCidr);

Deno.test("nodePortAddresses() primary: the Node's first InternalIP of each family", () => {
  assert.deepEqual(pick("primary", 4), { all: false, addrs: ["10.0.1.5"], reason: "primary" });
  assert.deepEqual(pick("primary", 6), { all: false, addrs: ["fd00:10::5"], reason: "primary" });
});

Deno.test("nodePortAddresses() primary: --bind-address replaces the primary of its family", () => {
  assert.deepEqual(pick("primary", 4, LOCAL, CLOUD, "10.0.2.5").addrs, ["10.0.2.5"]);
  assert.deepEqual(pick("primary", 6, LOCAL, CLOUD, "10.0.2.5").addrs, ["fd00:10::5"]);
  assert.deepEqual(pick("primary", 4, LOCAL, CLOUD, "0.0.0.0").addrs, ["10.0.1.5"], "unspecified");
});

Deno.test("nodePortAddresses() primary: a primary IP that is not on this host selects nothing", () => {
  assert.deepEqual(pick("primary", 4, [parseIp("10.0.9.9")]), {
    all: false,
    addrs: [],
    reason: "primary-not-local",
  });
});

Deno.test("nodePortAddresses() primary: a family without a primary IP matches all, as upstream", () => {
  const v4only = readNode(
    "n",
    nodeObject({
      status: { addresses: [{ type: "InternalIP", address: "10.0.1.5" }] },
    }),
    () => {},
  );
  assert.deepEqual(pick("primary", 6, LOCAL, v4only), {
    all: true,
    addrs: [],
    reason: "no-primary-address",
  });
  assert.equal(pick("primary", 4, LOCAL, unknownNode("n")).all, true, "Node not seen yet");
  assert.equal(pick("primary", 4, LOCAL, CLOUD, "127.0.0.1").all, true, "loopback is no primary");
});

Deno.test("nodePortAddresses() primary: an ExternalIP is the primary only without an InternalIP", () => {
  const extOnly6 = readNode(
    "n",
    nodeObject({
      status: {
        addresses: [
          { type: "ExternalIP", address: "2001:db8::50" },
          { type: "InternalIP", address: "10.0.1.5" },
          { type: "ExternalIP", address: "203.0.113.50" },
        ],
      },
    }),
    () => {},
  );
  assert.deepEqual(pick("primary", 4, "unknown", extOnly6).addrs, ["10.0.1.5"]);
  assert.deepEqual(pick("primary", 6, "unknown", extOnly6).addrs, ["2001:db8::50"]);
});

Deno.test("nodePortAddresses() CIDRs: this host's addresses inside them, never loopback", () => {
  assert.deepEqual(pick(cidrs("10.0.0.0/16", "127.0.0.0/8"), 4), {
    all: false,
    addrs: ["10.0.1.5", "10.0.2.5"],
    reason: "cidrs",
  });
  assert.deepEqual(pick(cidrs("127.0.0.1/32"), 4).addrs, []);
  assert.deepEqual(pick(cidrs("::1/128", "fe80::/10"), 6).addrs, ["fe80::1"]);
});

Deno.test("nodePortAddresses() CIDRs: the Node's NAT ExternalIP is not selected by itself", () => {
  assert.deepEqual(pick(cidrs("203.0.113.0/24"), 4).addrs, [], "not on any interface");
  const withExt = [...LOCAL, parseIp("203.0.113.50")];
  assert.deepEqual(pick(cidrs("203.0.113.0/24"), 4, withExt).addrs, ["203.0.113.50"]);
  // Without the interface list (dry run, explain), the Node's addresses stand in for it.
  assert.deepEqual(pick(cidrs("203.0.113.0/24"), 4, "unknown").addrs, ["203.0.113.50"]);
});

Deno.test("nodePortAddresses() CIDRs: a zero CIDR, or none of the family, matches all", () => {
  assert.deepEqual(pick(cidrs("0.0.0.0/0", "10.0.0.0/16"), 4), {
    all: true,
    addrs: [],
    reason: "zero-cidr",
  });
  assert.deepEqual(pick(cidrs("10.0.0.0/16"), 6), {
    all: true,
    addrs: [],
    reason: "no-cidr-of-family",
  });
  assert.equal(pick(cidrs("::/0"), 6).all, true);
});

Deno.test("isLoopback() knows 127.0.0.0/8, ::1 and IPv4-mapped loopback", () => {
  for (const a of ["127.0.0.1", "127.255.0.9", "::1", "::ffff:127.0.0.1"]) {
    assert.equal(isLoopback(parseIp(a)), true, a);
  }
  for (const a of ["128.0.0.1", "::", "::2", "fe80::1", "::ffff:10.0.0.1", "1::1"]) {
    assert.equal(isLoopback(parseIp(a)), false, a);
  }
  const p = problems();
  assert.deepEqual(p.list, []);
});
