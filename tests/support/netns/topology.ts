/**
 * A throw-away stand-in for a Kubernetes node and its world, built from network
 * namespaces: the node under test ("node", pods on bridge `cbr0`), an optional
 * second node ("node2"), external clients, all on a "lan" switch. Nothing is
 * linked to the root namespace. See `addressing.ts` for the address plan.
 * @module
 */
import {
  externalAddress,
  type Family,
  MAX_EXTERNALS,
  MAX_PODS_PER_NODE,
  nodeAddress,
  type NodeRole,
  podAddress,
} from "./addressing.ts";
import { type CommandResult, inNamespace, run, type RunOptions } from "./command.ts";
import { NetnsError, NftLoadError } from "./errors.ts";
import { ServerAgent, type ServerAgentOptions } from "./agent.ts";
import { type ProbeResult, runProbe } from "./probe.ts";
import { ProbeSession, type SessionTarget } from "./session.ts";
import { detectSctp, type SctpSupport } from "./sctp.ts";
import * as build from "./_build.ts";
import { checkName, type PodSpec, type ProbeOptions, type TopologyOptions } from "./options.ts";

export type { PodSpec, ProbeOptions, TopologyOptions };

interface PodRecord {
  name: string;
  node: NodeRole;
  index: number;
  agent: ServerAgent | null;
}

/** A running topology. Always `destroy()` it in `finally`. */
export class Topology {
  /** Random id shared by every namespace name of this topology. */
  readonly id: string;
  /** Whether IPv6 is configured. */
  readonly dualStack: boolean;
  /** Whether "node2" exists. */
  readonly hasNode2: boolean;
  /** Whether the kernel supports SCTP sockets (pods listen on SCTP only then). */
  sctp: SctpSupport = { supported: false, error: "not detected yet" };
  #prefix: string;
  #bridgeNfCall: boolean;
  #externalRoutes: string[];
  #namespaces = new Map<string, string>();
  #pods = new Map<string, PodRecord>();
  #externals = new Map<string, number>();
  #podCount: Record<NodeRole, number> = { node: 0, node2: 0 };
  #agents: ServerAgent[] = [];
  #sessions: ProbeSession[] = [];
  #destroyed: Promise<void> | null = null;
  #onUnload = () => this.#emergencyCleanup();

