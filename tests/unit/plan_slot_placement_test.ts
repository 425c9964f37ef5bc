import { strict as assert } from "node:assert";
import { placeInSlots } from "../../src/plan/service_fragment.ts";
import type { EndpointInfo } from "../../src/model/endpoints.ts";
import { parseIp } from "../../src/model/ip.ts";

function ep(ip: string, port = 8080): EndpointInfo {
  return {
    ip: parseIp(ip),
    port,
    ready: true,
    serving: true,
    terminating: false,
    nodeName: "n",
    zone: "",
  };
}

Deno.test("placeInSlots() keeps every endpoint that already had a slot in range", () => {
  const before = new Map([[16, "10.0.0.1 . 8080"], [17, "10.0.0.2 . 8080"], [
    18,
    "10.0.0.3 . 8080",
  ]]);
  // 10.0.0.1 is replaced by 10.0.0.9 (a rollout): only slot 16 changes.
  const placed = placeInSlots(
    [ep("10.0.0.2"), ep("10.0.0.3"), ep("10.0.0.9")],
    16,
    (s) => before.get(s),
  );
  assert.deepEqual(placed.map((e) => e.ip.text), ["10.0.0.9", "10.0.0.2", "10.0.0.3"]);
});

Deno.test("placeInSlots() moves only the endpoint beyond a shrunk range into the freed slot", () => {
  const before = new Map([[16, "10.0.0.1 . 8080"], [17, "10.0.0.2 . 8080"], [
    18,
    "10.0.0.3 . 8080",
  ]]);
  const placed = placeInSlots([ep("10.0.0.1"), ep("10.0.0.3")], 16, (s) => before.get(s));
  assert.deepEqual(placed.map((e) => e.ip.text), ["10.0.0.1", "10.0.0.3"]);
});

Deno.test("placeInSlots() places every endpoint exactly once, also with no history", () => {
  const eps = [ep("10.0.0.5"), ep("10.0.0.4"), ep("10.0.0.6")];
  const placed = placeInSlots(eps, 32, () => undefined);
  assert.equal(new Set(placed).size, 3);
  assert.deepEqual(placed.map((e) => e.ip.text).sort(), ["10.0.0.4", "10.0.0.5", "10.0.0.6"]);
  // A port change makes it a different endpoint.
  const moved = placeInSlots(
    [ep("10.0.0.4", 9090)],
    32,
    (s) => (s === 32 ? "10.0.0.4 . 8080" : undefined),
  );
  assert.equal(moved[0].port, 9090);
});
