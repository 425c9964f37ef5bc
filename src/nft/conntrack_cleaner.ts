/**
 * Deletes stale UDP conntrack entries: when a UDP endpoint stops being used,
 * flows still DNATed to it would keep clients pinned to a dead backend.
 * Uses the `conntrack` tool, one deletion per service address and endpoint.
 *
 * @module
 */

import type { Logger } from "../log/logger.ts";

/** A UDP endpoint no longer used by a service port, and the addresses that led to it. */
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

/** Options of {@linkcode ConntrackCleaner}. */
export interface ConntrackCleanerOptions {
  logger: Logger;
  /** Command prefix. @default ["conntrack"] */
  command?: string[];
}

/** Runs `conntrack -D` for stale UDP flows. */
export class ConntrackCleaner {
  #log: Logger;
  #cmd: string[];

  constructor(o: ConntrackCleanerOptions) {
    this.#log = o.logger;
    this.#cmd = o.command ?? ["conntrack"];
  }

  /** The `conntrack` argument lists for one stale flow. */
  static argsFor(f: StaleUdpFlow): string[][] {
    const fam = f.family === 4 ? "ipv4" : "ipv6";
    const out = f.serviceIps.map((vip) => [
      "-D",
      "-f",
      fam,
      "-p",
      "udp",
      "--orig-dst",
      vip,
      "--orig-port-dst",
      String(f.port),
      "--dst-nat",
      f.endpointIp,
    ]);
    if (f.nodePort > 0) {
      out.push([
        "-D",
        "-f",
        fam,
        "-p",
        "udp",
        "--orig-port-dst",
        String(f.nodePort),
        "--dst-nat",
        f.endpointIp,
      ]);
    }
    return out;
  }

  /** Deletes the entries; returns how many were deleted. Failures are logged, never thrown. */
  async clear(flows: StaleUdpFlow[]): Promise<number> {
    let deleted = 0;
    const [cmd, ...pre] = this.#cmd;
    for (const f of flows) {
      for (const args of ConntrackCleaner.argsFor(f)) {
        try {
          const out = await new Deno.Command(cmd, {
            args: [...pre, ...args],
            stdout: "piped",
            stderr: "piped",
          }).output();
          const text = new TextDecoder().decode(out.stderr);
          const m = /(\d+) flow entries have been deleted/.exec(text);
          if (m) deleted += Number(m[1]);
          else if (!out.success) {
            this.#log.v(4).info("conntrack found nothing to delete", {
              args: args.join(" "),
              stderr: text.trim(),
            });
          }
        } catch (e) {
          this.#log.error("Cannot run conntrack", { error: (e as Error).message });
          return deleted;
        }
      }
    }
    if (deleted > 0) {
      this.#log.v(2).info("Deleted stale UDP conntrack entries", { entries: deleted });
    }
    return deleted;
  }
}
