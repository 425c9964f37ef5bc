/**
 * The desired UDP state the reconciler compares conntrack with: for every UDP
 * service port and IP family, the service addresses, the NodePort and the
 * serving endpoints.
 *
 * "Serving" is the only test, as upstream: traffic policies, topology and
 * terminating state decide where NEW flows go, never whether an existing flow
 * must go. A terminating endpoint that still serves keeps its flows. The
 * proxier derives this state from the same model the ruleset is rendered
 * from (`Proxier.udpServicePorts()`).
 *
 * @module
 */

import type { FlowFamily } from "./flow.ts";

/** One UDP service port in one IP family. */
export interface UdpServicePortState {
  family: FlowFamily;
  /** ClusterIPs, external IPs and load-balancer IPs of this family (canonical text). */
  serviceIPs: string[];
  port: number;
  /** 0 when the port has no NodePort. */
  nodePort: number;
  /**
   * `endpointKey(ip, port)` (see flow.ts) of every serving endpoint of this family: ready or not,
   * terminating or not, on any node.
   */
  servingEndpoints: ReadonlySet<string>;
}
