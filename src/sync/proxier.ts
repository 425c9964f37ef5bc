/**
 * The proxier: reads the cluster state through the change tracker, keeps the
 * ruleset plan up to date, and programs it with nft — a full sync at start,
 * after failures and periodically, and partial syncs in between.
 *
 * @module
 */

import type { ClusterState } from "../source/cluster_state.ts";
import { ChangeTracker, type PendingChanges } from "./change_tracker.ts";
import { RulesetPlan, type Script } from "../plan/ruleset_plan.ts";
import { familyContexts, type ProxySettings, serviceCidrsFrom } from "../plan/proxy_settings.ts";
import { readNode } from "../model/node_info.ts";
import { readService } from "../model/service_port.ts";
import { mergeEndpointSlices } from "../model/endpoints.ts";
import type { Node, Service, ServiceCIDR } from "../model/kube_types.ts";
import { formatProblem, type ModelProblem } from "../model/problems.ts";
import type { NftRunner } from "../nft/nft_runner.ts";
import type { Logger } from "../log/logger.ts";
import type { FamilyContext } from "../plan/family_context.ts";
import type { StaleUdpFlow } from "../nft/conntrack_cleaner.ts";

/** What one sync did. */
export interface SyncResult {
  kind: "full" | "partial" | "none";
  durationMs: number;
  operations: number;
  services: number;
  pending: PendingChanges;
  /** UDP endpoints no longer used, whose conntrack entries should go. */
  staleUdpEndpoints: StaleUdpFlow[];
}

/** Target of a health-check node port. */
export interface HealthCheckTarget {
  namespace: string;
  name: string;
  localEndpoints: number;
}

/** Options of {@linkcode Proxier}. */
export interface ProxierOptions {
  state: ClusterState;
  settings: ProxySettings;
  runner: NftRunner;
  logger: Logger;
  now?: () => number;
}

/** Keeps the kernel's ruleset in line with the cluster state. */
export class Proxier {
  readonly tracker: ChangeTracker;
  #state: ClusterState;
  #settings: ProxySettings;
  #runner: NftRunner;
  #log: Logger;
  #now: () => number;
  #plan?: RulesetPlan;
  #contextsKey = "";
  #needFull = true;
  #reported = new Map<string, Set<string>>();
  #healthChecks = new Map<string, { port: number } & HealthCheckTarget>();
  #noLocal = { internal: new Set<string>(), external: new Set<string>() };
  #udpInUse = new Map<string, Map<string, StaleUdpFlow>>();
  #staleUdp: StaleUdpFlow[] = [];

