/**
 * Applies nft scripts through libnftables (Debian's `libnftables1`) loaded
 * in-process with `Deno.dlopen`, with one context kept open for the life of
 * the proxy. Measured at 10k Services (README, "Apply path"): a one-element
 * change takes well under a millisecond this way, against 15–30 ms for a new
 * `nft` process, because there is no process start and the context's netlink
 * socket stays open: closing it makes the kernel wait for the release of
 * deleted objects (an RCU grace period) before the process can go on.
 *
 * Calls run on a worker thread (`nonblocking` FFI), one at a time; the event
 * loop stays free while a large script loads.
 *
 * @module
 */

import { failingLines, firstErrorLine, NftError, type NftRunner } from "./nft_runner.ts";
import { CMemory, libraryPaths, openLibrary } from "../host/c_library.ts";

/** The library's file name. */
export const LIBNFTABLES = "libnftables.so.1";

// libnftables.h (1.0.6): NFT_CTX_OUTPUT_TERSE = (1 << 11); bit 7 is NUMERIC_PROTO.
const NFT_CTX_OUTPUT_TERSE = 1 << 11;

/**
 * Scripts at least this long (full loads, garbage collections of many
 * Services) are followed by a `malloc_trim`: nft's parse of a 10k-Service
 * full load frees ~350 MB that glibc would otherwise keep mapped.
 */
export const TRIM_AFTER_BYTES = 1 << 20;

const SYMBOLS = {
  nft_ctx_new: { parameters: ["u32"], result: "pointer" },
  nft_ctx_free: { parameters: ["pointer"], result: "void" },
  nft_ctx_buffer_output: { parameters: ["pointer"], result: "i32" },
  nft_ctx_buffer_error: { parameters: ["pointer"], result: "i32" },
  nft_ctx_get_output_buffer: { parameters: ["pointer"], result: "pointer" },
  nft_ctx_get_error_buffer: { parameters: ["pointer"], result: "pointer" },
  nft_ctx_set_dry_run: { parameters: ["pointer", "bool"], result: "void" },
  nft_ctx_output_get_flags: { parameters: ["pointer"], result: "u32" },
  nft_ctx_output_set_flags: { parameters: ["pointer", "u32"], result: "void" },
  nft_run_cmd_from_buffer: { parameters: ["pointer", "buffer"], result: "i32", nonblocking: true },
  nft_run_cmd_from_filename: {
    parameters: ["pointer", "buffer"],
    result: "i32",
    nonblocking: true,
  },
} as const;

/** Raised when libnftables cannot be loaded (missing library, or no `--allow-ffi`). */
export class LibNftablesUnavailableError extends Error {
  constructor(options?: ErrorOptions) {
    const why = options?.cause instanceof Error ? `: ${options.cause.message}` : "";
    super(`cannot load ${LIBNFTABLES}${why}`, options);
    this.name = "LibNftablesUnavailableError";
  }
}

const encoder = new TextEncoder();

function cString(s: string): Uint8Array {
  return encoder.encode(s + "\0");
}

/**
 * Runs nft commands through one libnftables context.
 *
 * @example Prefer libnftables in process, fall back to the binary
 * ```ts
 * import { LibNftablesRunner } from "./libnftables_runner.ts";
 * import { ExecNftRunner } from "./exec_nft_runner.ts";
 * import type { NftRunner } from "./nft_runner.ts";
 *
 * const lib = LibNftablesRunner.tryOpen();
 * const runner: NftRunner = lib instanceof LibNftablesRunner ? lib : new ExecNftRunner();
 * if (lib instanceof LibNftablesRunner) lib.close();
 * else console.log(`libnftables unavailable (${lib.message}); using ${runner.constructor.name}`);
 * ```
 */
export class LibNftablesRunner implements NftRunner {
  #lib: Deno.DynamicLibrary<typeof SYMBOLS>;
  #memory: CMemory;
  #ctx: Deno.PointerValue;
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;

  /** @throws {LibNftablesUnavailableError} when the library cannot be loaded. */
  constructor(paths: readonly string[] = [...libraryPaths(LIBNFTABLES), LIBNFTABLES]) {
    try {
      this.#lib = openLibrary(LIBNFTABLES, SYMBOLS, paths).lib;
      this.#memory = new CMemory();
    } catch (cause) {
      throw new LibNftablesUnavailableError({ cause });
    }
    this.#ctx = this.#lib.symbols.nft_ctx_new(0);
    if (this.#ctx === null) {
      this.#lib.close();
      throw new LibNftablesUnavailableError({ cause: new Error("nft_ctx_new failed") });
    }
    this.#lib.symbols.nft_ctx_buffer_output(this.#ctx);
    this.#lib.symbols.nft_ctx_buffer_error(this.#ctx);
  }

