/**
 * Superseded by the conntrack reconciler (`src/conntrack/`), which compares
 * the whole UDP state with the conntrack table. Only the type the proxier
 * still reports remains, until the proxier stops computing it.
 *
 * @module
 */

/**
 * A UDP endpoint no longer used by a service port, and the addresses that led to it.
 * @deprecated the reconciler takes the full desired state (`udpServiceStates()`) instead
 */
export interface StaleUdpFlow {
  family: 4 | 6;
  /** The endpoint's IP. */
  endpointIp: string;
  /** Service addresses (ClusterIP, external IPs, LB IPs) and their port. */
  serviceIps: string[];
  port: number;
  /** 0 when the service has no NodePort. */
  nodePort: number;
}
