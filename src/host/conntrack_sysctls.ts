/**
 * The conntrack section of the configuration, applied through sysctls as
 * upstream kube-proxy does at start (and with `--init-only`):
 * `nf_conntrack_max` from `maxPerCore` x CPUs (at least `min`), with the
 * conntrack hash table grown to a quarter of it; the TCP established and
 * close-wait timeouts; `nf_conntrack_tcp_be_liberal`; the UDP timeouts.
 *
 * A value of 0 (or false) leaves the kernel's setting alone. A parameter that
 * is read-only here (a container's read-only `/proc/sys`, or
 * `nf_conntrack_max`, which only the initial network namespace may change) is
 * logged and skipped: the proxy works without it.
 *
 * @module
 */

import type { Logger } from "../log/logger.ts";
import { SysctlError, Sysctls } from "./sysctl.ts";

/** The conntrack settings, after upstream's defaulting. */
export interface ConntrackSettings {
  /** `nf_conntrack_max` per CPU; 0 leaves `nf_conntrack_max` (and ignores `min`). */
  maxPerCore: number;
  /** Smallest `nf_conntrack_max` to set. */
  min: number;
  /** `nf_conntrack_tcp_timeout_established`, ms (whole seconds are written); 0 leaves it. */
  tcpEstablishedTimeoutMs: number;
  /** `nf_conntrack_tcp_timeout_close_wait`, ms; 0 leaves it. */
  tcpCloseWaitTimeoutMs: number;
  /** Sets `nf_conntrack_tcp_be_liberal` to 1; false leaves it. */
  tcpBeLiberal: boolean;
  /** `nf_conntrack_udp_timeout`, ms; 0 leaves it. */
  udpTimeoutMs: number;
  /** `nf_conntrack_udp_timeout_stream`, ms; 0 leaves it. */
  udpStreamTimeoutMs: number;
}

/** `nf_conntrack_max` to set for `cpus` CPUs, or 0 for "leave it", as upstream. */
export function conntrackMax(settings: ConntrackSettings, cpus: number): number {
  if (settings.maxPerCore <= 0) return 0;
  return Math.max(settings.maxPerCore * cpus, settings.min);
}

/** One sysctl to set. */
export interface SysctlChange {
  /** Path under `/proc/sys`, e.g. `net/netfilter/nf_conntrack_max`. */
  parameter: string;
  value: number;
}

const NF = "net/netfilter/";

/** The sysctls `settings` ask for, in upstream's order. */
export function plannedConntrackSysctls(settings: ConntrackSettings, cpus: number): SysctlChange[] {
  const out: SysctlChange[] = [];
  const max = conntrackMax(settings, cpus);
  if (max > 0) out.push({ parameter: `${NF}nf_conntrack_max`, value: max });
  const secs = (ms: number) => Math.floor(ms / 1000);
  if (settings.tcpEstablishedTimeoutMs > 0) {
    out.push({
      parameter: `${NF}nf_conntrack_tcp_timeout_established`,
      value: secs(settings.tcpEstablishedTimeoutMs),
    });
  }
  if (settings.tcpCloseWaitTimeoutMs > 0) {
    out.push({
      parameter: `${NF}nf_conntrack_tcp_timeout_close_wait`,
      value: secs(settings.tcpCloseWaitTimeoutMs),
    });
  }
  if (settings.tcpBeLiberal) out.push({ parameter: `${NF}nf_conntrack_tcp_be_liberal`, value: 1 });
  if (settings.udpTimeoutMs > 0) {
    out.push({ parameter: `${NF}nf_conntrack_udp_timeout`, value: secs(settings.udpTimeoutMs) });
  }
  if (settings.udpStreamTimeoutMs > 0) {
    out.push({
      parameter: `${NF}nf_conntrack_udp_timeout_stream`,
      value: secs(settings.udpStreamTimeoutMs),
    });
  }
  return out;
}

/** What happened to one sysctl. */
export interface SysctlResult extends SysctlChange {
  outcome: "set" | "unchanged" | "read-only" | "failed";
  /** The value before, when it could be read. */
  previous?: number;
  /** Why it was not set. */
  error?: string;
}

/** Options of {@linkcode applyConntrackSysctls}. */
export interface ApplyConntrackOptions {
  logger: Logger;
  /** Where the parameters live. @default the real /proc/sys and /sys/module */
  sysctls?: Sysctls;
  /** CPUs to scale `maxPerCore` by. @default navigator.hardwareConcurrency */
  cpus?: number;
}

const HASHSIZE = "module:nf_conntrack/parameters/hashsize";

async function setOne(sys: Sysctls, c: SysctlChange, log: Logger): Promise<SysctlResult> {
  let previous: number | undefined;
  try {
    previous = await sys.get(c.parameter);
    if (previous === c.value) return { ...c, outcome: "unchanged", previous };
  } catch { /* unreadable: try to write anyway */ }
  try {
    await sys.set(c.parameter, c.value);
    log.info("Set sysctl", { parameter: c.parameter, value: c.value, previous });
    return { ...c, outcome: "set", previous };
  } catch (e) {
    const readOnly = e instanceof SysctlError && e.readOnly;
    const error = (e as Error).message;
    if (readOnly) {
      log.warn("Cannot set sysctl, it is read-only here; leaving it", {
        parameter: c.parameter,
        value: c.value,
        current: previous,
        error,
      });
    } else {
      log.error("Cannot set sysctl", { parameter: c.parameter, value: c.value, error });
    }
    return { ...c, outcome: readOnly ? "read-only" : "failed", previous, error };
  }
}

/**
 * Applies the conntrack settings. Never throws: every parameter's outcome is
 * logged and returned.
 */
export async function applyConntrackSysctls(
  settings: ConntrackSettings,
  options: ApplyConntrackOptions,
): Promise<SysctlResult[]> {
  const sys = options.sysctls ?? new Sysctls();
  const log = options.logger;
  const results: SysctlResult[] = [];
  for (
    const c of plannedConntrackSysctls(settings, options.cpus ?? navigator.hardwareConcurrency)
  ) {
    const r = await setOne(sys, c, log);
    results.push(r);
    // The kernel resizes the conntrack hash table only past 4 entries per bucket: grow it
    // with nf_conntrack_max, as upstream. The table is global, so only where
    // nf_conntrack_max itself may be changed (never from a network namespace).
    if (
      c.parameter.endsWith("nf_conntrack_max") && (r.outcome === "set" || r.outcome === "unchanged")
    ) {
      if (!(await sys.writable(c.parameter))) continue;
      const want = Math.floor(c.value / 4);
      let hashsize: number | undefined;
      try {
        hashsize = await sys.get(HASHSIZE);
      } catch { /* module parameter absent: nothing to grow */ }
      if (hashsize !== undefined && hashsize < want) {
        results.push(await setOne(sys, { parameter: HASHSIZE, value: want }, log));
      }
    }
  }
  return results;
}
