/**
 * End-to-end checks of the network-namespace harness itself, with a small
 * hand-written nft ruleset standing in for the proxy.
 */
import assert from "node:assert/strict";
import {
  NftLoadError,
  podAddress,
  type ProbeOptions,
  type ProbeResult,
  run,
  summarize,
  Topology,
} from "../support/netns/mod.ts";

const isRoot = Deno.uid() === 0;
if (!isRoot) {
  console.warn("netns_harness_test: SKIPPED - needs root to create network namespaces");
}

const VIP4 = "10.96.0.10";
const VIP6 = "2001:db8:96::10";

function ruleset(web1v4: string, web1v6: string): string {
  return `
table inet harness_test {
  chain services {
    ip daddr ${VIP4} tcp dport 80 dnat ip to ${web1v4}:8080
    ip daddr ${VIP4} udp dport 53 dnat ip to ${web1v4}:5353
    ip6 daddr ${VIP6} tcp dport 80 dnat ip6 to [${web1v6}]:8080
  }
  chain prerouting {
    type nat hook prerouting priority dstnat; policy accept;
    jump services
  }
  chain output_nat {
    type nat hook output priority -100; policy accept;
    jump services
  }
  chain postrouting {
    type nat hook postrouting priority srcnat; policy accept;
    ip saddr ${web1v4} ip daddr ${web1v4} ct status dnat masquerade
  }
  chain filters {
    tcp dport 81 reject
    tcp dport 82 reject with icmpx type admin-prohibited
    tcp dport 83 drop
    udp dport 54 reject
  }
  chain forward {
    type filter hook forward priority filter; policy accept;
    jump filters
  }
  chain output {
    type filter hook output priority filter; policy accept;
    jump filters
  }
}
`;
}

function only(results: ProbeResult[], kind: ProbeResult["kind"]): void {
  assert.ok(results.length > 0);
  for (const r of results) assert.equal(r.kind, kind, JSON.stringify(r));
}

async function netnsList(): Promise<string> {
  return (await run(["ip", "netns", "list"])).stdout;
}

Deno.test("Topology.create() rejects invalid and duplicate names before touching the system", async () => {
  await assert.rejects(Topology.create({ pods: [{ name: "Bad_Name" }] }), RangeError);
  await assert.rejects(Topology.create({ pods: [{ name: "node" }] }), RangeError);
  await assert.rejects(
    Topology.create({ pods: [{ name: "a" }], externals: ["a"] }),
    /duplicate/,
  );
  assert.equal(podAddress("node2", 3, 6), "2001:db8:244:2::13");
});

