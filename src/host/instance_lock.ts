/**
 * One proxy per node: an instance lock held for the life of the process.
 *
 * The lock is a Linux abstract-namespace unix socket (`@kube-nft-proxy`),
 * bound through the C library. Abstract sockets belong to the network
 * namespace, which is exactly the scope of the rules a proxy programs: two
 * proxies on one node (host network) collide, proxies in different network
 * namespaces (test namespaces, kind-style nodes) do not. The kernel frees the
 * socket when the process dies, even by SIGKILL, so no stale lock survives
 * a crash, and no file system path has to be writable.
 *
 * Why FFI and not `Deno.listen({ transport: "unix" })`: Deno can bind an
 * abstract socket, but its permission model only expresses absolute
 * `unix:<path>` rules, so an abstract address needs an unscoped
 * `--allow-net`. Through the C library the lock needs only
 * `--allow-ffi=<path of libc.so.6>`, which the proxy has anyway.
 *
 * The holder listens (and drains its backlog once a second) so that a second
 * instance can connect and read the holder's pid with `SO_PEERCRED`; the
 * kernel translates it into the reader's pid namespace, or reports 0 when the
 * holder is not visible from there.
 *
 * @module
 */

/** Options of {@linkcode acquireInstanceLock}. */
export interface InstanceLockOptions {
  /**
   * Name of the abstract socket, without the leading `@` (at most 107 bytes).
   * @default "kube-nft-proxy"
   */
  name?: string;
  /**
   * Paths of the C library, tried in order. With a scoped `--allow-ffi`
   * Deno resolves a bare `libc.so.6` against the working directory, so the
   * defaults are absolute paths.
   * @default the multiarch and lib64 paths of `libc.so.6` for this architecture
   */
  libcPaths?: readonly string[];
}

/** A held instance lock. */
export interface InstanceLock {
  /** The lock's address, e.g. `@kube-nft-proxy`. */
  readonly address: string;
  /** The C library it was taken through. */
  readonly libcPath: string;
  /** Releases the lock (the process's exit releases it as well). Idempotent. */
  release(): void;
  [Symbol.dispose](): void;
}

/** The lock could not be taken at all (no C library, no permission, socket failure). */
export class InstanceLockError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "InstanceLockError";
  }
}

/** Another process holds the lock: another proxy runs in this network namespace. */
export class InstanceLockHeldError extends InstanceLockError {
  /** The lock's address, e.g. `@kube-nft-proxy`. */
  readonly address: string;
  /** The holder's pid as seen from this process, or undefined when it cannot be seen. */
  readonly holderPid: number | undefined;

  constructor(address: string, holderPid: number | undefined, options?: ErrorOptions) {
    const who = holderPid === undefined
      ? "pid unknown: it runs in another pid namespace or does not answer"
      : `pid ${holderPid}`;
    super(
      `another kube-nft-proxy is running in this network namespace (${who}); it holds the ` +
        `instance lock ${address}. Two proxies must not program one node: stop the other one first`,
      options,
    );
    this.name = "InstanceLockHeldError";
    this.address = address;
    this.holderPid = holderPid;
  }
}

const DEFAULT_NAME = "kube-nft-proxy";
// asm-generic values, shared by x86_64 and aarch64 Linux (the only targets).
const AF_UNIX = 1;
const SOCK_STREAM = 1;
const SOCK_NONBLOCK = 0o4000;
const SOCK_CLOEXEC = 0o2000000;
const SOL_SOCKET = 1;
const SO_PEERCRED = 17;
const EINTR = 4;
const EADDRINUSE = 98;
const DRAIN_INTERVAL_MS = 1000;
/** Attempts to bind when the holder vanishes between our bind and our probe. */
const ATTEMPTS = 3;

const SYMBOLS = {
  socket: { parameters: ["i32", "i32", "i32"], result: "i32" },
  bind: { parameters: ["i32", "buffer", "u32"], result: "i32" },
  listen: { parameters: ["i32", "i32"], result: "i32" },
  connect: { parameters: ["i32", "buffer", "u32"], result: "i32" },
  getsockopt: { parameters: ["i32", "i32", "i32", "buffer", "buffer"], result: "i32" },
  accept4: { parameters: ["i32", "pointer", "pointer", "i32"], result: "i32" },
  close: { parameters: ["i32"], result: "i32" },
  __errno_location: { parameters: [], result: "pointer" },
  // Deno.UnsafePointerView needs an unscoped --allow-ffi; copying through libc does not.
  memcpy: { parameters: ["buffer", "pointer", "usize"], result: "pointer" },
} as const satisfies Deno.ForeignLibraryInterface;

type Libc = Deno.DynamicLibrary<typeof SYMBOLS>;

/** Absolute paths of `libc.so.6` for the running architecture (Debian multiarch first). */
export function defaultLibcPaths(arch: string = Deno.build.arch): string[] {
  const triplet = `${arch}-linux-gnu`;
  return [
    `/usr/lib/${triplet}/libc.so.6`,
    `/lib/${triplet}/libc.so.6`,
    "/usr/lib64/libc.so.6",
    "/lib64/libc.so.6",
  ];
}

