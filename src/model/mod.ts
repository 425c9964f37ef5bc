/**
 * The model: Kubernetes objects (any JSON value) read into validated,
 * typed facts, with every bad field reported and skipped, never thrown.
 *
 * - {@linkcode readService}: a Service's ports, addresses and policies;
 * - {@linkcode mergeEndpointSlices}: the endpoints of each service port;
 * - {@linkcode categorizeEndpoints}: which endpoints serve cluster-wide and
 *   node-local traffic (readiness, terminating fallback, topology);
 * - {@linkcode readNode}, {@linkcode nodePortAddresses},
 *   {@linkcode readServiceCidrs}: this node and the service CIDRs;
 * - {@linkcode AddressClaims}: which Service owns a contested address;
 * - IP and CIDR parsing with Kubernetes' legacy leniency
 *   ({@linkcode tryParseIp}, {@linkcode tryParseCidr}).
 *
 * @module
 */

export {
  AddressClaims,
  type ClaimedAddress,
  type ClaimRefusal,
  type PortAddresses,
  refusalMessage,
  type RefusalReason,
  type ServiceClaims,
} from "./address_claims.ts";
export {
  type CategorizedEndpoints,
  categorizeEndpoints,
  isLocal,
  type NodeInputs,
  type PolicyInputs,
  topologyMode,
} from "./categorize.ts";
export {
  compareEndpoints,
  type EndpointInfo,
  type EndpointsByPort,
  isIgnoredSlice,
  mergeEndpointSlices,
  portKey,
  sliceServiceKey,
} from "./endpoints.ts";
export {
  type Cidr,
  cidrContains,
  type Family,
  type IpAddr,
  ipFromBytes,
  IpParseError,
  parseCidr,
  parseIp,
  tryParseCidr,
  tryParseIp,
} from "./ip.ts";
export * from "./kube_types.ts";
export {
  type NodeAddress,
  type NodeAddressType,
  type NodeInfo,
  primaryAddress,
  readNode,
  unknownNode,
} from "./node_info.ts";
export {
  isLoopback,
  nodePortAddresses,
  type NodePortAddressesOptions,
  type NodePortAddressesSetting,
  type NodePortAddressSelection,
} from "./node_port_addresses.ts";
export {
  formatProblem,
  isDnsLabel,
  isDnsSubdomain,
  isPort,
  isPortName,
  type ModelObjectKind,
  type ModelProblem,
  parseProtocol,
  problemKind,
  type ProblemSink,
  type Protocol,
} from "./problems.ts";
export { readServiceCidr, readServiceCidrs } from "./service_cidr.ts";
export {
  DEFAULT_AFFINITY_TIMEOUT_SECONDS,
  firewallRanges,
  readService,
  type ReadServiceResult,
  type ServicePortInfo,
  type SkipReason,
} from "./service_port.ts";
