/**
 * Loading C libraries and reading C memory with a scoped `--allow-ffi`:
 * libraries are opened by absolute path (with a path list, Deno resolves a
 * bare soname against the working directory and refuses it), and memory is
 * copied out through libc's `strlen`/`memcpy`, because `Deno.UnsafePointerView`
 * needs an unscoped `--allow-ffi`.
 *
 * @module
 */

/** Absolute paths of a shared library for the running architecture, Debian multiarch first. */
export function libraryPaths(soname: string, arch: string = Deno.build.arch): string[] {
  const triplet = `${arch}-linux-gnu`;
  return [
    `/usr/lib/${triplet}/${soname}`,
    `/lib/${triplet}/${soname}`,
    `/usr/lib64/${soname}`,
    `/lib64/${soname}`,
    `/usr/lib/${soname}`,
  ];
}

/** Raised when a library cannot be loaded from any of its paths. */
export class LibraryLoadError extends Error {
  constructor(soname: string, failures: string[], options?: ErrorOptions) {
    super(
      `cannot load ${soname} (grant --allow-ffi, and install it): ${failures.join("; ")}`,
      options,
    );
    this.name = "LibraryLoadError";
  }
}

/** Opens the first of `paths` that loads (by default, the library's standard paths). */
export function openLibrary<S extends Deno.ForeignLibraryInterface>(
  soname: string,
  symbols: S,
  paths: readonly string[] = libraryPaths(soname),
): { lib: Deno.DynamicLibrary<S>; path: string } {
  const failures: string[] = [];
  for (const path of paths) {
    try {
      return { lib: Deno.dlopen(path, symbols), path };
    } catch (e) {
      failures.push(`${path}: ${(e as Error).message}`);
    }
  }
  throw new LibraryLoadError(soname, failures);
}

const MEMORY = {
  strlen: { parameters: ["pointer"], result: "usize" },
  memcpy: { parameters: ["buffer", "pointer", "usize"], result: "pointer" },
  __errno_location: { parameters: [], result: "pointer" },
  // glibc only (musl has none): hands freed heap memory back to the kernel.
  malloc_trim: { parameters: ["usize"], result: "i32", optional: true, nonblocking: true },
} as const satisfies Deno.ForeignLibraryInterface;

const decoder = new TextDecoder();

/** Reads C memory through libc. */
export class CMemory {
  #lib: Deno.DynamicLibrary<typeof MEMORY>;

  /** @throws {LibraryLoadError} when libc cannot be loaded. */
  constructor(paths?: readonly string[]) {
    this.#lib = openLibrary("libc.so.6", MEMORY, paths).lib;
  }

  /** The NUL-terminated string at `pointer` ("" for a null pointer). */
  cString(pointer: Deno.PointerValue): string {
    if (pointer === null) return "";
    const n = Number(this.#lib.symbols.strlen(pointer));
    if (n === 0) return "";
    const out = new Uint8Array(n);
    this.#lib.symbols.memcpy(out, pointer, BigInt(n));
    return decoder.decode(out);
  }

  /** The calling thread's `errno`. */
  errno(): number {
    const p = this.#lib.symbols.__errno_location();
    if (p === null) return 0;
    const out = new Int32Array(1);
    this.#lib.symbols.memcpy(out, p, 4n);
    return out[0];
  }

  /**
   * Returns the C heap's free memory to the kernel (glibc's `malloc_trim`).
   * A large libnftables transaction leaves hundreds of megabytes freed but
   * still mapped (its parse of a 10k-Service script), which would otherwise
   * stay in the proxy's RSS. Resolves false where libc has no `malloc_trim`.
   */
  async trimHeap(): Promise<boolean> {
    const trim = this.#lib.symbols.malloc_trim;
    if (trim === null) return false;
    await trim(0n);
    return true;
  }

  /** Unloads libc. */
  close(): void {
    this.#lib.close();
  }
}
