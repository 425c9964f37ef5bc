/**
 * The conntrack table through the `conntrack` tool (conntrack-tools 1.4.7),
 * for when the proxy may not load libc (no `--allow-ffi`): one `conntrack -L`
 * per family lists the entries, one `conntrack -R` per family deletes them.
 * Each deletion line still makes the tool walk the whole table, so a big
 * deletion is slow here (measured: ~60 ms per entry with 20k entries); the
 * netlink table does not have that cost.
 *
 * @module
 */

import { type CommandResult, runCommand } from "../host/run_command.ts";
import { ConntrackError } from "./errors.ts";
import type { ConntrackFlow, FlowFamily, FlowTuple } from "./flow.ts";
import type { ConntrackTable, DeleteResult } from "./table.ts";

/** Options of {@linkcode ExecConntrack}. */
export interface ExecConntrackOptions {
  /** Command prefix, e.g. a wrapper. @default ["conntrack"] */
  command?: string[];
}

const FIELD = /(\w+)=(\S+)/g;

/**
 * Parses `conntrack -L -o extended,id` output (one entry per line, e.g.
 * `ipv4 2 udp 17 29 src=A dst=B sport=1 dport=2 [UNREPLIED] src=C dst=A sport=3 dport=1 mark=0
 * zone=7 use=1 id=123`). Lines that are not entries are skipped.
 */
export function parseConntrackList(text: string): ConntrackFlow[] {
  const out: ConntrackFlow[] = [];
  for (const line of text.split("\n")) {
    const head = /^\s*(ipv4|ipv6)\s+\d+\s+\S+\s+(\d+)\s/.exec(line);
    if (!head) continue;
    const tuples: Partial<FlowTuple>[] = [];
    let zone = 0, id: number | undefined;
    for (const [, key, value] of line.matchAll(FIELD)) {
      if (key === "src") tuples.push({ src: value });
      const t = tuples[tuples.length - 1];
      if (key === "dst" && t) t.dst = value;
      else if (key === "sport" && t) t.sport = Number(value);
      else if (key === "dport" && t) t.dport = Number(value);
      else if (key === "zone") zone = Number(value);
      else if (key === "id") id = Number(value);
    }
    const [o, r] = tuples;
    const complete = (t?: Partial<FlowTuple>): t is FlowTuple =>
      !!t && t.dst !== undefined && t.sport !== undefined && t.dport !== undefined;
    if (!complete(o) || !complete(r)) continue;
    out.push({
      family: head[1] === "ipv6" ? 6 : 4,
      proto: Number(head[2]),
      orig: o,
      reply: r,
      zone,
      id,
    });
  }
  return out;
}

/** The `conntrack -R` line deleting exactly one entry (by original tuple and zone). */
export function deleteLine(flow: ConntrackFlow): string {
  const zone = flow.zone ? ` -w ${flow.zone}` : "";
  return `-D -p ${flow.proto} -s ${flow.orig.src} -d ${flow.orig.dst} --sport ${flow.orig.sport}` +
    ` --dport ${flow.orig.dport}${zone}`;
}

/** Conntrack through the `conntrack` binary. */
export class ExecConntrack implements ConntrackTable {
  readonly name = "conntrack-tool";
  readonly command: string[];

  constructor(options: ExecConntrackOptions = {}) {
    this.command = options.command ?? ["conntrack"];
  }

  async #run(args: string[], stdin?: string): Promise<{ stdout: string; stderr: string }> {
    let out: CommandResult;
    try {
      out = await runCommand([...this.command, ...args], stdin);
    } catch (cause) {
      throw new ConntrackError(`cannot run ${this.command[0]}: ${(cause as Error).message}`, {
        cause,
      });
    }
    if (!out.success) {
      throw new ConntrackError(
        `${this.command[0]} ${args.join(" ")} failed (exit ${out.code}): ${out.stderr}`,
      );
    }
    return { stdout: out.stdout, stderr: out.stderr };
  }

  /** One `conntrack -L` of a family and protocol. */
  async list(family: FlowFamily, proto: number): Promise<ConntrackFlow[]> {
    const fam = family === 4 ? "ipv4" : "ipv6";
    const { stdout } = await this.#run(["-L", "-f", fam, "-p", String(proto), "-o", "extended,id"]);
    return parseConntrackList(stdout).filter((f) => f.proto === proto && f.family === family);
  }

  /** One `conntrack -R` for all the entries; the tool prints each entry it deletes. */
  async delete(flows: readonly ConntrackFlow[]): Promise<DeleteResult> {
    if (flows.length === 0) return { deleted: 0, missing: 0, failed: 0, errors: [] };
    const { stdout } = await this.#run(
      ["-R", "/dev/stdin"],
      flows.map(deleteLine).join("\n") + "\n",
    );
    const deleted = stdout.split("\n").filter((l) => /\bsrc=/.test(l)).length;
    return { deleted, missing: Math.max(0, flows.length - deleted), failed: 0, errors: [] };
  }

  close(): void {}
}
