/**
 * The kernel's conntrack table through ctnetlink, in process: a netlink
 * socket opened with libc through `Deno.dlopen` (needs `--allow-ffi`). One
 * dump lists a family's UDP entries; deletions name exact entries and are sent
 * many to a datagram, so a run starts no process at all and its cost grows
 * with the entries involved, not with the size of the table times the
 * deletions (as `conntrack -D`, which walks the whole table every time).
 *
 * @module
 */

import { ConntrackError } from "./errors.ts";
import { CMemory, openLibrary } from "../host/c_library.ts";
import type { ConntrackFlow, FlowFamily } from "./flow.ts";
import type { ConntrackTable, DeleteResult } from "./table.ts";
import {
  decodeMessages,
  encodeDeleteRequest,
  encodeDumpRequest,
  encodePlainDumpRequest,
} from "./_netlink_codec.ts";

const AF_NETLINK = 16, SOCK_RAW = 3, SOCK_CLOEXEC = 0o2000000, NETLINK_NETFILTER = 12;
const SOL_SOCKET = 1, SO_RCVTIMEO = 20;
const EINTR = 4, ENOENT = 2, EAGAIN = 11, EINVAL = 22;

const SYMBOLS = {
  socket: { parameters: ["i32", "i32", "i32"], result: "i32" },
  send: { parameters: ["i32", "buffer", "usize", "i32"], result: "isize" },
  recv: { parameters: ["i32", "buffer", "usize", "i32"], result: "isize" },
  setsockopt: { parameters: ["i32", "i32", "i32", "buffer", "u32"], result: "i32" },
  close: { parameters: ["i32"], result: "i32" },
  __errno_location: { parameters: [], result: "pointer" },
} as const;

type Libc = Deno.DynamicLibrary<typeof SYMBOLS>;

/** Options of {@linkcode NetlinkConntrack}. */
export interface NetlinkConntrackOptions {
  /** libc to open. @default "libc.so.6" */
  libc?: string;
  /** Deletions per datagram (each is acked; the acks must fit the socket buffer). @default 128 */
  batchSize?: number;
  /** Longest wait for one answer of the kernel. @default 5000 */
  recvTimeoutMs?: number;
}

/** Conntrack through a netlink socket. Call {@linkcode close} when done. */
export class NetlinkConntrack implements ConntrackTable {
  readonly name = "netlink";
  #lib: Libc;
  #memory!: CMemory;
  #fd: number;
  #seq = Math.floor(Math.random() * 0x7fffffff);
  #buf = new Uint8Array(256 * 1024);
  #batch: number;
  #kernelFilter = true;

  /**
   * Opens the socket.
   * @throws {ConntrackError} when libc cannot be loaded (e.g. no `--allow-ffi`) or the socket
   * cannot be opened
   */
  constructor(options: NetlinkConntrackOptions = {}) {
    this.#batch = options.batchSize ?? 128;
    if (!(this.#batch >= 1)) {
      throw new RangeError("Cannot open conntrack: 'batchSize' must be >= 1");
    }
    try {
      this.#lib = options.libc
        ? Deno.dlopen(options.libc, SYMBOLS)
        : openLibrary("libc.so.6", SYMBOLS).lib;
      this.#memory = new CMemory(options.libc ? [options.libc] : undefined);
    } catch (cause) {
      throw new ConntrackError(`cannot load libc for netlink: ${(cause as Error).message}`, {
        cause,
      });
    }
    const fd = this.#lib.symbols.socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
    if (fd < 0) {
      const errno = this.#errno();
      this.#lib.close();
      this.#memory.close();
      throw new ConntrackError(`cannot open a netfilter netlink socket (errno ${errno})`, {
        errno,
      });
    }
    this.#fd = fd;
    const ms = options.recvTimeoutMs ?? 5000;
    const tv = new BigInt64Array([BigInt(Math.floor(ms / 1000)), BigInt((ms % 1000) * 1000)]);
    this.#lib.symbols.setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, new Uint8Array(tv.buffer), 16);
  }

  #errno(): number {
    return this.#memory.errno();
  }

