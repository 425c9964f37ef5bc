/**
 * Stale UDP conntrack entries, with real datagrams and the real proxy in a
 * node namespace. A UDP client that keeps one source port stays pinned to
 * whatever its conntrack entry says; the proxy's reconciler must delete the
 * entries whose reply does not come from a serving endpoint, and only those:
 *
 * - a removed endpoint's flow goes (control: `--conntrack-cleanup=false` stays pinned);
 * - a terminating endpoint that still serves keeps its flow;
 * - an entry made before the Service had any endpoint (never DNATed) goes when
 *   the first endpoint appears;
 * - after a restart, entries to an endpoint removed while the proxy was down go;
 * - a Service with 2,000 external IPs losing an endpoint: every flow to it
 *   goes, the others stay, and no `conntrack` process is started.
 */

import { strict as assert } from "node:assert";
import { type ProbeResult, type ProbeSession, summarize, Topology } from "../support/netns/mod.ts";
import {
  type EndpointArg,
  endpointSlice,
  node,
  service,
  writeManifest,
} from "../support/cluster_objects.ts";
import { ProxyProcess, TEST_PROXY_FLAGS } from "../support/proxy_process.ts";
import { eventually, isRoot } from "../support/eventually.ts";
import type { KubeObject } from "../../src/model/kube_types.ts";

const DNS = [{ name: "dns", protocol: "UDP" as const, port: 53 }];

/** Sends for `ms` and returns every result with the time it came, from the first send. */
async function sendFor(session: ProbeSession, ms: number) {
  const out: { at: number; r: ProbeResult }[] = [];
  const t0 = Date.now();
  while (Date.now() - t0 < ms) out.push({ at: Date.now() - t0, r: await session.send() });
  return out;
}

/** Asserts that the session answers from `pod` within 3 s and from then on only from it. */
function assertMovedTo(after: { at: number; r: ProbeResult }[], pod: string): void {
  const firstOk = after.findIndex(({ r }) => r.kind === "ok");
  assert.ok(firstOk >= 0, `never reached ${pod}: ${JSON.stringify(after)}`);
  assert.ok(after[firstOk].at < 3000, `reached ${pod} only after ${after[firstOk].at} ms`);
  const rest = summarize(after.slice(firstOk).map(({ r }) => r));
  assert.deepEqual([...rest.pods], [pod], JSON.stringify(after));
  assert.equal(
    rest.ok,
    after.length - firstOk,
    `all answered from then on: ${JSON.stringify(after)}`,
  );
}

