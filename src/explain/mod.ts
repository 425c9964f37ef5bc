/**
 * `explain`: how the proxy treats one packet (which entry point matches,
 * the policies applied, the candidate endpoints, masquerading, or why it is
 * dropped or rejected), reasoned over the same model and policy decisions
 * the renderer uses.
 *
 * @module
 */

export {
  explainPacket,
  type Explanation,
  formatExplanation,
  type PacketQuery,
} from "./explain_packet.ts";