Deno.test({
  name:
    "Topology carries pod, service (DNAT), reject, drop, UDP and IPv6 traffic as the ruleset says",
  ignore: !isRoot,
  sanitizeResources: true,
  fn: async (t) => {
    const rootBefore = (await run(["nft", "list", "ruleset"])).stdout;
    const topo = await Topology.create({
      pods: [{ name: "web-1" }, { name: "web-2" }, { name: "far-1", node: "node2" }],
      externals: ["ext1"],
    });
    let names: string[] = [];
    try {
      names = topo.namespaces();
      assert.equal(names.length, 7); // lan, node, node2, ext1, 3 pods
      const listed = await netnsList();
      for (const ns of names) assert.ok(listed.includes(ns), `${ns} should exist`);
      // Generous deadline for answers expected to succeed (the machine may be busy);
      // probes expected to time out pass their own short deadline.
      const probe = (o: ProbeOptions) => topo.probe({ timeoutMs: 3000, ...o });
      const ext4 = topo.externalIp("ext1", 4);
      const web1 = topo.podIp("web-1", 4);

      await t.step("loadRuleset() reports nft's error for a broken script", async () => {
        const err = await topo.loadRuleset("table inet x { chain c { nonsense } }").then(
          () => null,
          (e) => e,
        );
        assert.ok(err instanceof NftLoadError);
        assert.match(err.stderr, /Error/);
      });
      await topo.loadRuleset(ruleset(web1, topo.podIp("web-1", 6)));
      assert.match(await topo.listRuleset(), /table inet harness_test/);

      await t.step("direct traffic reaches the right pod and shows the real source", async () => {
        const fromExt = summarize(await probe({ from: "ext1", to: web1, port: 80, count: 3 }));
        assert.deepEqual([fromExt.ok, [...fromExt.pods], [...fromExt.srcs]], [3, ["web-1"], [
          ext4,
        ]]);
        const sameNode = await probe({ from: "web-1", to: topo.podIp("web-2"), port: 8080 });
        assert.deepEqual([sameNode[0].kind, (sameNode[0] as { pod: string }).pod], ["ok", "web-2"]);
        const cross = summarize(await probe({ from: "far-1", to: web1, port: 80, count: 2 }));
        assert.deepEqual([[...cross.pods], [...cross.srcs]], [["web-1"], [topo.podIp("far-1")]]);
      });

      await t.step("DNAT of the VIP works from an external, the node and a pod", async () => {
        const ext = await probe({ from: "ext1", to: VIP4, port: 80, count: 20 });
        only(ext, "ok");
        const s = summarize(ext);
        assert.deepEqual([[...s.pods], [...s.srcs]], [["web-1"], [ext4]]);
        assert.ok(ext.every((r) => r.kind === "ok" && r.port === 8080));
        assert.equal(new Set(ext.map((r) => (r as { sport: number }).sport)).size, 20);
        const node = summarize(await probe({ from: "node", to: VIP4, port: 80, count: 2 }));
        assert.deepEqual([[...node.pods], [...node.srcs]], [["web-1"], [topo.nodeIp(4)]]);
        const pod = summarize(await probe({ from: "web-2", to: VIP4, port: 80, count: 2 }));
        assert.deepEqual([[...pod.pods], [...pod.srcs]], [["web-1"], [topo.podIp("web-2")]]);
        const hairpin = summarize(await probe({ from: "web-1", to: VIP4, port: 80 }));
        assert.deepEqual([[...hairpin.pods], [...hairpin.srcs]], [["web-1"], ["10.244.1.1"]]);
      });

      await t.step("reject gives 'refused', drop gives 'timeout'", async () => {
        only(await probe({ from: "ext1", to: web1, port: 81, count: 2 }), "refused");
        only(await probe({ from: "node", to: web1, port: 81 }), "refused");
        const prohibited = await probe({ from: "ext1", to: web1, port: 82 });
        only(prohibited, "refused");
        assert.equal((prohibited[0] as { reason: string }).reason, "EHOSTUNREACH");
        only(await probe({ from: "ext1", to: web1, port: 83, timeoutMs: 300 }), "timeout");
        only(await probe({ from: "ext1", to: web1, port: 7 }), "refused");
      });

      await t.step("UDP answers, and UDP refusals are seen", async () => {
        const udp = await probe({ from: "ext1", to: VIP4, port: 53, proto: "udp", count: 5 });
        only(udp, "ok");
        assert.ok(udp.every((r) => r.kind === "ok" && r.pod === "web-1" && r.port === 5353));
        only(await probe({ from: "ext1", to: web1, port: 9, proto: "udp" }), "refused");
        only(await probe({ from: "ext1", to: web1, port: 54, proto: "udp" }), "refused");
        const same = await probe({
          from: "ext1",
          to: VIP4,
          port: 53,
          proto: "udp",
          count: 3,
          sameSourcePort: true,
        });
        only(same, "ok");
        assert.equal(new Set(same.map((r) => (r as { sport: number }).sport)).size, 1);
        const session = await topo.startSession({ from: "ext1", to: VIP4, port: 53, proto: "udp" });
        const [a, b] = [await session.send(), await session.send()];
        assert.deepEqual([a.kind, b.kind], ["ok", "ok"]);
        assert.equal((a as { sport: number }).sport, (b as { sport: number }).sport);
        await session.close();
      });

      await t.step(
        "a session keeps its source port, so conntrack pins it until flushed",
        async () => {
          const rules = (to: string) =>
            `table ip pin {\n chain p {\n type nat hook prerouting priority dstnat;\n` +
            ` ip daddr 10.96.0.53 udp dport 53 dnat to ${to}:53\n }\n}\n`;
          await topo.loadRuleset(rules(web1));
          const session = await topo.startSession({
            from: "ext1",
            to: "10.96.0.53",
            port: 53,
            proto: "udp",
          });
          try {
            const first = await session.send(3000);
            await topo.loadRuleset(`delete table ip pin\n${rules(topo.podIp("web-2"))}`);
            const pinned = await session.send(3000);
            await topo.exec("node", ["conntrack", "-D", "-p", "udp", "--orig-dst", "10.96.0.53"]);
            const moved = await session.send(3000);
            assert.deepEqual(
              [first, pinned, moved].map((r) => r.kind === "ok" ? [r.pod, r.sport] : r.kind),
              [["web-1", first.sport], ["web-1", first.sport], ["web-2", first.sport]],
            );
          } finally {
            await session.close();
          }
        },
      );

      await t.step(
        "a host-network server on the node answers UDP on each node address",
        async () => {
          await topo.startServer("node", "hostnet", { tcp: [], udp: [10251] });
          for (
            const ip of [topo.nodeIp(4), topo.nodeIp(4, "node", true), topo.nodeIp(6, "node", true)]
          ) {
            const r = await probe({ from: "ext1", to: ip, port: 10251, proto: "udp" });
            assert.deepEqual(r.map((x) => x.kind === "ok" && [x.pod, x.dst]), [["hostnet", ip]]);
          }
        },
      );

      await t.step("IPv6 paths work directly, across nodes and through DNAT", async () => {
        const ext6 = topo.externalIp("ext1", 6);
        const vip = summarize(await probe({ from: "ext1", to: VIP6, port: 80, count: 3 }));
        assert.deepEqual([vip.ok, [...vip.pods], [...vip.srcs]], [3, ["web-1"], [ext6]]);
        const far = await probe({
          from: "web-2",
          to: topo.podIp("far-1", 6),
          port: 53,
          proto: "udp",
        });
        assert.deepEqual([[...summarize(far).pods], [...summarize(far).srcs]], [
          ["far-1"],
          [topo.podIp("web-2", 6)],
        ]);
      });

      await t.step("SCTP support is detected and reported", async () => {
        const r = await probe({ from: "ext1", to: web1, port: 80, proto: "sctp" });
        if (topo.sctpSupported) only(r, "ok");
        else assert.match((r[0] as { message: string }).message, /EPROTONOSUPPORT/);
      });

      await t.step("addPod() and removePod() change what answers", async () => {
        await topo.addPod({ name: "web-3", tcp: [9000], udp: [] });
        const ip = topo.podIp("web-3");
        const up = summarize(await probe({ from: "ext1", to: ip, port: 9000 }));
        assert.deepEqual([...up.pods], ["web-3"]);
        await topo.removePod("web-3");
        const down = await probe({ from: "ext1", to: ip, port: 9000, timeoutMs: 300 });
        assert.notEqual(down[0].kind, "ok");
        assert.ok(!(await netnsList()).includes(`${topo.id}-web-3`));
      });
    } finally {
      await topo.destroy();
      await topo.destroy();
    }
    const after = await netnsList();
    for (const ns of names) assert.ok(!after.includes(ns), `${ns} should be gone`);
    assert.equal((await run(["nft", "list", "ruleset"])).stdout, rootBefore);
  },
});
