/**
 * `deno task test:fuzz`: adversarial objects through the whole proxy (model,
 * address claims, plan, scripts) and into the real kernel. Seeded
 * (`FUZZ_SEED`, default 1) and time-boxed (`FUZZ_SECONDS`, default 30; at
 * least 4 rounds). Each round takes a batch of generated Services, slices and
 * a Node: valid ones, mutants (a wrong JSON type, nft syntax, a bad IP, an
 * extreme number... at a random field), Services that claim another's
 * ClusterIP or external address, nested and overlapping source ranges, and one
 * Service far above the element cap. Invariants, for every round:
 * - the full script, then a partial script after a churn of the batch, then
 *   the garbage collection, all load into the kernel of a scratch network
 *   namespace (root only; else checked by the fake runner and reported);
 * - every script holds nothing outside the planner's grammar (the fake runner
 *   refuses anything else);
 * - every valid Service is programmed;
 * - every Service that is not programmed is named in the log, unless the model
 *   skips it by design (headless, ExternalName, another proxy's, no ClusterIP).
 */

import { strict as assert } from "node:assert";
import { ClusterState } from "../../src/source/cluster_state.ts";
import { Proxier } from "../../src/sync/proxier.ts";
import { Logger } from "../../src/log/logger.ts";
import { FakeNftRunner } from "../../src/nft/fake_nft_runner.ts";
import { ExecNftRunner } from "../../src/nft/exec_nft_runner.ts";
import type { NftRunner } from "../../src/nft/nft_runner.ts";
import { readService } from "../../src/model/service_port.ts";
import { parseCidr } from "../../src/model/ip.ts";
import type { KubeObject } from "../../src/model/kube_types.ts";
import type { ProxySettings } from "../../src/plan/proxy_settings.ts";
import {
  fuzzServices,
  mutantSlice,
  Rng,
  validNode,
  validService,
  validSlice,
} from "../support/fuzz_objects.ts";

const SEED = Number(Deno.env.get("FUZZ_SEED") ?? 1);
const SECONDS = Number(Deno.env.get("FUZZ_SECONDS") ?? 30);
const PER_ROUND = 300;
const MIN_ROUNDS = 4;
const NODE = "fuzz-node";

/** Both of a runner's sides: the kernel (when root) and the grammar. */
class CheckingRunner implements NftRunner {
  readonly grammar = new FakeNftRunner({ typeofBug: false });
  readonly scripts: string[] = [];
  constructor(readonly kernel?: NftRunner) {}
  async apply(script: string): Promise<void> {
    this.scripts.push(script);
    await this.grammar.apply(script);
    await this.kernel?.apply(script);
  }
  async check(script: string): Promise<void> {
    await this.grammar.check(script);
    await this.kernel?.check(script);
  }
  run(args: string[]): Promise<string> {
    return (this.kernel ?? this.grammar).run(args);
  }
}

interface Counts {
  rounds: number;
  objects: number;
  services: number;
  validServices: number;
  mutantServices: number;
  collisions: number;
  slices: number;
  rejectedBySource: number;
  programmed: number;
  skippedByDesign: number;
  skippedNamed: number;
  scripts: number;
  kernelLoads: number;
}

function settings(): ProxySettings {
  return {
    nodeName: NODE,
    masqueradeBit: 14,
    masqueradeAll: false,
    detectLocalMode: "ClusterCIDR",
    clusterCIDRs: [parseCidr("10.244.0.0/16"), parseCidr("fd00:244::/48")],
    bridgeInterface: "",
    interfaceNamePrefix: "",
    nodePortAddresses: "primary",
    serviceCIDRs: [parseCidr("10.96.0.0/12"), parseCidr("fd00::96:0/112")],
    maxServiceElements: 2000,
  };
}

/**
 * Whether the log names `s`, as is or escaped (the model quotes invalid names
 * and cuts long values, so only their start is looked for).
 */
