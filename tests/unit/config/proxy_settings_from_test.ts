import assert from "node:assert/strict";
import { configFromFlags } from "../../../src/config/resolve_config.ts";
import { proxySettingsFrom } from "../../../src/config/proxy_settings_from.ts";
import { type IpAddr, parseIp } from "../../../src/model/ip.ts";

const host = { hostname: () => "Node-A" };

Deno.test("proxySettingsFrom() turns the typed configuration into renderer settings", () => {
  const s = proxySettingsFrom(
    configFromFlags([
      "--cluster-cidr=10.244.0.0/16, fd00:244::/48",
      "--service-cidrs=10.96.0.0/12",
      "--masquerade-all",
      "--nft-table=kp2",
      "--bind-address=192.0.2.5,fd00::5",
    ], host),
    { localAddresses: () => assert.fail("primary NodePorts read no interface addresses") },
  );
  assert.equal(s.nodeName, "node-a");
  assert.equal(s.tableName, "kp2");
  assert.deepEqual(s.clusterCIDRs.map((c) => c.text), ["10.244.0.0/16", "fd00:244::/48"]);
  assert.deepEqual(s.serviceCIDRs.map((c) => c.text), ["10.96.0.0/12"]);
  assert.equal(s.masqueradeAll, true);
  assert.equal(s.masqueradeBit, 14);
  assert.equal(s.nodePortAddresses, "primary");
  assert.equal(s.localAddresses, undefined);
  assert.deepEqual(s.nodeIPOverride.map((ip) => ip.text), ["192.0.2.5", "fd00::5"]);
});

Deno.test("proxySettingsFrom() reads this host's addresses for CIDR nodePortAddresses at every use", () => {
  const addrs = [parseIp("198.51.100.10"), parseIp("198.51.100.11"), parseIp("127.0.0.1")];
  let reads = 0;
  const s = proxySettingsFrom(
    configFromFlags(["--nodeport-addresses=198.51.100.0/24"], host),
    { localAddresses: () => (reads++, addrs) },
  );
  assert.deepEqual((s.nodePortAddresses as { text: string }[]).map((c) => c.text), [
    "198.51.100.0/24",
  ]);
  // A function, so that an address added to an interface later is seen at the next full sync.
  assert.equal(typeof s.localAddresses, "function");
  assert.equal(reads, 0, "nothing read before a sync needs it");
  const read = s.localAddresses as () => IpAddr[];
  assert.deepEqual(read(), addrs);
  read();
  assert.equal(reads, 2);
});
