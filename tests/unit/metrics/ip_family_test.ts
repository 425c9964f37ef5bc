import assert from "node:assert/strict";
import { checkIpFamilies, checkIpFamily, IP_FAMILIES } from "../../../src/metrics/ip_family.ts";

Deno.test("IP_FAMILIES lists IPv4 then IPv6, as upstream, and cannot be changed", () => {
  assert.deepEqual(IP_FAMILIES, ["IPv4", "IPv6"]);
  assert.ok(Object.isFrozen(IP_FAMILIES));
});

Deno.test("checkIpFamily() accepts Kubernetes' spelling only, naming what it was for", () => {
  assert.equal(checkIpFamily("count drift", "IPv6"), "IPv6");
  for (const bad of ["ipv4", "IPV4", 4, "", null, undefined]) {
    assert.throws(
      () => checkIpFamily("count drift", bad),
      /^RangeError: Cannot count drift: unknown IP family .*: use "IPv4" or "IPv6"$/,
      String(bad),
    );
  }
});

Deno.test("checkIpFamilies() takes one family or a list, drops duplicates and rejects an empty list", () => {
  assert.deepEqual(checkIpFamilies("serve", "IPv4"), ["IPv4"]);
  assert.deepEqual(checkIpFamilies("serve", ["IPv6", "IPv4", "IPv6"]), ["IPv6", "IPv4"]);
  assert.deepEqual(checkIpFamilies("serve", new Set(["IPv4" as const])), ["IPv4"]);
  assert.ok(Object.isFrozen(checkIpFamilies("serve", ["IPv4"])));
  assert.throws(() => checkIpFamilies("serve", []), /expected at least one IP family, got none/);
  assert.throws(() => checkIpFamilies("serve", 4 as never), /expected an IP family or a list/);
  assert.throws(() => checkIpFamilies("serve", ["IPv4", "v6" as never]), /unknown IP family "v6"/);
});
