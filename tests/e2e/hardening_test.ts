/**
 * One bad object never stops the node from programming the others, with real
 * packets: load-balancer source ranges as operators write them (`0.0.0.0/0`,
 * overlapping, nested, covering the node), wrong-typed objects, a Service
 * above `--max-service-elements`, and a Service whose rules the kernel
 * rejects (quarantined: found by bisection, left out, reported).
 */

import { strict as assert } from "node:assert";
import { summarize, Topology } from "../support/netns/mod.ts";
import { endpointSlice, node, service, writeManifest } from "../support/cluster_objects.ts";
import { ProxyProcess, TEST_PROXY_FLAGS } from "../support/proxy_process.ts";
import { eventually, isRoot } from "../support/eventually.ts";
import type { KubeObject, Service } from "../../src/model/kube_types.ts";

const GOOD_VIP = "10.96.4.1";
const OPEN_LB = "203.0.113.61";
const BIG_VIP = "10.96.4.3";
const BAD_VIP = "10.96.4.4";
const BAD_EXT = "203.0.113.66";

Deno.test({
  name:
    "hardening: odd ranges, wrong types, oversized and rejected Services affect only themselves",
  ignore: !isRoot("hardening e2e"),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    const topo = await Topology.create({
      pods: [{ name: "web-1" }, { name: "web-2" }],
      externals: ["ext1"],
      dualStack: false,
    });
    const dir = await Deno.makeTempDir({ prefix: "kp-hard-" });
    const file = `${dir}/cluster.json`;
    let proxy: ProxyProcess | undefined;
    const nodeIp = topo.nodeIp(4);
    const eps = () => ["web-1", "web-2"].map((p) => ({ ip: topo.podIp(p), node: "node" }));
    const http = [{ name: "http", port: 80 }];
    const withSlice = (svc: KubeObject & { metadata?: { name?: string } }): KubeObject[] => [
      svc,
      endpointSlice(`${svc.metadata!.name}-1`, svc.metadata!.name!, 4, http, eps()),
    ];
    const good = withSlice(service("good", [GOOD_VIP], http));
    const reachGood = async () => {
      const s = summarize(await topo.probe({ from: "ext1", to: GOOD_VIP, port: 80, count: 4 }));
      assert.equal(s.ok, 4, `the good Service answers: ${JSON.stringify(s)}`);
    };
    try {
      await writeManifest(file, [node("node", [nodeIp], ["10.244.1.0/24"]), ...good]);
      proxy = ProxyProcess.start(topo.nsName("node"), [
        ...["--manifests", dir],
        ...TEST_PROXY_FLAGS,
        "--max-service-elements",
        "200",
      ]);
      await proxy.waitForSyncs(1);
      await reachGood();

      await t.step(
        "loadBalancerSourceRanges 0.0.0.0/0 with overlapping ranges syncs and admits",
        async () => {
          const lb = service("open", ["10.96.4.2"], [{ name: "http", port: 80, nodePort: 30061 }], {
            type: "LoadBalancer",
            // As operators write them: everything, nested, duplicated, host bits set, a bare
            // node address, and the other family.
            loadBalancerSourceRanges: [
              "0.0.0.0/0",
              "198.51.100.0/24",
              "198.51.100.0/24",
              "10.0.0.1/8",
              `${nodeIp}/32`,
              "::/0",
            ],
          }, { status: { loadBalancer: { ingress: [{ ip: OPEN_LB }] } } });
          await proxy!.applyAndSync(file, [
            node("node", [nodeIp], ["10.244.1.0/24"]),
            ...good,
            ...withSlice(lb),
          ]);
          assert.ok(!proxy!.lines.some((l) => /Failed to sync/.test(l)), proxy!.lines.join("\n"));
          const s = summarize(await topo.probe({ from: "ext1", to: OPEN_LB, port: 80, count: 4 }));
          assert.equal(s.ok, 4, `0.0.0.0/0 admits an external client: ${JSON.stringify(s)}`);
          await reachGood();
        },
      );

      await t.step("wrong-typed objects are skipped with a warning; the others sync", async () => {
        const bad: KubeObject[] = [
          // spec.clusterIPs a string, ingress not a list, ports not a list.
          {
            apiVersion: "v1",
            kind: "Service",
            metadata: { name: "typo1", namespace: "default" },
            spec: { clusterIPs: "10.96.4.9" as unknown as string[], ports: http },
          } as KubeObject,
          {
            apiVersion: "v1",
            kind: "Service",
            metadata: { name: "typo2", namespace: "default" },
            spec: { type: "LoadBalancer", clusterIP: "10.96.4.10", ports: "80" as never },
            status: { loadBalancer: { ingress: { ip: "203.0.113.9" } as never } },
          } as KubeObject,
        ];
        const nodeObj = node("node", [nodeIp], ["10.244.1.0/24"]) as unknown as Record<
          string,
          Record<string, unknown>
        >;
        nodeObj.status.addresses = "not a list";
        await proxy!.applyAndSync(file, [nodeObj as KubeObject, ...good, ...bad]);
        await reachGood();
        const log = proxy!.lines.join("\n");
        assert.match(log, /Service default\/typo1/, "typo1 is named in the log");
        assert.match(log, /Service default\/typo2/, "typo2 is named in the log");
        assert.ok(!/Failed to sync/.test(log), "no sync failed");
      });

      await t.step(
        "externalIPs naming another Service's ClusterIP neither capture nor black-hole it",
        async () => {
          const DNS_VIP = "10.96.4.10";
          const dns = service("kube-dns", [DNS_VIP], http) as Service;
          dns.metadata!.namespace = "kube-system";
          dns.metadata!.creationTimestamp = "2020-01-01T00:00:00Z";
          const dnsSlice = endpointSlice("kube-dns-1", "kube-dns", 4, http, [
            { ip: topo.podIp("web-1"), node: "node" },
          ]);
          dnsSlice.metadata!.namespace = "kube-system";
          // A tenant's Service, older by name ("aaa" sorts first), newer by age: with endpoints,
          // it would steal the address; another without endpoints would reject it.
          const thief = service("thief", ["10.96.4.11"], http, {
            externalIPs: [DNS_VIP],
          }) as Service;
          thief.metadata!.namespace = "aaa";
          thief.metadata!.creationTimestamp = "2025-01-01T00:00:00Z";
          const thiefSlice = endpointSlice("thief-1", "thief", 4, http, [
            { ip: topo.podIp("web-2"), node: "node" },
          ]);
          thiefSlice.metadata!.namespace = "aaa";
          const hole = service("hole", ["10.96.4.12"], http, { externalIPs: [DNS_VIP] }) as Service;
          hole.metadata!.namespace = "aaa";
          hole.metadata!.creationTimestamp = "2025-01-01T00:00:00Z";
          await proxy!.applyAndSync(file, [
            node("node", [nodeIp], ["10.244.1.0/24"]),
            ...good,
            dns,
            dnsSlice,
            thief,
            thiefSlice,
            hole,
          ]);
          const s = summarize(await topo.probe({ from: "ext1", to: DNS_VIP, port: 80, count: 10 }));
          assert.equal(s.ok, 10, `the ClusterIP answers: ${JSON.stringify(s)}`);
          assert.deepEqual([...s.pods], ["web-1"], "only kube-dns's endpoint answers");
          const log = proxy!.lines.join("\n");
          assert.match(
            log,
            /Service aaa\/thief.*spec\.externalIPs/,
            "the refusal names the tenant",
          );
          await reachGood();
        },
      );

      await t.step(
        "a Service above --max-service-elements is skipped; the others sync",
        async () => {
          const externalIPs = Array.from({ length: 120 }, (_, i) => `203.0.113.${100 + i}`);
          const big = service("big", [BIG_VIP], [{ name: "http", port: 80 }, {
            name: "alt",
            port: 8080,
          }], { externalIPs });
          await proxy!.applyAndSync(file, [
            node("node", [nodeIp], ["10.244.1.0/24"]),
            ...good,
            ...withSlice(big),
          ]);
          await eventually(() => {
            assert.match(
              proxy!.lines.join("\n"),
              /Service default\/big needs \d+ ruleset elements/,
            );
            return Promise.resolve();
          }, 5000);
          await reachGood();
          const s = summarize(
            await topo.probe({ from: "ext1", to: BIG_VIP, port: 80, count: 2, timeoutMs: 500 }),
          );
          assert.equal(s.ok, 0, `the oversized Service is not programmed: ${JSON.stringify(s)}`);
        },
      );
      await proxy.stop();
      proxy = undefined;

      await t.step(
        "a Service the kernel rejects is quarantined; the others are programmed",
        async () => {
          // An nft that rejects every transaction naming BAD_EXT, as a kernel refusing that
          // Service's elements would; checks (-c) are rejected the same way.
          const bin = await Deno.makeTempDir({ prefix: "kp-badnft-" });
          const real = new TextDecoder().decode(
            (await new Deno.Command("sh", { args: ["-c", "command -v nft"], stdout: "piped" })
              .output()).stdout,
          ).trim();
          await Deno.writeTextFile(
            `${bin}/nft`,
            `#!/bin/sh
case "$*" in *-f*)
  script=$(cat); if printf '%s' "$script" | grep -q '${BAD_EXT}'; then
    echo "/dev/stdin:1:1-5: Error: Could not process rule: Operation not supported" >&2; exit 1; fi
  printf '%s\\n' "$script" | exec ${real} "$@";;
esac
exec ${real} "$@"
`,
          );
          await Deno.chmod(`${bin}/nft`, 0o755);
          try {
            const bad = service("rejected", [BAD_VIP], http, { externalIPs: [BAD_EXT] });
            await writeManifest(file, [
              node("node", [nodeIp], ["10.244.1.0/24"]),
              ...good,
              ...withSlice(bad),
              ...withSlice(service("good2", ["10.96.4.5"], http)),
            ]);
            await topo.exec("node", ["nft", "delete", "table", "ip", "kube-nft-proxy"]);
            proxy = ProxyProcess.start(topo.nsName("node"), [
              ...["--manifests", dir],
              ...TEST_PROXY_FLAGS,
              "--nft-backend=exec",
            ], { PATH: `${bin}:${Deno.env.get("PATH")}` });
            await proxy.waitForLine(/rejects this Service's rules/, 20_000);
            await proxy.waitForSyncs(1, 20_000);
            assert.match(proxy.lines.join("\n"), /object="?Service default\/rejected/);
            await reachGood();
            const s2 = summarize(
              await topo.probe({ from: "ext1", to: "10.96.4.5", port: 80, count: 2 }),
            );
            assert.equal(s2.ok, 2, `good2 is programmed too: ${JSON.stringify(s2)}`);
          } finally {
            await Deno.remove(bin, { recursive: true });
          }
        },
      );
    } finally {
      await proxy?.stop();
      await topo.destroy();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
