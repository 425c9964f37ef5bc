/**
 * Watches the kernel's nftables notifications (the netlink multicast group
 * `NFNLGRP_NFTABLES`, which `nft monitor` also reads) for changes to the
 * proxy's tables made by someone else, so that drift is restored within
 * milliseconds instead of at the next poll. Each transaction ends with a
 * NEWGEN message; a transaction that touched our tables is drift unless it
 * is one of ours. Ours are told apart by when they happen: the proxy's
 * runner brackets each apply with {@linkcode TableMonitor.beginOwn} and
 * {@linkcode TableMonitor.endOwn}; the kernel queues a transaction's
 * notifications before the apply returns, so `endOwn` drains them as ours.
 * (The NEWGEN message also names a process, but with libnftables on a worker
 * thread that is a thread id, not the proxy's pid.)
 *
 * The socket is opened through libc with `Deno.dlopen`; only message headers
 * and the table name attribute are read, never rule or element contents.
 *
 * While anything listens, the kernel builds a notification for every object
 * and element of every nftables transaction on the node; for the proxy's
 * own full loads (hundreds of thousands of elements) that triples the load
 * time, so the proxy pauses the monitor around them.
 *
 * @module
 */

import { CMemory, openLibrary } from "../host/c_library.ts";

const AF_NETLINK = 16;
const SOCK_RAW = 3;
const SOCK_CLOEXEC = 0o2000000;
const NETLINK_NETFILTER = 12;
const NFNLGRP_NFTABLES = 7;
const NFNL_SUBSYS_NFTABLES = 10;
const NFT_MSG_NEWGEN = 15;
const POLLIN = 1;
const MSG_DONTWAIT = 0x40;
const EAGAIN = 11;
const EINTR = 4;
const ENOBUFS = 105;
const AF_INET = 2;
const AF_INET6 = 10;

const LIBC = {
  socket: { parameters: ["i32", "i32", "i32"], result: "i32" },
  bind: { parameters: ["i32", "buffer", "u32"], result: "i32" },
  poll: { parameters: ["buffer", "u64", "i32"], result: "i32", nonblocking: true },
  recv: { parameters: ["i32", "buffer", "usize", "i32"], result: "isize" },
  close: { parameters: ["i32"], result: "i32" },
} as const;

/** One nftables transaction seen on the netlink group. */
export interface NftTransaction {
  /** The process that committed it (0 when unknown). */
  pid: number;
  /** Its command name, when given. */
  processName: string;
  /** Tables it touched, as `ip NAME` / `ip6 NAME` (other families as `family:N NAME`). */
  tables: Set<string>;
}

/** Parses netlink messages from the nftables group; pure, for tests. */
export class NftEventParser {
  #tables = new Set<string>();

  /** Feeds one datagram; returns the transactions it completed. */
  feed(buf: Uint8Array): NftTransaction[] {
    const out: NftTransaction[] = [];
    const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    let off = 0;
    while (off + 16 <= buf.byteLength) {
      const len = view.getUint32(off, true);
      const type = view.getUint16(off + 4, true);
      if (len < 16 || off + len > buf.byteLength) break;
      if (type >> 8 === NFNL_SUBSYS_NFTABLES && len >= 20) {
        const msg = type & 0xff;
        const family = buf[off + 16];
        const attrs = readAttrs(buf, view, off + 20, off + len);
        if (msg === NFT_MSG_NEWGEN) {
          const pid = attrs.get(2);
          const name = attrs.get(3);
          out.push({
            pid: pid && pid.byteLength >= 4
              ? new DataView(pid.buffer, pid.byteOffset, 4).getUint32(0, false)
              : 0,
            processName: name ? cString(name) : "",
            tables: this.#tables,
          });
          this.#tables = new Set();
        } else {
          const table = attrs.get(1);
          if (table) this.#tables.add(`${familyWord(family)} ${cString(table)}`);
        }
      }
      off += align(len);
    }
    return out;
  }
}

function align(n: number): number {
  return (n + 3) & ~3;
}

function familyWord(f: number): string {
  return f === AF_INET ? "ip" : f === AF_INET6 ? "ip6" : `family:${f}`;
}

function cString(b: Uint8Array): string {
  const end = b.indexOf(0);
  return new TextDecoder().decode(end < 0 ? b : b.subarray(0, end));
}

function readAttrs(
  buf: Uint8Array,
  view: DataView,
  start: number,
  end: number,
): Map<number, Uint8Array> {
  const out = new Map<number, Uint8Array>();
  let off = start;
  while (off + 4 <= end) {
    const len = view.getUint16(off, true);
    const type = view.getUint16(off + 2, true) & 0x3fff;
    if (len < 4 || off + len > end) break;
    out.set(type, buf.subarray(off + 4, off + len));
    off += align(len);
  }
  return out;
}

/** Options of {@linkcode TableMonitor}. */
export interface TableMonitorOptions {
  /** Tables to watch, as `ip NAME` / `ip6 NAME`. */
  tables: string[];
  /** Called when someone else changed a watched table. */
  onForeignChange: (transaction: NftTransaction) => void;
  /** Called when notifications were lost (socket overflow): the tables may have changed. */
  onLost?: () => void;
  /** Called when the monitor stops on an error it cannot recover from. */
  onError?: (error: Error) => void;
}