function openLibc(paths: readonly string[]): { lib: Libc; path: string } {
  const failures: string[] = [];
  for (const path of paths) {
    try {
      return { lib: Deno.dlopen(path, SYMBOLS), path };
    } catch (e) {
      failures.push(`${path}: ${(e as Error).message}`);
    }
  }
  throw new InstanceLockError(
    "cannot take the instance lock: the C library could not be loaded (grant " +
      `--allow-ffi=<one of these paths>); tried ${failures.join("; ")}`,
  );
}

function errno(lib: Libc): number {
  const out = new Int32Array(1);
  lib.symbols.memcpy(out, lib.symbols.__errno_location(), 4n);
  return out[0];
}

/** `struct sockaddr_un` of an abstract address: family, a NUL, then the name (no terminator). */
function abstractAddress(name: string): Uint8Array {
  const bytes = new TextEncoder().encode(name);
  if (bytes.length === 0 || bytes.length > 107) {
    throw new RangeError(
      `Cannot take the instance lock: 'name' must be 1 to 107 bytes, got ${bytes.length}`,
    );
  }
  const addr = new Uint8Array(3 + bytes.length);
  new DataView(addr.buffer).setUint16(0, AF_UNIX, true);
  addr.set(bytes, 3);
  return addr;
}

function openSocket(lib: Libc, flags: number): number {
  const fd = lib.symbols.socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | flags, 0);
  if (fd < 0) {
    throw new InstanceLockError(`cannot take the instance lock: socket() errno ${errno(lib)}`);
  }
  return fd;
}

/** The holder's pid via `SO_PEERCRED`, or undefined (no listener, not visible, backlog full). */
function probeHolder(lib: Libc, addr: Uint8Array): number | undefined {
  const fd = openSocket(lib, SOCK_NONBLOCK);
  try {
    if (lib.symbols.connect(fd, addr, addr.length) !== 0) return undefined;
    const cred = new Int32Array(3); // struct ucred { pid, uid, gid }
    const len = new Uint32Array([cred.byteLength]);
    if (lib.symbols.getsockopt(fd, SOL_SOCKET, SO_PEERCRED, cred, len) !== 0) return undefined;
    return cred[0] > 0 ? cred[0] : undefined;
  } finally {
    lib.symbols.close(fd);
  }
}

/** Accepts and closes every pending probe, so that probes never fill the backlog. */
function drain(lib: Libc, fd: number): void {
  for (;;) {
    const conn = lib.symbols.accept4(fd, null, null, SOCK_CLOEXEC);
    if (conn >= 0) {
      lib.symbols.close(conn);
      continue;
    }
    if (errno(lib) !== EINTR) return; // EAGAIN: nothing left
  }
}

/**
 * Takes the instance lock of this network namespace, or explains who holds it.
 * Call it before the proxy touches any rule or binds any port; keep the result
 * for the life of the process.
 *
 * @throws {InstanceLockHeldError} when another process holds the lock.
 * @throws {InstanceLockError} when the lock cannot be taken (e.g. no FFI permission).
 * @throws {RangeError} when `name` is empty or longer than 107 bytes.
 */
export function acquireInstanceLock(options: InstanceLockOptions = {}): InstanceLock {
  const name = options.name ?? DEFAULT_NAME;
  const addr = abstractAddress(name);
  const address = `@${name}`;
  if (Deno.build.os !== "linux") {
    throw new InstanceLockError(`cannot take the instance lock ${address}: Linux only`);
  }
  const { lib, path } = openLibc(options.libcPaths ?? defaultLibcPaths());
  let fd = -1;
  try {
    for (let attempt = 1;; attempt++) {
      fd = openSocket(lib, SOCK_NONBLOCK);
      if (lib.symbols.bind(fd, addr, addr.length) === 0) break;
      const err = errno(lib);
      lib.symbols.close(fd);
      fd = -1;
      if (err !== EADDRINUSE) {
        throw new InstanceLockError(
          `cannot take the instance lock ${address}: bind() errno ${err}`,
        );
      }
      const holder = probeHolder(lib, addr);
      // No answer may mean the holder just exited: try to bind again, a few times.
      if (holder !== undefined || attempt >= ATTEMPTS) {
        throw new InstanceLockHeldError(address, holder);
      }
    }
    if (lib.symbols.listen(fd, 8) !== 0) {
      throw new InstanceLockError(
        `cannot take the instance lock ${address}: listen() errno ${errno(lib)}`,
      );
    }
  } catch (e) {
    if (fd >= 0) lib.symbols.close(fd);
    lib.close();
    throw e;
  }
  const held = fd;
  const timer = setInterval(() => {
    try {
      drain(lib, held);
    } catch {
      // Never let the lock take the proxy down; undrained probes only hide our pid.
      clearInterval(timer);
    }
  }, DRAIN_INTERVAL_MS);
  Deno.unrefTimer(timer); // the lock must not keep the process alive
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    clearInterval(timer);
    lib.symbols.close(held);
    lib.close();
  };
  return { address, libcPath: path, release, [Symbol.dispose]: release };
}