  private constructor(options: TopologyOptions) {
    this.#prefix = options.prefix ?? "kpt";
    if (!/^[a-z][a-z0-9]{0,7}$/.test(this.#prefix)) {
      throw new RangeError(`Cannot create topology: invalid prefix '${this.#prefix}'`);
    }
    this.id = crypto.randomUUID().replaceAll("-", "").slice(0, 6);
    this.dualStack = options.dualStack ?? true;
    this.hasNode2 = options.node2 ?? (options.pods ?? []).some((p) => p.node === "node2");
    this.#bridgeNfCall = options.bridgeNfCall ?? true;
    this.#externalRoutes = [...(options.externalRoutes ?? [])];
  }

  /**
   * Builds a topology, starts the pods' server agents and waits until they listen.
   * @throws {NetnsError} on any failure; whatever was built is removed again
   */
  static async create(options: TopologyOptions = {}): Promise<Topology> {
    const topo = new Topology(options);
    const externals = options.externals ?? [];
    if (externals.length > MAX_EXTERNALS) throw new RangeError("Cannot create: too many externals");
    for (const name of externals) topo.#checkNewName(name, "external");
    if (new Set(externals).size !== externals.length) {
      throw new RangeError("Cannot create topology: duplicate external names");
    }
    const podNames = new Set<string>();
    for (const p of options.pods ?? []) {
      topo.#checkNewName(p.name, "pod");
      if (podNames.has(p.name) || externals.includes(p.name)) {
        throw new RangeError(`Cannot create topology: duplicate name '${p.name}'`);
      }
      podNames.add(p.name);
    }
    globalThis.addEventListener("unload", topo.#onUnload);
    try {
      const nodes: NodeRole[] = topo.hasNode2 ? ["node", "node2"] : ["node"];
      await topo.#addNamespace("lan", build.LAN_SYSCTLS);
      await Promise.all(
        nodes.map((n) => topo.#addNamespace(n, build.nodeSysctls(topo.#bridgeNfCall))),
      );
      await build.buildLan(topo.nsName("lan"));
      await Promise.all(nodes.map((n) =>
        build.buildNode(
          topo.nsName(n),
          n,
          topo.nsName("lan"),
          topo.dualStack,
          nodes.find((o) => o !== n) ?? null,
        )
      ));
      topo.sctp = await detectSctp(topo.nsName("node"));
      await Promise.all(externals.map((name) => topo.#addExternal(name)));
      await Promise.all((options.pods ?? []).map((p) => topo.addPod(p)));
    } catch (err) {
      await topo.destroy().catch(() => {});
      throw err instanceof NetnsError || err instanceof RangeError
        ? err
        : new NetnsError(`Cannot create topology ${topo.id}`, { cause: err });
    }
    return topo;
  }

  /** Whether the kernel supports SCTP (pods then also listen on SCTP port 80). */
  get sctpSupported(): boolean {
    return this.sctp.supported;
  }

  /** Namespace name of a role: "lan", "node", "node2", a pod or an external name. */
  nsName(role: string): string {
    const ns = this.#namespaces.get(role);
    if (!ns) throw new RangeError(`Unknown role '${role}' in topology ${this.id}`);
    return ns;
  }

  /** Names of every namespace this topology currently owns. */
  namespaces(): string[] {
    return [...this.#namespaces.values()];
  }

  /** Names of the current pods, optionally only those on `node`. */
  podNames(node?: NodeRole): string[] {
    return [...this.#pods.values()].filter((p) => !node || p.node === node).map((p) => p.name);
  }

  /** The node a pod lives on. */
  podNode(name: string): NodeRole {
    return this.#pod(name).node;
  }

  /** IP of a pod. */
  podIp(name: string, family: Family = 4): string {
    this.#checkFamily(family);
    const p = this.#pod(name);
    return podAddress(p.node, p.index, family);
  }

  /** Primary (or secondary) lan IP of a node. */
  nodeIp(family: Family = 4, node: NodeRole = "node", secondary = false): string {
    this.#checkFamily(family);
    if (node === "node2" && !this.hasNode2) throw new RangeError("This topology has no node2");
    return nodeAddress(node, family, secondary);
  }

  /** IP of an external client. */
  externalIp(name: string, family: Family = 4): string {
    this.#checkFamily(family);
    const index = this.#externals.get(name);
    if (index === undefined) throw new RangeError(`Unknown external '${name}'`);
    return externalAddress(index, family);
  }

  /** Runs `argv` inside the namespace of `role`. */
  exec(role: string, argv: readonly string[], options?: RunOptions): Promise<CommandResult> {
    return run(inNamespace(this.nsName(role), argv), options);
  }

  /**
   * Loads an nft script (`nft -f -`) into a node's namespace.
   * @throws {NftLoadError} carrying nft's stderr when nft refuses it
   */
  async loadRuleset(text: string, node: NodeRole = "node"): Promise<void> {
    const ns = this.nsName(node);
    const out = await run(inNamespace(ns, ["nft", "-f", "-"]), { stdin: text, check: false });
    if (out.code !== 0) throw new NftLoadError(ns, out.stderr);
  }

  /** `nft list ruleset` of a node's namespace. */
  async listRuleset(node: NodeRole = "node"): Promise<string> {
    return (await this.exec(node, ["nft", "list", "ruleset"])).stdout;
  }

  /** Probes `to:port` from the namespace of `from`; one result per attempt. */
  probe(options: ProbeOptions): Promise<ProbeResult[]> {
    const { from, ...target } = options;
    return runProbe(this.nsName(from), target);
  }

  /** Starts a client in `from` that reuses one source port for every `send()`. */
  async startSession(options: SessionTarget & { from: string }): Promise<ProbeSession> {
    const { from, ...target } = options;
    const session = await ProbeSession.start(this.nsName(from), target);
    this.#sessions.push(session);
    return session;
  }

  /** Starts an extra server agent in any namespace (e.g. a host-network endpoint on "node"). */
  async startServer(role: string, name: string, ports?: ServerAgentOptions): Promise<ServerAgent> {
    const agent = await ServerAgent.start(this.nsName(role), name, ports);
    this.#agents.push(agent);
    return agent;
  }

  /** Adds a pod (namespace, veth on `cbr0`, server agent). */
  async addPod(spec: PodSpec): Promise<void> {
    const node = spec.node ?? "node";
    this.#checkNewName(spec.name, "pod");
    if (node !== "node" && node !== "node2") throw new RangeError(`Unknown node '${node}'`);
    if (node === "node2" && !this.hasNode2) {
      throw new RangeError(`Cannot add pod '${spec.name}': this topology has no node2`);
    }
    const index = this.#podCount[node]++;
    if (index >= MAX_PODS_PER_NODE) throw new RangeError(`Cannot add pod: ${node} is full`);
    const record: PodRecord = { name: spec.name, node, index, agent: null };
    this.#pods.set(spec.name, record);
    const ns = await this.#addNamespace(spec.name);
    await build.buildPod(this.nsName(node), ns, node, index, `vp${index}`, this.dualStack);
    if (spec.server ?? true) {
      const sctp = spec.sctp ?? (this.sctp.supported ? [80] : []);
      record.agent = await ServerAgent.start(ns, spec.name, { ...spec, sctp });
    }
  }

  /** Removes a pod: stops its agent and deletes its namespace (and so its veth). */
  async removePod(name: string): Promise<void> {
    const record = this.#pod(name);
    await record.agent?.stop();
    await run(["ip", "netns", "del", this.nsName(name)]);
    this.#pods.delete(name);
    this.#namespaces.delete(name);
  }

  /** Stops every agent and session and deletes every namespace. Idempotent. */
  destroy(): Promise<void> {
    this.#destroyed ??= this.#destroy();
    return this.#destroyed;
  }

  async #destroy(): Promise<void> {
    globalThis.removeEventListener("unload", this.#onUnload);
    const stops = [
      ...this.#sessions.map((s) => s.close()),
      ...this.#agents.map((a) => a.stop()),
      ...[...this.#pods.values()].map((p) => p.agent?.stop()),
    ];
    const failures = (await Promise.allSettled(stops)).filter((r) => r.status === "rejected");
    const dels = [...this.#namespaces.values()].reverse().map((ns) =>
      run(["ip", "netns", "del", ns])
    );
    failures.push(
      ...(await Promise.allSettled(dels)).filter((r) => r.status === "rejected"),
    );
    this.#namespaces.clear();
    this.#pods.clear();
    if (failures.length > 0) {
      const causes = failures.map((f) => (f as PromiseRejectedResult).reason);
      throw new NetnsError(`Cleanup of topology ${this.id} was incomplete`, {
        cause: new AggregateError(causes),
      });
    }
  }

  #emergencyCleanup(): void {
    for (const ns of this.#namespaces.values()) {
      new Deno.Command("ip", { args: ["netns", "del", ns], stderr: "null" }).outputSync();
    }
  }

  async #addNamespace(role: string, sysctls: readonly string[] = []): Promise<string> {
    if (this.#destroyed) throw new NetnsError(`Topology ${this.id} is destroyed`);
    const ns = `${this.#prefix}${this.id}-${role}`;
    this.#namespaces.set(role, ns);
    await build.addNamespace(ns, sysctls);
    return ns;
  }

  async #addExternal(name: string): Promise<void> {
    const index = this.#externals.size;
    this.#externals.set(name, index);
    const ns = await this.#addNamespace(name);
    await build.buildExternal(
      this.nsName("lan"),
      ns,
      index,
      this.dualStack,
      this.hasNode2,
      this.#externalRoutes,
    );
  }

  #pod(name: string): PodRecord {
    const p = this.#pods.get(name);
    if (!p) throw new RangeError(`Unknown pod '${name}' in topology ${this.id}`);
    return p;
  }

  #checkNewName(name: string, what: string): void {
    checkName(name, what);
    if (this.#namespaces.has(name)) throw new RangeError(`Name '${name}' is already in use`);
  }

  #checkFamily(family: Family): void {
    if (family !== 4 && family !== 6) throw new RangeError(`Family must be 4 or 6, got ${family}`);
    if (family === 6 && !this.dualStack) throw new RangeError("This topology is IPv4-only");
  }
}
