/**
 * Reading and writing kernel parameters under `/proc/sys` (and module
 * parameters under `/sys/module`), with the paths injectable so that tests
 * never touch the host's values.
 *
 * @module
 */

/** File access used by {@linkcode Sysctls}; the default is the real file system. */
export interface SysctlFiles {
  readTextFile(path: string): Promise<string>;
  writeTextFile(path: string, text: string): Promise<void>;
  /** Whether the file's mode allows writing (`/proc/sys` makes per-netns read-only entries 0444). */
  isWritable(path: string): Promise<boolean>;
}

/** The real file system. */
export const REAL_FILES: SysctlFiles = {
  readTextFile: (p) => Deno.readTextFile(p),
  writeTextFile: (p, t) => Deno.writeTextFile(p, t),
  async isWritable(p) {
    const mode = (await Deno.stat(p)).mode;
    return mode === null || (mode & 0o222) !== 0;
  },
};

/** Options of {@linkcode Sysctls}. */
export interface SysctlsOptions {
  /** Root of the sysctl tree. @default "/proc/sys" */
  procSys?: string;
  /** Root of module parameters. @default "/sys/module" */
  sysModule?: string;
  /** File access. @default the real file system */
  files?: SysctlFiles;
}

/** Error raised when a kernel parameter cannot be read or written. */
export class SysctlError extends Error {
  /** The parameter, e.g. `net/netfilter/nf_conntrack_max`. */
  readonly parameter: string;
  /** Whether it failed because the parameter is read-only here (container, network namespace, permissions). */
  readonly readOnly: boolean;
  constructor(parameter: string, readOnly: boolean, options: ErrorOptions) {
    const why = options.cause instanceof Error ? options.cause.message : String(options.cause);
    super(`${parameter}: ${readOnly ? "read-only here" : "cannot be set"}: ${why}`, options);
    this.name = "SysctlError";
    this.parameter = parameter;
    this.readOnly = readOnly;
  }
}

/**
 * Whether `e` means "this parameter cannot be written here": EACCES/EPERM
 * (`PermissionDenied`; a per-namespace read-only entry such as
 * `nf_conntrack_max` outside the initial network namespace), EROFS (a
 * read-only `/proc/sys` or `/sys` in a container), or a missing Deno
 * `--allow-write` permission (`NotCapable`).
 */
export function isReadOnlyError(error: unknown): boolean {
  if (error instanceof Deno.errors.PermissionDenied || error instanceof Deno.errors.NotCapable) {
    return true;
  }
  const msg = error instanceof Error ? error.message : "";
  return /os error 30\b|read-only file system/i.test(msg);
}

/** Integer kernel parameters under `/proc/sys` and `/sys/module`. */
export class Sysctls {
  readonly procSys: string;
  readonly sysModule: string;
  readonly #files: SysctlFiles;

  constructor(options: SysctlsOptions = {}) {
    this.procSys = options.procSys ?? "/proc/sys";
    this.sysModule = options.sysModule ?? "/sys/module";
    this.#files = options.files ?? REAL_FILES;
  }

  /** Path of a `/proc/sys` parameter (`net/netfilter/nf_conntrack_max`) or a `module:` one. */
  path(parameter: string): string {
    return parameter.startsWith("module:")
      ? `${this.sysModule}/${parameter.slice("module:".length)}`
      : `${this.procSys}/${parameter}`;
  }

  /** Reads an integer parameter. @throws {SysctlError} */
  async get(parameter: string): Promise<number> {
    let text: string;
    try {
      text = await this.#files.readTextFile(this.path(parameter));
    } catch (cause) {
      throw new SysctlError(parameter, false, { cause });
    }
    const n = Number(text.trim());
    if (!Number.isInteger(n)) {
      throw new SysctlError(parameter, false, { cause: new Error(`not an integer: ${text}`) });
    }
    return n;
  }

  /** Whether the parameter's file may be written (its mode; root still needs the capability). */
  async writable(parameter: string): Promise<boolean> {
    try {
      return await this.#files.isWritable(this.path(parameter));
    } catch {
      return false;
    }
  }

  /** Writes an integer parameter. @throws {SysctlError} (with `readOnly` when it cannot be written here) */
  async set(parameter: string, value: number): Promise<void> {
    try {
      await this.#files.writeTextFile(this.path(parameter), `${value}\n`);
    } catch (cause) {
      throw new SysctlError(parameter, isReadOnlyError(cause), { cause });
    }
  }
}
