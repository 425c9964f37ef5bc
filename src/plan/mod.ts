/**
 * The plan: the proxy's nftables ruleset as data, and the nft scripts that
 * install it. {@linkcode RulesetPlan} keeps one {@linkcode FamilyPlan} per IP
 * family; each Service port becomes a fragment (chains and map elements) of
 * a fixed skeleton of shared chains and maps, so a change rewrites only the
 * elements of the Services that changed. Pure: nothing here touches the
 * kernel.
 *
 * - {@linkcode ProxySettings} and {@linkcode familyContexts}: what the plan
 *   needs to know about this node and the configuration;
 * - {@linkcode decideServicePort}: the policy decisions (DNAT, drop,
 *   reject, masquerade) for one service port, shared with `explain`;
 * - {@linkcode CHAIN}, {@linkcode SET}, {@linkcode BASE_CHAINS}: the names
 *   of the nft objects operators see in `nft list table`.
 *
 * @module
 */

export {
  DEFAULT_AFFINITY_MAX_CLIENTS,
  DEFAULT_TABLE_NAME,
  type FamilyContext,
  type FamilyContextInputs,
  isInterfaceName,
  type LocalDetector,
  makeFamilyContext,
} from "./family_context.ts";
export {
  type FamilyChanges,
  type FamilyGarbage,
  FamilyPlan,
  type PlanObject,
  type ServiceDecisions,
  ServiceTooLargeError,
} from "./family_plan.ts";
export { CHAIN, type EntryKind, PROTOCOLS, SET } from "./names.ts";
export { hostPrefix, nftAddrType, nftFamilyWord } from "./nft_vocabulary.ts";
export {
  type DetectLocalMode,
  detectorFor,
  familyContexts,
  type ProxySettings,
} from "./proxy_settings.ts";
export { RulesetPlan, type Script } from "./ruleset_plan.ts";
export {
  decideServicePort,
  dnatTargets,
  type EndpointSetName,
  type EntryAction,
  type MasqueradeRule,
  type PolicyContext,
  type ServicePortPolicy,
} from "./service_policy.ts";
export { BASE_CHAINS, type BaseChain } from "./skeleton.ts";
