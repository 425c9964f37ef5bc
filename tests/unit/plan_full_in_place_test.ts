import { strict as assert } from "node:assert";
import { RulesetPlan } from "../../src/plan/ruleset_plan.ts";
import { familyContexts } from "../../src/plan/proxy_settings.ts";
import { parseCidr } from "../../src/model/ip.ts";
import { readService } from "../../src/model/service_port.ts";
import { mergeEndpointSlices } from "../../src/model/endpoints.ts";
import { endpointSlice, service } from "../support/cluster_objects.ts";

function newPlan(): RulesetPlan {
  const settings = {
    nodeName: "node",
    masqueradeBit: 14,
    masqueradeAll: false,
    detectLocalMode: "ClusterCIDR" as const,
    clusterCIDRs: [parseCidr("10.244.0.0/16")],
    bridgeInterface: "",
    interfaceNamePrefix: "",
    nodePortAddresses: "primary" as const,
    serviceCIDRs: [parseCidr("10.96.0.0/12")],
  };
  return new RulesetPlan(
    familyContexts(
      settings,
      { name: "node", addresses: [], podCIDRs: [], zone: "" },
      settings.serviceCIDRs,
    ),
  );
}

function put(plan: RulesetPlan, name: string, ip: string, eps: string[], affinity = false) {
  const svc = service(
    name,
    [ip],
    [{ name: "http", port: 80 }],
    affinity ? { sessionAffinity: "ClientIP" } : {},
  );
  const slices = [
    endpointSlice(`${name}-a`, name, 4, [{ name: "http", port: 80 }], eps.map((e) => ({ ip: e }))),
  ];
  plan.setService(
    `default/${name}`,
    readService(svc, () => {}).ports,
    mergeEndpointSlices(slices, () => {}),
  );
}

async function nft(ns: string, args: string[], stdin?: string): Promise<string> {
  const child = new Deno.Command("ip", {
    args: ["netns", "exec", ns, "nft", ...args],
    stdin: stdin ? "piped" : "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (stdin) {
    const w = child.stdin.getWriter();
    await w.write(new TextEncoder().encode(stdin));
    await w.close();
  }
  const out = await child.output();
  if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
  return new TextDecoder().decode(out.stdout);
}

Deno.test("fullScript() replaces the tables first, then rewrites them in place after an apply", () => {
  const plan = newPlan();
  put(plan, "a", "10.96.0.1", ["10.244.1.5"]);
  assert.match(plan.fullScript().text, /^delete table ip kube-nft-proxy$/m);
  plan.markApplied("full");
  const inPlace = plan.fullScript().text;
  assert.doesNotMatch(inPlace, /delete table/);
  assert.match(inPlace, /^flush map ip kube-nft-proxy service-ips$/m);
  assert.doesNotMatch(inPlace, /flush set ip kube-nft-proxy affinity/, "affinity entries are kept");
  plan.markUnknown();
  assert.match(plan.fullScript().text, /^delete table ip kube-nft-proxy$/m);
});

Deno.test({
  name:
    "an in-place full script leaves the same ruleset as a replacing one, and keeps affinity entries",
  ignore: Deno.uid() !== 0,
  async fn() {
    const ns = `kp-inplace-${crypto.randomUUID().slice(0, 8)}`;
    await new Deno.Command("ip", { args: ["netns", "add", ns] }).output();
    try {
      const plan = newPlan();
      put(plan, "a", "10.96.0.1", ["10.244.1.5", "10.244.1.6"], true);
      put(plan, "b", "10.96.0.2", ["10.244.1.7"]);
      await nft(ns, ["-f", "-"], plan.fullScript().text);
      plan.markApplied("full");
      plan.clearChanges();
      await nft(ns, [
        "add",
        "element",
        "ip",
        "kube-nft-proxy",
        "affinity",
        "{ 10.244.9.9 . 16 timeout 1h }",
      ]);
      // Changes the kernel has not seen: b goes (its chain is stale), c arrives, a shrinks.
      plan.removeService("default/b");
      put(plan, "c", "10.96.0.3", ["10.244.1.8"]);
      put(plan, "a", "10.96.0.1", ["10.244.1.5"], true);
      await nft(ns, ["-f", "-"], plan.fullScript().text);
      const inPlace = await nft(ns, ["list", "table", "ip", "kube-nft-proxy"]);
      assert.match(inPlace, /10\.244\.9\.9 \. 0x00000010/, "the affinity entry survived");
      assert.doesNotMatch(inPlace, /svc-default\/b\//, "the stale chain is gone");
      plan.markUnknown();
      await nft(ns, ["-f", "-"], plan.fullScript().text);
      const replaced = await nft(ns, ["list", "table", "ip", "kube-nft-proxy"]);
      const strip = (s: string) =>
        s.replace(/\n\s*elements = \{[^}]*\}/g, "").replace(/^\s*comment .*$/m, "").split("\n").map(
          (l) => l.trim(),
        ).filter((l) => l).sort();
      const withoutAffinity = (s: string) => strip(s).filter((l) => !l.includes("10.244.9.9"));
      assert.deepEqual(withoutAffinity(inPlace), withoutAffinity(replaced));
    } finally {
      await new Deno.Command("ip", { args: ["netns", "del", ns] }).output();
    }
  },
});
