/**
 * Detects whether the running kernel can open SCTP sockets (it is a kernel-wide
 * property, so the answer is cached for the whole process).
 * @module
 */
import { agentPath, inNamespace, run } from "./command.ts";

/** Result of SCTP detection. */
export interface SctpSupport {
  /** True when an SCTP socket could be created. */
  supported: boolean;
  /** The error that socket creation gave, when not supported. */
  error?: string;
}

let cached: Promise<SctpSupport> | undefined;

/** Tries to create an SCTP socket inside namespace `ns` (once per process). */
export function detectSctp(ns: string): Promise<SctpSupport> {
  cached ??= (async () => {
    const out = await run(inNamespace(ns, ["python3", agentPath("prober.py"), "--check-sctp"]));
    const parsed = JSON.parse(out.stdout) as { sctp: boolean; error?: string };
    return { supported: parsed.sctp, error: parsed.error };
  })();
  cached.catch(() => cached = undefined);
  return cached;
}