function mentions(log: string, full: string): boolean {
  const s = full.slice(0, 40);
  const once = JSON.stringify(s).slice(1, -1);
  return log.includes(s) || log.includes(once) ||
    log.includes(JSON.stringify(once).slice(1, -1));
}

function meta(o: unknown): { ns?: unknown; name?: unknown } {
  const m = (o as { metadata?: { namespace?: unknown; name?: unknown } })?.metadata;
  return { ns: m?.namespace, name: m?.name };
}

/** The batch of one round: objects, and which Services must be programmed. */
function batch(rng: Rng, round: number) {
  const base = round * PER_ROUND;
  const generated = fuzzServices(SEED * 1000 + round, PER_ROUND);
  const services: { object: unknown; valid: boolean }[] = generated.map((g) => ({
    object: g.object,
    valid: g.expected !== undefined,
  }));
  let collisions = 0;
  // Claims on others' addresses: a newer Service with another's ClusterIP as external IP, or the
  // same external address and port as an older one. The Service stays programmed; the claim not.
  for (let k = 0; k < 20; k++) {
    const victim = validService(rng, base + 1000 + k).object as Record<
      string,
      Record<string, unknown>
    >;
    const donor = validService(rng, base + k).object as Record<string, Record<string, unknown>>;
    victim.metadata.creationTimestamp = "2030-01-01T00:00:00Z";
    victim.spec.externalIPs = rng.chance(0.5)
      ? [...(donor.spec.clusterIPs as string[])]
      : ["192.0.2.1", "192.0.2.1", "2001:db8::1"];
    services.push({ object: victim, valid: true });
    collisions++;
  }
  // Source ranges as operators write them: everything, nested, duplicated, host bits.
  const open = validService(rng, base + 2000).object as Record<string, Record<string, unknown>>;
  open.spec.type = "LoadBalancer";
  open.spec.loadBalancerSourceRanges = [
    "0.0.0.0/0",
    "10.0.0.0/8",
    "10.1.0.0/16",
    "10.1.0.0/16",
    "10.0.0.1/8",
    "::/0",
    " 198.51.100.0/24",
  ];
  open.status = { loadBalancer: { ingress: [{ ip: `198.51.100.${(round % 200) + 1}` }] } };
  services.push({ object: open, valid: true });
  // Far above the element cap: skipped, named.
  const huge = validService(rng, base + 2001).object as Record<string, Record<string, unknown>>;
  huge.spec.externalIPs = Array.from({ length: 3000 }, (_, i) => `192.0.2.${i % 250}`).map((
    ip,
    i,
  ) => i < 250 ? ip : `2001:db8::${i.toString(16)}`);
  services.push({ object: huge, valid: false });
  // Slices for the Services that have names.
  const slices: unknown[] = [];
  services.forEach(({ object }, i) => {
    const { ns, name } = meta(object);
    if (typeof ns !== "string" || typeof name !== "string") return;
    const prefix: [number, number] = [10 + (i >> 8) % 200, i & 255];
    for (let s = 0; s < rng.int(0, 2); s++) {
      slices.push(
        rng.chance(0.8)
          ? validSlice(rng, ns, name, s, prefix).object
          : mutantSlice(rng, ns, name, s, prefix).object,
      );
    }
  });
  return { services, slices, collisions, node: validNode(rng, NODE).object };
}

async function withScratchNamespace<T>(fn: (runner?: NftRunner) => Promise<T>): Promise<T> {
  if (Deno.uid() !== 0) {
    console.warn("fuzz: not root: scripts are checked by the fake runner only, not the kernel");
    return await fn(undefined);
  }
  const ns = `kp-fuzz-${crypto.randomUUID().slice(0, 8)}`;
  const ip = (args: string[]) => new Deno.Command("ip", { args }).output();
  await ip(["netns", "add", ns]);
  try {
    return await fn(new ExecNftRunner({ command: ["ip", "netns", "exec", ns, "nft"] }));
  } finally {
    await ip(["netns", "del", ns]);
  }
}