  /** Loads libnftables, or returns the reason why it is not available. */
  static tryOpen(paths?: readonly string[]): LibNftablesRunner | Error {
    try {
      return new LibNftablesRunner(paths);
    } catch (e) {
      return e as Error;
    }
  }

  apply(script: string): Promise<void> {
    return this.#serial(async () => {
      const { rc, err } = await this.#runBuffer(script);
      if (rc !== 0) throw await this.#explain(script, err);
    });
  }

  check(script: string): Promise<void> {
    return this.#serial(async () => {
      this.#lib.symbols.nft_ctx_set_dry_run(this.#ctx, true);
      try {
        const { rc, err } = await this.#runBuffer(script);
        if (rc !== 0) throw await this.#explain(script, err);
      } finally {
        this.#lib.symbols.nft_ctx_set_dry_run(this.#ctx, false);
      }
    });
  }

  run(args: string[]): Promise<string> {
    return this.#serial(async () => {
      const terse = args[0] === "-t";
      const cmd = (terse ? args.slice(1) : args).join(" ");
      const flags = this.#lib.symbols.nft_ctx_output_get_flags(this.#ctx);
      if (terse) {
        this.#lib.symbols.nft_ctx_output_set_flags(this.#ctx, flags | NFT_CTX_OUTPUT_TERSE);
      }
      try {
        const { rc, out, err } = await this.#runBuffer(cmd);
        if (rc !== 0) {
          throw new NftError(`nft ${cmd} failed: ${firstErrorLine(err)}`, err, new Map());
        }
        return out;
      } finally {
        if (terse) this.#lib.symbols.nft_ctx_output_set_flags(this.#ctx, flags);
      }
    });
  }

  /** Frees the context and unloads the library; later calls fail. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#lib.symbols.nft_ctx_free(this.#ctx);
    this.#lib.close();
    this.#memory.close();
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#closed) {
      return Promise.reject(new NftError("libnftables runner is closed", "", new Map()));
    }
    const run = this.#queue.then(fn);
    this.#queue = run.catch(() => {});
    return run;
  }

  async #runBuffer(text: string): Promise<{ rc: number; out: string; err: string }> {
    const buf = cString(text);
    const rc = await this.#lib.symbols.nft_run_cmd_from_buffer(this.#ctx, buf);
    const result = { rc, out: this.#take("output"), err: this.#take("error") };
    if (text.length >= TRIM_AFTER_BYTES) await this.#memory.trimHeap();
    return result;
  }

  #take(which: "output" | "error"): string {
    const p = which === "output"
      ? this.#lib.symbols.nft_ctx_get_output_buffer(this.#ctx)
      : this.#lib.symbols.nft_ctx_get_error_buffer(this.#ctx);
    return this.#memory.cString(p);
  }

  /**
   * libnftables does not say which line of a buffer failed; to name it, the
   * script is checked again (dry run) from a file, whose errors carry
   * `FILE:LINE:COL`. Only on the failure path.
   */
  async #explain(script: string, err: string): Promise<NftError> {
    let detail = err;
    let file: string | undefined;
    try {
      file = await Deno.makeTempFile({ prefix: "kube-nft-proxy-", suffix: ".nft" });
      await Deno.writeTextFile(file, script);
      this.#lib.symbols.nft_ctx_set_dry_run(this.#ctx, true);
      const rc = await this.#lib.symbols.nft_run_cmd_from_filename(this.#ctx, cString(file));
      this.#take("output");
      const fileErr = this.#take("error");
      if (rc !== 0 && fileErr) detail = fileErr.replaceAll(file, "/dev/stdin");
    } catch {
      // No temp file (read-only filesystem): keep the message without line numbers.
    } finally {
      this.#lib.symbols.nft_ctx_set_dry_run(this.#ctx, false);
      if (file) await Deno.remove(file).catch(() => {});
    }
    return new NftError(
      `nft failed: ${firstErrorLine(detail || err)}`,
      detail.trim(),
      failingLines(detail, script),
    );
  }
}
