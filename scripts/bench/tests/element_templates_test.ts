import assert from "node:assert/strict";
import { ElementTemplateError, elementTemplates } from "../bench_apply_paths.ts";

const ONE_MAP = [
  "add element ip kube-nft-proxy service-ips { 10.96.0.1 . tcp . 80 : goto pick-10, 10.96.0.2 . tcp . 80 : goto pick-10 }",
  "add element ip kube-nft-proxy endpoints { 10.96.0.1 . tcp . 80 . 0 : 10.128.0.0 . 8080, 10.96.0.1 . tcp . 80 . 1 : 10.128.0.1 . 8080 }",
].join("\n");
const PER_PROTOCOL = [
  "add element ip kube-nft-proxy service-ips { 10.96.0.1 . tcp . 80 : goto pick-10 }",
  "add element ip kube-nft-proxy endpoints-tcp { 10.96.0.1 . 80 . 0 : 10.128.0.0 . 8080 }",
  "add element ip6 kube-nft-proxy endpoints-tcp { fd00::1 . 80 . 0 : fd01::1 . 8080 }",
].join("\n");

Deno.test("elementTemplates() writes endpoint and entry elements in the script's own shape", () => {
  const a = elementTemplates(ONE_MAP);
  assert.equal(a.endpointsSet, "ip kube-nft-proxy endpoints");
  assert.deepEqual(a.endpoint("10.96.0.9", 60, "10.201.0.1"), {
    key: "10.96.0.9 . tcp . 80 . 60",
    value: "10.201.0.1 . 8080",
  });
  assert.deepEqual(a.entry("10.96.1.1"), { key: "10.96.1.1 . tcp . 80", value: "goto pick-10" });
  const b = elementTemplates(PER_PROTOCOL);
  assert.equal(b.endpointsSet, "ip kube-nft-proxy endpoints-tcp");
  assert.deepEqual(b.endpoint("10.96.0.9", 60, "10.201.0.1"), {
    key: "10.96.0.9 . 80 . 60",
    value: "10.201.0.1 . 8080",
  });
});

Deno.test("elementTemplates() names what it cannot find", () => {
  assert.throws(
    () =>
      elementTemplates(
        "add element ip kube-nft-proxy service-ips { 10.96.0.1 . tcp . 80 : goto pick-1 }",
      ),
    (e: Error) => e instanceof ElementTemplateError && /endpoints/.test(e.message),
  );
});