  constructor(o: ProxierOptions) {
    this.#state = o.state;
    this.#settings = o.settings;
    this.#runner = o.runner;
    this.#log = o.logger;
    this.#now = o.now ?? Date.now;
    this.tracker = new ChangeTracker(o.state, o.settings.nodeName, this.#now);
  }

  /** The current plan (after at least one prepare). */
  get plan(): RulesetPlan | undefined {
    return this.#plan;
  }

  /** Asks for the next sync to be a full one. */
  requestFull(): void {
    this.#needFull = true;
  }

  /** Health-check node ports wanted now: port → target. */
  healthCheckTargets(): Map<number, HealthCheckTarget> {
    const out = new Map<number, HealthCheckTarget>();
    for (const t of this.#healthChecks.values()) out.set(t.port, t);
    return out;
  }

  /** Number of services whose Local policy has no local endpoint, by policy. */
  noLocalEndpoints(): { internal: number; external: number } {
    return { internal: this.#noLocal.internal.size, external: this.#noLocal.external.size };
  }

  /** Applies pending changes to the plan and returns the script to run (without running it). */
  prepare(): { script: Script; kind: "full" | "partial"; pending: PendingChanges } {
    const pending = this.tracker.take();
    const report = (p: ModelProblem) => this.#report(p);
    if (pending.nodeChanged || pending.serviceCidrsChanged || !this.#plan) {
      const nodeName = this.#settings.nodeName;
      const node = readNode(
        nodeName,
        this.#state.get("Node", nodeName) as Node | undefined,
        report,
      );
      const cidrs = serviceCidrsFrom(
        this.#state.objects("ServiceCIDR").values() as Iterable<ServiceCIDR>,
        this.#settings.serviceCIDRs,
        report,
      );
      const contexts = familyContexts(this.#settings, node, cidrs);
      const key = contextKey(contexts);
      if (key !== this.#contextsKey || !this.#plan) {
        if (this.#plan && !this.#state.get("Node", nodeName)) {
          this.#log.warn(
            "Node object not found; NodePorts and node-based settings are unavailable",
            { node: nodeName },
          );
        }
        this.#contextsKey = key;
        this.#plan = new RulesetPlan(contexts);
        this.#needFull = true;
        for (const k of this.#state.objects("Service").keys()) pending.services.add(k);
        for (const k of [...this.#healthChecks.keys()]) pending.services.add(k);
      }
    }
    for (const key of pending.services) this.#rebuild(key, report);
    const full = this.#needFull;
    const script = full ? this.#plan!.fullScript() : this.#plan!.partialScript();
    return { script, kind: full ? "full" : "partial", pending };
  }

  /** Runs one sync: prepare, then apply. Throws on nft failure (the work is kept for the retry). */
  async sync(): Promise<SyncResult> {
    const start = this.#now();
    const { script, kind, pending } = this.prepare();
    const services = this.#plan!.families[0].serviceCount;
    if (kind === "partial" && script.text === "") {
      this.#plan!.clearChanges();
      return {
        kind: "none",
        durationMs: this.#now() - start,
        operations: 0,
        services,
        pending,
        staleUdpEndpoints: this.#takeStale(),
      };
    }
    try {
      await this.#runner.apply(script.text);
    } catch (e) {
      this.tracker.restore(pending);
      this.#needFull = true;
      // A failed full sync: the next one replaces the tables instead of rewriting them in place.
      if (kind === "full") this.#plan!.markUnknown();
      throw e;
    }
    this.#plan!.markApplied(kind);
    this.#plan!.clearChanges();
    this.#needFull = false;
    return {
      kind,
      durationMs: this.#now() - start,
      operations: script.operations,
      services,
      pending,
      staleUdpEndpoints: this.#takeStale(),
    };
  }

  #takeStale(): StaleUdpFlow[] {
    const s = this.#staleUdp;
    this.#staleUdp = [];
    return s;
  }

  /** Records UDP endpoints of `key` that were in use and are not any more. */
  #trackUdp(key: string, now: Map<string, StaleUdpFlow>): void {
    const before = this.#udpInUse.get(key);
    if (before) {
      for (const [k, flow] of before) if (!now.has(k)) this.#staleUdp.push(flow);
    }
    if (now.size > 0) this.#udpInUse.set(key, now);
    else this.#udpInUse.delete(key);
  }

  #rebuild(key: string, report: (p: ModelProblem) => void): void {
    const plan = this.#plan!;
    const svc = this.#state.get("Service", key) as Service | undefined;
    this.#reported.delete(`Service ${key}`);
    this.#healthChecks.delete(key);
    this.#noLocal.internal.delete(key);
    this.#noLocal.external.delete(key);
    const slices = [...this.tracker.slicesOf(key)];
    if (!svc) {
      plan.removeService(key);
      this.#trackUdp(key, new Map());
      if (slices.length > 0) {
        const s = slices[0].metadata;
        report({
          object: `EndpointSlice ${s?.namespace}/${s?.name}`,
          field: "metadata.labels[kubernetes.io/service-name]",
          message: `Service ${key} does not exist`,
        });
      }
      return;
    }
    const { ports } = readService(svc, report);
    if (ports.length === 0) {
      plan.removeService(key);
      this.#trackUdp(key, new Map());
      return;
    }
    const endpoints = mergeEndpointSlices(slices, report);
    const summaries = plan.setService(key, ports, endpoints, report);
    // Health checks, no-local-endpoint counts and UDP endpoints in use, from the summaries of every family.
    const udp = new Map<string, StaleUdpFlow>();
    for (const sp of ports) {
      if (sp.protocol !== "udp") continue;
      const addrs = [...sp.clusterIPs, ...sp.externalIPs, ...sp.loadBalancerIPs];
      const vips = { 4: [] as string[], 6: [] as string[] };
      for (const a of addrs) vips[a.family].push(a.text);
      for (const sums of summaries) {
        const cat = sums.get(sp.id)?.categorized;
        for (const ep of [...(cat?.cluster ?? []), ...(cat?.local ?? [])]) {
          udp.set(`${sp.id}|${ep.ip.text}`, {
            family: ep.ip.family,
            endpointIp: ep.ip.text,
            serviceIps: vips[ep.ip.family],
            port: sp.port,
            nodePort: sp.nodePort,
          });
        }
      }
    }
    this.#trackUdp(key, udp);
    for (const sp of ports) {
      let local = 0, anyLocalSet = false, localEmpty = false;
      for (const sums of summaries) {
        const s = sums.get(sp.id);
        if (!s) continue;
        local = Math.max(local, s.localEndpointCount);
        if (s.categorized.local !== undefined) {
          anyLocalSet = true;
          if (s.categorized.local.length === 0) localEmpty = true;
        }
      }
      if (anyLocalSet && localEmpty) {
        if (sp.internalPolicyLocal) this.#noLocal.internal.add(key);
        if (sp.externalPolicyLocal) this.#noLocal.external.add(key);
      }
      if (sp.healthCheckNodePort > 0) {
        const prev = this.#healthChecks.get(key);
        this.#healthChecks.set(key, {
          port: sp.healthCheckNodePort,
          namespace: sp.namespace,
          name: sp.name,
          localEndpoints: (prev?.localEndpoints ?? 0) + local,
        });
      }
    }
  }

  #report(p: ModelProblem): void {
    let seen = this.#reported.get(p.object);
    if (!seen) this.#reported.set(p.object, seen = new Set());
    const line = formatProblem(p);
    if (seen.has(line)) return;
    seen.add(line);
    this.#log.warn("Skipping invalid field", {
      object: p.object,
      field: p.field,
      reason: p.message,
    });
  }
}

function contextKey(contexts: FamilyContext[]): string {
  return JSON.stringify(contexts, (_k, v) => (v instanceof Uint8Array ? undefined : v));
}
