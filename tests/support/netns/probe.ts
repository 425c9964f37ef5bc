/**
 * Probing a destination from inside a namespace with the prober agent
 * (`../agents/prober.py`): one process performs all attempts and reports each
 * one as ok / refused / timeout / error.
 * @module
 */
import { agentPath, inNamespace, run } from "./command.ts";
import { AgentError } from "./errors.ts";

/** Transport protocol of a probe. */
export type Proto = "tcp" | "udp" | "sctp";

/** What to probe. `from` is resolved to a namespace by the caller (see Topology). */
export interface ProbeTarget {
  /** Destination IP (v4 or v6 text). */
  to: string;
  /** Destination port. */
  port: number;
  /** Protocol. @default "tcp" */
  proto?: Proto;
  /** Attempts; each uses a new connection / socket and source port unless `sameSourcePort`. @default 1 */
  count?: number;
  /** Per-attempt deadline (connect + answer). @default 800 */
  timeoutMs?: number;
  /** Pause between attempts. @default 0 */
  intervalMs?: number;
  /** Reuse one source port for every attempt (one UDP socket; TCP rebinding). @default false */
  sameSourcePort?: boolean;
  /** Explicit source port. @default ephemeral */
  srcPort?: number;
  /** Explicit source address (must be local to the source namespace). @default chosen by routing */
  srcIp?: string;
  /** First line sent to the server. @default "probe" */
  payload?: string;
}

/** The server answered. `pod` is null when the answer was not the server agent's JSON. */
export interface ProbeOk {
  kind: "ok";
  /** Name of the answering agent. */
  pod: string | null;
  /** Source IP the server saw (shows masquerading / SNAT). */
  src: string | null;
  /** Local port the server saw the request on (shows DNAT port rewriting). */
  port: number | null;
  /** Local IP the server saw the request on. */
  dst?: string | null;
  /** Client-side source port of this attempt. */
  sport: number | null;
  /** Milliseconds the attempt took. */
  ms: number;
  /** The full answer object, if any. */
  reply?: Record<string, unknown>;
  /** The answer text when it was not JSON. */
  raw?: string;
}

/** Actively refused: TCP RST / ICMP port-unreachable (ECONNREFUSED) or ICMP prohibited (EHOSTUNREACH). */
export interface ProbeRefused {
  kind: "refused";
  reason: "ECONNREFUSED" | "EHOSTUNREACH";
  sport: number | null;
  ms: number;
}

/** No answer in time (silent drop). `reason: "EPERM"` = dropped by the source's own output hook. */
export interface ProbeTimeout {
  kind: "timeout";
  reason?: "EPERM";
  sport: number | null;
  ms: number;
}

/** Anything else (no route, reset after connect, closed without answer...). */
export interface ProbeError {
  kind: "error";
  message: string;
  /** Client-side source port, when one had been chosen. */
  sport?: number | null;
  ms?: number;
}

/** Outcome of one attempt. */
export type ProbeResult = ProbeOk | ProbeRefused | ProbeTimeout | ProbeError;

/** Validates a probe target, throwing RangeError with a clear message. */
export function checkTarget(target: ProbeTarget): void {
  const { to, port, proto = "tcp", count = 1, timeoutMs = 800, intervalMs = 0 } = target;
  if (typeof to !== "string" || !/^[0-9a-fA-F:.]+$/.test(to)) {
    throw new RangeError(`Cannot probe: 'to' must be an IP address, got '${to}'`);
  }
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new RangeError(`Cannot probe: 'port' must be in 1..65535, got ${port}`);
  }
  if (!["tcp", "udp", "sctp"].includes(proto)) {
    throw new RangeError(`Cannot probe: 'proto' must be tcp, udp or sctp, got '${proto}'`);
  }
  if (!Number.isInteger(count) || count < 1 || count > 10_000) {
    throw new RangeError(`Cannot probe: 'count' must be in 1..10000, got ${count}`);
  }
  if (!(timeoutMs > 0) || !(intervalMs >= 0)) {
    throw new RangeError("Cannot probe: 'timeoutMs' must be > 0 and 'intervalMs' >= 0");
  }
}

/**
 * Probes `target` from inside namespace `ns`; one result per attempt, in order.
 * @throws {AgentError} when the prober itself fails
 */
export async function runProbe(ns: string, target: ProbeTarget): Promise<ProbeResult[]> {
  checkTarget(target);
  const count = target.count ?? 1;
  const perAttempt = (target.timeoutMs ?? 800) + (target.intervalMs ?? 0);
  const argv = inNamespace(ns, ["python3", agentPath("prober.py"), JSON.stringify(target)]);
  const out = await run(argv, { timeoutMs: count * perAttempt + 10_000 });
  try {
    return JSON.parse(out.stdout) as ProbeResult[];
  } catch (cause) {
    throw new AgentError(`Prober in ${ns} printed garbage: ${out.stdout}\n${out.stderr}`, {
      cause,
    });
  }
}

/** Counts of a batch of probe results. */
export interface ProbeSummary {
  /** Number of "ok" results. */
  ok: number;
  /** Names of the pods that answered. */
  pods: Set<string>;
  /** Source IPs the servers saw. */
  srcs: Set<string>;
  /** Answers per pod name. */
  byPod: Map<string, number>;
  /** Number of "refused" results. */
  refused: number;
  /** Number of "timeout" results. */
  timeout: number;
  /** Number of "error" results. */
  errors: number;
  /** Messages of the "error" results (deduplicated). */
  errorMessages: Set<string>;
}

/** Summarises probe results: which pods answered, which sources they saw, failures by kind. */
export function summarize(results: readonly ProbeResult[]): ProbeSummary {
  const s: ProbeSummary = {
    ok: 0,
    pods: new Set(),
    srcs: new Set(),
    byPod: new Map(),
    refused: 0,
    timeout: 0,
    errors: 0,
    errorMessages: new Set(),
  };
  for (const r of results) {
    if (r.kind === "ok") {
      s.ok++;
      if (r.pod !== null) {
        s.pods.add(r.pod);
        s.byPod.set(r.pod, (s.byPod.get(r.pod) ?? 0) + 1);
      }
      if (r.src !== null) s.srcs.add(r.src);
    } else if (r.kind === "refused") s.refused++;
    else if (r.kind === "timeout") s.timeout++;
    else {
      s.errors++;
      s.errorMessages.add(r.message);
    }
  }
  return s;
}