Deno.test({
  name: "conntrack: stale UDP entries are reconciled with upstream's semantics",
  ignore: !isRoot("conntrack UDP e2e"),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    const topo = await Topology.create({
      pods: [
        ...["old-1", "new-1", "old-2", "new-2", "term-a", "term-b", "first", "rs-old", "rs-new"]
          .map((name) => ({ name })),
        { name: "big-a" },
        { name: "big-b" },
        { name: "client", server: false },
      ],
      dualStack: false,
    });
    const dir = await Deno.makeTempDir({ prefix: "kp-ct-" });
    const file = `${dir}/cluster.json`;
    const procs: ProxyProcess[] = [];
    const nodeObj = () => node("node", [topo.nodeIp(4)], ["10.244.1.0/24"]);
    const udpService = (name: string, vip: string, endpoints: EndpointArg[] | null) => {
      const objs: KubeObject[] = [service(name, [vip], DNS)];
      if (endpoints) objs.push(endpointSlice(`${name}-1`, name, 4, DNS, endpoints));
      return objs;
    };
    const start = async (objects: KubeObject[], extra: string[] = [], env = {}) => {
      for (const q of procs) await q.stop(); // one proxy at a time, even after a failed step
      await writeManifest(file, [nodeObj(), ...objects]);
      const p = ProxyProcess.start(
        topo.nsName("node"),
        ["--manifests", dir, ...TEST_PROXY_FLAGS, ...extra],
        env,
      );
      procs.push(p);
      await p.waitForSyncs(1);
      return p;
    };
    const session = (vip: string) =>
      topo.startSession({ from: "client", to: vip, port: 53, proto: "udp", timeoutMs: 500 });
    /** Pins a session to `pod` (three answers from it) and returns its source port. */
    const pin = async (s: ProbeSession, pod: string) => {
      const before: ProbeResult[] = [];
      for (let i = 0; i < 3; i++) before.push(await s.send());
      const sum = summarize(before);
      assert.equal(sum.ok, 3, `pinned to ${pod} first: ${JSON.stringify(before)}`);
      assert.deepEqual([...sum.pods], [pod]);
    };
    const conntrackTo = async (vip: string) =>
      (await topo.exec("node", ["conntrack", "-L", "-p", "udp", "--orig-dst", vip], {
        check: false,
      })).stdout;

    try {
      await t.step("a removed endpoint's flow is deleted: the client moves on", async () => {
        const vip = "10.96.4.1";
        const p = await start(udpService("dns", vip, [{ ip: topo.podIp("old-1") }]));
        const s = await session(vip);
        await pin(s, "old-1");
        await topo.removePod("old-1");
        await p.applyAndSync(file, [
          nodeObj(),
          ...udpService("dns", vip, [{ ip: topo.podIp("new-1") }]),
        ]);
        assertMovedTo(await sendFor(s, 5000), "new-1");
        await s.close();
        await p.stop();
      });

      await t.step("control, --conntrack-cleanup=false: the client stays pinned", async () => {
        const vip = "10.96.4.2";
        const deadIp = topo.podIp("old-2");
        const p = await start(udpService("dns", vip, [{ ip: deadIp }]), [
          "--conntrack-cleanup=false",
        ]);
        const s = await session(vip);
        await pin(s, "old-2");
        await topo.removePod("old-2");
        await p.applyAndSync(file, [
          nodeObj(),
          ...udpService("dns", vip, [{ ip: topo.podIp("new-2") }]),
        ]);
        const after = await sendFor(s, 4000);
        assert.equal(summarize(after.map(({ r }) => r)).ok, 0, JSON.stringify(after));
        assert.match(await conntrackTo(vip), new RegExp(`src=${deadIp.replaceAll(".", "\\.")} `));
        // The rules did move on: a fresh source port reaches new-2.
        const fresh = summarize(
          await topo.probe({ from: "client", to: vip, port: 53, proto: "udp", count: 3 }),
        );
        assert.deepEqual([...fresh.pods], ["new-2"], JSON.stringify(fresh));
        await s.close();
        await p.stop();
      });

      await t.step("a terminating endpoint that still serves keeps its flow", async () => {
        const vip = "10.96.4.3";
        const p = await start(udpService("dns", vip, [{ ip: topo.podIp("term-a") }]));
        const s = await session(vip);
        await pin(s, "term-a");
        // term-a terminates but serves; term-b is ready, so NEW flows go to term-b only.
        await p.applyAndSync(file, [
          nodeObj(),
          ...udpService("dns", vip, [
            { ip: topo.podIp("term-a"), ready: false, serving: true, terminating: true },
            { ip: topo.podIp("term-b") },
          ]),
        ]);
        const after = summarize((await sendFor(s, 3000)).map(({ r }) => r));
        assert.deepEqual([...after.pods], ["term-a"], "the established flow stays on term-a");
        assert.ok(after.ok >= 4 && after.timeout === 0, JSON.stringify(after));
        const fresh = summarize(
          await topo.probe({ from: "client", to: vip, port: 53, proto: "udp", count: 4 }),
        );
        assert.deepEqual([...fresh.pods], ["term-b"], "new flows go to the ready endpoint");
        await s.close();
        await p.stop();
      });

      await t.step(
        "an entry made before the Service had endpoints goes when the first endpoint appears",
        async () => {
          const vip = "10.96.4.4";
          // No proxy rules yet (as on a node whose proxy has not synced): the datagrams go to
          // the node's default route un-NATed, and conntrack remembers that. (A kernel tracks
          // connections in a namespace only once some rule uses conntrack; on a real node the
          // CNI's or kubelet's rules do. Here a host firewall table stands in for them.)
          for (const fam of ["ip", "ip6"]) {
            await topo.exec("node", ["nft", "delete", "table", fam, "kube-nft-proxy"], {
              check: false,
            });
          }
          await topo.loadRuleset(
            "table inet host-firewall {\n\tchain forward {\n\t\ttype filter hook forward priority 0; policy accept;\n\t\tct state established,related accept\n\t}\n}\n",
          );
          const s = await session(vip);
          assert.equal((await s.send()).kind, "timeout");
          assert.match(await conntrackTo(vip), new RegExp(`src=${vip.replaceAll(".", "\\.")} `));
          // The Service exists without endpoints: rejected. The entry, never answered, is still
          // "new" for the filter rules (so the client is refused), but NAT is decided once per
          // entry, so its datagrams would never be DNATed.
          const p = await start(udpService("dns", vip, null));
          assert.equal((await s.send()).kind, "refused");
          await p.applyAndSync(file, [
            nodeObj(),
            ...udpService("dns", vip, [{ ip: topo.podIp("first") }]),
          ]);
          assertMovedTo(await sendFor(s, 4000), "first");
          await s.close();
          await p.stop();
        },
      );

      await t.step("after a restart, entries to an endpoint removed meanwhile go", async () => {
        const vip = "10.96.4.5";
        const p = await start(udpService("dns", vip, [{ ip: topo.podIp("rs-old") }]));
        const s = await session(vip);
        await pin(s, "rs-old");
        await p.stop(); // the rules stay
        await topo.removePod("rs-old");
        const q = await start(udpService("dns", vip, [{ ip: topo.podIp("rs-new") }]));
        assertMovedTo(await sendFor(s, 4000), "rs-new");
        await s.close();
        await q.stop();
      });

      await t.step(
        "2,000 external IPs losing an endpoint: its flows go, no conntrack process starts",
        async () => {
          const vip = "10.96.4.6";
          const externalIPs = Array.from(
            { length: 2000 },
            (_, i) => `10.200.${Math.floor(i / 250)}.${(i % 250) + 1}`,
          );
          const bigService = (eps: string[]) => [
            service("big", [vip], DNS, { externalIPs }),
            endpointSlice("big-1", "big", 4, DNS, eps.map((pod) => ({ ip: topo.podIp(pod) }))),
          ];
          // A `conntrack` first on the PATH that counts its runs.
          const bin = await Deno.makeTempDir({ prefix: "kp-ctbin-" });
          const count = `${bin}/runs`;
          await Deno.writeTextFile(
            `${bin}/conntrack`,
            `#!/bin/sh\necho "$@" >> ${count}\nexec /usr/sbin/conntrack "$@"\n`,
          );
          await Deno.chmod(`${bin}/conntrack`, 0o755);
          try {
            const p = await start(bigService(["big-a", "big-b"]), [], {
              PATH: `${bin}:${Deno.env.get("PATH")}`,
            });
            // One datagram to each external IP from one socket: 2,000 DNATed entries.
            await topo.exec("client", [
              "python3",
              "-c",
              `import socket,sys\ns=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\n` +
              `for ip in sys.argv[1:]: s.sendto(b"probe\\n",(ip,53))`,
              ...externalIPs,
            ]);
            const entriesFrom = async (pod: string) =>
              (await topo.exec("node", [
                "conntrack",
                "-L",
                "-p",
                "udp",
                "--reply-src",
                topo.podIp(pod),
                "--orig-port-dst",
                "53",
              ], { check: false })).stdout.split("\n").filter((l) => l.includes("src=")).length;
            const toA = await entriesFrom("big-a"), toB = await entriesFrom("big-b");
            assert.equal(toA + toB, 2000, `one entry per external IP: ${toA} + ${toB}`);
            assert.ok(toA > 500 && toB > 500, `spread over both: ${toA} / ${toB}`);

            await p.applyAndSync(file, [nodeObj(), ...bigService(["big-b"])]);
            await eventually(async () => assert.equal(await entriesFrom("big-a"), 0), 10_000);
            assert.equal(await entriesFrom("big-b"), toB, "big-b's flows stay");
            await p.waitForLine(
              new RegExp(`Deleted stale UDP conntrack entries.*deleted=${toA}`),
              5000,
              false,
            );
            const runs = await Deno.readTextFile(count).catch(() => "");
            assert.equal(runs, "", `conntrack processes started: ${runs.split("\n").length - 1}`);
            await p.stop();
          } finally {
            await Deno.remove(bin, { recursive: true });
          }
        },
      );
    } finally {
      for (const p of procs) await p.stop();
      await topo.destroy();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
