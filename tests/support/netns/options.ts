/**
 * Options of a harness topology and the naming rules for pods and externals.
 * @module
 */
import type { NodeRole } from "./addressing.ts";
import type { ServerPorts } from "./agent.ts";
import type { ProbeTarget } from "./probe.ts";

/** A pod to create: a namespace on a node's `cbr0` running a server agent. */
export interface PodSpec extends Partial<ServerPorts> {
  /** Pod name (lowercase DNS label, <= 24 chars); the agent answers with it. */
  name: string;
  /** Node the pod lives on. @default "node" */
  node?: NodeRole;
  /** Start a server agent in the pod. @default true */
  server?: boolean;
}

/** Options of {@linkcode Topology.create}. */
export interface TopologyOptions {
  /** Pods to create. @default [] */
  pods?: PodSpec[];
  /** Names of external client namespaces on the lan. @default [] */
  externals?: string[];
  /** Create "node2". @default true if any pod is on node2, else false */
  node2?: boolean;
  /** Give everything IPv6 addresses and routes too. @default true */
  dualStack?: boolean;
  /** `net.bridge.bridge-nf-call-ip{,6}tables` on the nodes (kubenet-like). @default true */
  bridgeNfCall?: boolean;
  /** Extra CIDRs that external clients route to the node's primary address. @default [] */
  externalRoutes?: string[];
  /** Namespace name prefix (a random id follows). @default "kpt" */
  prefix?: string;
}

/** Where to probe from: a pod, an external, "node" or "node2". */
export interface ProbeOptions extends ProbeTarget {
  from: string;
}

const NAME_RE = /^[a-z0-9]([-a-z0-9]{0,22}[a-z0-9])?$/;
const RESERVED = new Set(["lan", "node", "node2"]);

/** Throws RangeError unless `name` is a valid pod / external name. */
export function checkName(name: string, what: string): void {
  if (typeof name !== "string" || !NAME_RE.test(name) || RESERVED.has(name)) {
    throw new RangeError(
      `Invalid ${what} name '${name}': use a lowercase DNS label of at most 24 characters ` +
        "other than lan, node, node2",
    );
  }
}
