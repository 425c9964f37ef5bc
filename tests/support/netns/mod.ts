/**
 * Network-namespace test harness for dataplane end-to-end tests of the proxy.
 *
 * Builds a throw-away stand-in for a Kubernetes node and its world out of
 * network namespaces (never linked to the root namespace), runs small server
 * agents in pods and probes from any namespace:
 *
 * ```ts
 * const topo = await Topology.create({
 *   pods: [{ name: "web-1" }, { name: "web-2", node: "node2" }],
 *   externals: ["ext1"],
 * });
 * try {
 *   await topo.loadRuleset(nftText);
 *   const s = summarize(await topo.probe({ from: "ext1", to: "10.96.0.10", port: 80, count: 20 }));
 *   // s.pods: Set of pod names that answered, s.srcs: source IPs they saw
 * } finally {
 *   await topo.destroy();
 * }
 * ```
 * Every agent answers with `{"pod":NAME,"msg":"Hello from pod: NAME","src":PEER,"port":LOCAL}`.
 * The address plan is documented in `addressing.ts`. Needs root.
 * @module
 */
export * from "./addressing.ts";
export { DEFAULT_PORTS, ServerAgent, type ServerAgentOptions, type ServerPorts } from "./agent.ts";
export { type CommandResult, inNamespace, run, type RunOptions } from "./command.ts";
export { AgentError, CommandError, NetnsError, NftLoadError } from "./errors.ts";
export {
  type ProbeError,
  type ProbeOk,
  type ProbeRefused,
  type ProbeResult,
  type ProbeSummary,
  type ProbeTarget,
  type ProbeTimeout,
  type Proto,
  runProbe,
  summarize,
} from "./probe.ts";
export { ProbeSession, type SessionTarget } from "./session.ts";
export { detectSctp, type SctpSupport } from "./sctp.ts";
export { type PodSpec, type ProbeOptions, Topology, type TopologyOptions } from "./topology.ts";