  #send(bytes: Uint8Array): void {
    for (;;) {
      const n = Number(this.#lib.symbols.send(this.#fd, bytes, BigInt(bytes.length), 0));
      if (n === bytes.length) return;
      const errno = n < 0 ? this.#errno() : 0;
      if (errno === EINTR) continue;
      throw new ConntrackError(`netlink send failed (errno ${errno}, sent ${n})`, { errno });
    }
  }

  #recv(): Uint8Array {
    for (;;) {
      const n = Number(this.#lib.symbols.recv(this.#fd, this.#buf, BigInt(this.#buf.length), 0));
      if (n >= 0) return this.#buf.subarray(0, n);
      const errno = this.#errno();
      if (errno === EINTR) continue;
      const why = errno === EAGAIN ? "timed out" : `failed (errno ${errno})`;
      throw new ConntrackError(`netlink receive ${why}`, { errno });
    }
  }

  /** Lists the entries of one family and IP protocol (one dump). */
  async list(family: FlowFamily, proto: number): Promise<ConntrackFlow[]> {
    try {
      return await this.#dump(family, proto, this.#kernelFilter);
    } catch (e) {
      // A kernel that refuses the filter: list everything and filter here.
      if (!this.#kernelFilter || !(e instanceof ConntrackError) || e.errno !== EINVAL) throw e;
      this.#kernelFilter = false;
      return await this.#dump(family, proto, false);
    }
  }

  async #dump(family: FlowFamily, proto: number, filter: boolean): Promise<ConntrackFlow[]> {
    const seq = ++this.#seq;
    this.#send(
      filter ? encodeDumpRequest(family, proto, seq) : encodePlainDumpRequest(family, seq),
    );
    const flows: ConntrackFlow[] = [];
    for (let reads = 1;; reads++) {
      for (const m of decodeMessages(this.#recv())) {
        if (m.seq !== seq) continue;
        if (m.kind === "done") return flows;
        if (m.kind === "ack" && m.errno !== 0) {
          throw new ConntrackError(`conntrack dump refused (errno ${m.errno})`, { errno: m.errno });
        }
        if (m.kind === "flow" && m.flow.proto === proto && m.flow.family === family) {
          flows.push(m.flow);
        }
      }
      // Let timers and servers run between chunks of a long dump.
      if (reads % 16 === 0) await new Promise((r) => setTimeout(r, 0));
    }
  }

  /** Deletes exactly these entries, in datagrams of `batchSize` acked requests. */
  async delete(flows: readonly ConntrackFlow[]): Promise<DeleteResult> {
    const result: DeleteResult = { deleted: 0, missing: 0, failed: 0, errors: [] };
    for (let i = 0; i < flows.length; i += this.#batch) {
      const chunk = flows.slice(i, i + this.#batch);
      const seqs = new Map<number, ConntrackFlow>();
      const parts = chunk.map((f) => {
        const seq = ++this.#seq;
        seqs.set(seq, f);
        return encodeDeleteRequest(f, seq);
      });
      const total = parts.reduce((n, p) => n + p.length, 0);
      const datagram = new Uint8Array(total);
      let at = 0;
      for (const p of parts) {
        datagram.set(p, at);
        at += p.length;
      }
      this.#send(datagram);
      while (seqs.size > 0) {
        for (const m of decodeMessages(this.#recv())) {
          if (m.kind !== "ack" || !seqs.has(m.seq)) continue;
          seqs.delete(m.seq);
          if (m.errno === 0) result.deleted++;
          else if (m.errno === ENOENT) result.missing++; // gone meanwhile (or replaced: other id)
          else {
            result.failed++;
            if (result.errors.length < 5) result.errors.push(`errno ${m.errno}`);
          }
        }
      }
      await new Promise((r) => setTimeout(r, 0));
    }
    return result;
  }

  /** Closes the socket and unloads libc. Idempotent. */
  close(): void {
    if (this.#fd < 0) return;
    this.#lib.symbols.close(this.#fd);
    this.#fd = -1;
    this.#lib.close();
    this.#memory.close();
  }
}
