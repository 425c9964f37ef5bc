/**
 * Stale UDP conntrack entries: after a sync, entries that still point at a
 * Service address whose endpoint is gone would keep sending datagrams into
 * the void; the {@linkcode ConntrackReconciler} finds them with upstream's
 * rule and deletes exactly those, through netlink in process or the
 * `conntrack` tool.
 *
 * @module
 */

export { ConntrackError } from "./errors.ts";
export {
  deleteLine,
  ExecConntrack,
  type ExecConntrackOptions,
  parseConntrackList,
} from "./exec_conntrack.ts";
export {
  type ConntrackFlow,
  describeFlow,
  endpointKey,
  type FlowFamily,
  type FlowTuple,
  IPPROTO_UDP,
} from "./flow.ts";
export { NetlinkConntrack, type NetlinkConntrackOptions } from "./netlink_conntrack.ts";
export {
  type ConntrackBackend,
  openConntrackTable,
  type OpenConntrackTableOptions,
} from "./open_table.ts";
export {
  ConntrackReconciler,
  type ConntrackReconcilerOptions,
  type ReconcileResult,
} from "./reconciler.ts";
export { familiesToReconcile, findStaleFlows } from "./stale_flows.ts";
export type { ConntrackTable, DeleteResult } from "./table.ts";
export type { UdpServicePortState } from "./udp_state.ts";