/** Raised when the netlink socket cannot be opened. */
export class TableMonitorUnavailableError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "TableMonitorUnavailableError";
  }
}

/** Listens for nftables changes; see the module doc. */
export class TableMonitor {
  #options: TableMonitorOptions;
  #lib: Deno.DynamicLibrary<typeof LIBC>;
  #memory: CMemory;
  #fd = -1;
  #loop?: Promise<void>;
  #paused = false;
  #stopped = false;
  #own = 0;
  #parser = new NftEventParser();
  #buf = new Uint8Array(1 << 16);

  /** @throws {TableMonitorUnavailableError} when libc cannot be loaded. */
  constructor(options: TableMonitorOptions) {
    this.#options = options;
    try {
      this.#lib = openLibrary("libc.so.6", LIBC).lib;
      this.#memory = new CMemory();
    } catch (cause) {
      throw new TableMonitorUnavailableError(`cannot load libc: ${(cause as Error).message}`, {
        cause,
      });
    }
  }

  /** Opens the socket and starts listening. */
  start(): void {
    this.#open();
    this.#loop ??= this.#run();
  }

  /** Stops listening until {@linkcode resume} (around the proxy's own full loads). */
  pause(): void {
    this.#paused = true;
    this.#closeFd();
  }

  /** Listens again after {@linkcode pause}. */
  resume(): void {
    if (this.#stopped) return;
    this.#paused = false;
    this.#open();
  }

  /** Marks the start of one of the proxy's own transactions (see the module doc). */
  beginOwn(): void {
    this.#own++;
  }

  /** Marks its end: the transactions queued so far are the proxy's own. */
  endOwn(): void {
    this.#drain(true);
    this.#own = Math.max(0, this.#own - 1);
  }

  /** Stops for good and waits for the listening loop to end. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#closeFd();
    await this.#loop;
    this.#lib.close();
    this.#memory.close();
  }

  #errno(): number {
    return this.#memory.errno();
  }

  #open(): void {
    if (this.#fd >= 0) return;
    const s = this.#lib.symbols;
    const fd = s.socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
    if (fd < 0) {
      throw new TableMonitorUnavailableError(`socket(AF_NETLINK) failed: errno ${this.#errno()}`);
    }
    // struct sockaddr_nl { sa_family_t nl_family; u16 pad; u32 nl_pid; u32 nl_groups; }
    const addr = new Uint8Array(12);
    const view = new DataView(addr.buffer);
    view.setUint16(0, AF_NETLINK, true);
    view.setUint32(8, 1 << (NFNLGRP_NFTABLES - 1), true);
    if (s.bind(fd, addr, addr.byteLength) < 0) {
      const errno = this.#errno();
      s.close(fd);
      throw new TableMonitorUnavailableError(`joining the nftables group failed: errno ${errno}`);
    }
    this.#fd = fd;
  }

  #closeFd(): void {
    if (this.#fd >= 0) {
      this.#lib.symbols.close(this.#fd);
      this.#fd = -1;
    }
  }

  async #run(): Promise<void> {
    const pollfd = new Uint8Array(8);
    const pv = new DataView(pollfd.buffer);
    while (!this.#stopped) {
      const fd = this.#fd;
      if (fd < 0 || this.#paused) {
        await new Promise((r) => setTimeout(r, 100));
        continue;
      }
      pv.setInt32(0, fd, true);
      pv.setInt16(4, POLLIN, true);
      pv.setInt16(6, 0, true);
      // Wakes up at least every 250 ms, so pause() and stop() take effect promptly.
      const ready = await this.#lib.symbols.poll(pollfd, 1n, 250);
      // While one of our own applies runs, its notifications wait for endOwn().
      if (ready <= 0 || fd !== this.#fd || this.#own > 0) {
        if (this.#own > 0) await new Promise((r) => setTimeout(r, 5));
        continue;
      }
      this.#drain(false);
    }
  }

  /** Reads everything queued; `own` marks the transactions as the proxy's. */
  #drain(own: boolean): void {
    const fd = this.#fd;
    while (fd >= 0 && this.#fd === fd) {
      const n = Number(
        this.#lib.symbols.recv(fd, this.#buf, BigInt(this.#buf.byteLength), MSG_DONTWAIT),
      );
      if (n < 0) {
        const errno = this.#errno();
        if (errno === EAGAIN || errno === EINTR) return;
        if (errno === ENOBUFS) {
          if (!own) this.#options.onLost?.();
          continue;
        }
        this.#options.onError?.(new Error(`recv on the nftables monitor failed: errno ${errno}`));
        this.#closeFd();
        return;
      }
      for (const t of this.#parser.feed(this.#buf.subarray(0, n))) if (!own) this.#check(t);
    }
  }

  #check(t: NftTransaction): void {
    if (![...t.tables].some((name) => this.#options.tables.includes(name))) return;
    this.#options.onForeignChange(t);
  }
}
