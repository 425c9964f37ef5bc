/**
 * Problems found while reading objects: which kind of object, which object,
 * which field, and why. The model never throws on bad input; it skips what is
 * bad and reports it.
 *
 * @module
 */

/** The kinds of objects the model reads (the `kind` label of an invalid-objects metric). */
export type ModelObjectKind = "Service" | "EndpointSlice" | "Node" | "ServiceCIDR";

/** One problem in one object's field. */
export interface ModelProblem {
  /**
   * Kind of the object. Every problem the model reports carries it; it is
   * optional only so that problems built outside the model still type-check
   * (see {@linkcode problemKind}).
   */
  kind?: ModelObjectKind;
  /** e.g. `Service default/web` or `EndpointSlice default/web-abc12`. */
  object: string;
  /** JSON path of the field, e.g. `spec.ports[1].port`; "" for the whole object. */
  field: string;
  message: string;
}

/** Collects problems; a `null` collector drops them. */
export type ProblemSink = (problem: ModelProblem) => void;

/** Formats a problem as one log line. */
export function formatProblem(problem: ModelProblem): string {
  return `${problem.object}: ${problem.field || "(object)"}: ${problem.message}`;
}

const KINDS: readonly ModelObjectKind[] = ["Service", "EndpointSlice", "Node", "ServiceCIDR"];

/** The kind of a problem's object: its `kind`, else the first word of `object`, else "Service". */
export function problemKind(problem: ModelProblem): ModelObjectKind {
  if (problem.kind) return problem.kind;
  const word = problem.object.slice(0, problem.object.indexOf(" "));
  return KINDS.find((k) => k === word) ?? "Service";
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const PORT_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** A Kubernetes namespace or Service name (DNS-1123 label, at most 63 characters). */
export function isDnsLabel(value: unknown): value is string {
  return typeof value === "string" && value.length <= 63 && DNS_LABEL.test(value);
}

/** An object name such as an EndpointSlice's or a Node's (DNS-1123 subdomain, at most 253). */
export function isDnsSubdomain(value: unknown): value is string {
  return typeof value === "string" && value.length <= 253 && DNS_SUBDOMAIN.test(value);
}

/** A port name (IANA service name: lowercase letters, digits and '-', at most 15, a letter somewhere). */
export function isPortName(value: unknown): value is string {
  return typeof value === "string" && value.length <= 15 && PORT_NAME.test(value) &&
    /[a-z]/.test(value) &&
    !value.includes("--");
}

/** A TCP/UDP/SCTP port number 1..65535. */
export function isPort(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= 1 && value <= 65535;
}

/** Protocols a Service port can have, as nft spells them. */
export type Protocol = "tcp" | "udp" | "sctp";

/** Reads a Kubernetes protocol name (default TCP). Undefined when unknown. */
export function parseProtocol(protocol: unknown): Protocol | undefined {
  if (protocol === undefined || protocol === null || protocol === "") return "tcp";
  if (protocol === "TCP") return "tcp";
  if (protocol === "UDP") return "udp";
  if (protocol === "SCTP") return "sctp";
  return undefined;
}
