import assert from "node:assert/strict";
import {
  type ConntrackFlow,
  describeFlow,
  endpointKey,
  IPPROTO_UDP,
} from "../../../src/conntrack/flow.ts";

Deno.test("endpointKey() writes ip:port, with IPv6 in brackets", () => {
  assert.equal(endpointKey("10.244.1.5", 53), "10.244.1.5:53");
  assert.equal(endpointKey("fd00::5", 53), "[fd00::5]:53");
});

Deno.test("describeFlow() tells client, service address and the endpoint that answers", () => {
  const flow: ConntrackFlow = {
    family: 6,
    proto: IPPROTO_UDP,
    orig: { src: "fd00:244::50", dst: "fd00:96::a", sport: 40000, dport: 53 },
    reply: { src: "fd00:244::11", dst: "fd00:244::50", sport: 5353, dport: 40000 },
  };
  assert.equal(
    describeFlow(flow),
    "[fd00:244::50]:40000 -> [fd00:96::a]:53 (reply from [fd00:244::11]:5353)",
  );
  assert.equal(IPPROTO_UDP, 17);
});