Deno.test({
  name: "fuzz: adversarial objects never break a sync, and valid Services stay programmed",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const counts: Counts = {
      rounds: 0,
      objects: 0,
      services: 0,
      validServices: 0,
      mutantServices: 0,
      collisions: 0,
      slices: 0,
      rejectedBySource: 0,
      programmed: 0,
      skippedByDesign: 0,
      skippedNamed: 0,
      scripts: 0,
      kernelLoads: 0,
    };
    const rng = new Rng(SEED);
    const deadline = Date.now() + SECONDS * 1000;
    await withScratchNamespace(async (kernel) => {
      for (let round = 0; round < MIN_ROUNDS || Date.now() < deadline; round++) {
        const runner = new CheckingRunner(kernel);
        const lines: string[] = [];
        const logger = new Logger({ write: (l) => lines.push(l), verbosity: 0 });
        const state = new ClusterState();
        const b = batch(rng, round);
        state.upsert("Node", b.node as KubeObject);
        const accepted: { object: unknown; valid: boolean; key: string }[] = [];
        for (const s of b.services) {
          if (state.upsert("Service", s.object as KubeObject)) {
            const { ns, name } = meta(s.object);
            accepted.push({ ...s, key: `${ns}/${name}` });
          } else counts.rejectedBySource++;
        }
        for (const s of b.slices) {
          if (!state.upsert("EndpointSlice", s as KubeObject)) counts.rejectedBySource++;
        }
        const proxier = new Proxier({
          state,
          settings: settings(),
          runner,
          logger,
          adoptTables: false,
        });
        // Full sync, replacing whatever the previous round left.
        const full = await proxier.sync();
        assert.equal(full.kind, "full");
        // Churn: drop a third of the slices and of the Services, then a partial sync and the
        // garbage collection; both must load.
        for (const [key] of [...state.objects("EndpointSlice")]) {
          if (rng.chance(0.33)) state.remove("EndpointSlice", key);
        }
        const removed = new Set<string>();
        for (const a of accepted) {
          if (rng.chance(0.1)) {
            state.remove("Service", a.key);
            removed.add(a.key);
          }
        }
        const partial = await proxier.sync();
        assert.ok(["partial", "none"].includes(partial.kind), `round ${round}: ${partial.kind}`);
        await proxier.collectGarbage();
        counts.scripts += runner.scripts.length;
        if (kernel) counts.kernelLoads += runner.scripts.length;

        const programmed = new Set<string>();
        for (const f of proxier.plan!.families) for (const k of f.serviceKeys()) programmed.add(k);
        const log = lines.join("\n");
        for (const a of accepted) {
          counts.services++;
          if (a.valid) counts.validServices++;
          else counts.mutantServices++;
          if (removed.has(a.key)) continue;
          if (programmed.has(a.key)) {
            counts.programmed++;
            continue;
          }
          assert.ok(!a.valid, `round ${round}: valid Service ${a.key} is not programmed\n${log}`);
          const read = readService(a.object, () => {});
          if (read.skipped) {
            counts.skippedByDesign++;
            continue;
          }
          const { ns, name } = meta(a.object);
          assert.ok(
            (typeof ns !== "string" || ns === "" || mentions(log, ns)) &&
              mentions(log, String(name)),
            `round ${round}: Service ${
              a.key.slice(0, 100)
            } is left out without a word in the log: ${JSON.stringify(a.object).slice(0, 300)}`,
          );
          counts.skippedNamed++;
        }
        counts.collisions += b.collisions;
        counts.slices += b.slices.length;
        counts.objects += b.services.length + b.slices.length + 1;
        counts.rounds++;
        proxier.tracker.close();
      }
    });
    console.log(`fuzz (seed ${SEED}, ${SECONDS} s): ${JSON.stringify(counts)}`);
    assert.ok(counts.objects >= 1000, `at least 1,000 objects: ${counts.objects}`);
  },
});
