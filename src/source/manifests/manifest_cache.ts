/**
 * Per-file cache of parsed manifests, so that re-reading a directory after a
 * change parses only the files that changed. A file is taken as unchanged
 * when its inode, size, mtime and ctime are the same (no read at all), or
 * when its content has the same SHA-256 (read, not parsed).
 *
 * @module
 */

import {
  addEntries,
  emptyManifestObjects,
  ManifestError,
  manifestFiles,
  type ManifestObjects,
  parseManifestEntries,
} from "./read_manifests.ts";

/** The outcome for one file of {@linkcode ManifestCache.read}. */
export interface FileResult {
  file: string;
  /** The file's objects: just parsed, cached, or (after an error) the last good ones. */
  objects: ManifestObjects;
  /** Whether the file was parsed in this read (its problems are new). */
  parsed: boolean;
  /** Why the file could not be read or parsed; `objects` then holds its last good objects. */
  error?: ManifestError;
}

interface Cached {
  stamp: string;
  hash: string;
  objects: ManifestObjects;
}

function stampOf(info: Deno.FileInfo): string {
  return [info.dev, info.ino, info.size, info.mtime?.getTime(), info.ctime?.getTime()].join(":");
}

async function sha256(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(d, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Reads manifest files, re-parsing only those that changed since the last read. */
export class ManifestCache {
  #files = new Map<string, Cached>();
  /** Files parsed since this cache was created (for tests and logs). */
  parses = 0;

  /**
   * Reads every manifest file under `path`.
   *
   * @throws {ManifestError} when `path` itself cannot be read; errors of single files are
   * returned in their {@linkcode FileResult}.
   */
  async read(path: string): Promise<FileResult[]> {
    const files = await manifestFiles(path);
    const out: FileResult[] = [];
    for (const file of files) out.push(await this.#readFile(file));
    for (const file of [...this.#files.keys()]) {
      if (!files.includes(file)) this.#files.delete(file);
    }
    return out;
  }

  async #readFile(file: string): Promise<FileResult> {
    const cached = this.#files.get(file);
    const failed = (e: unknown): FileResult => ({
      file,
      objects: cached?.objects ?? emptyManifestObjects(),
      parsed: false,
      error: e instanceof ManifestError
        ? e
        : new ManifestError(file, undefined, `cannot read: ${(e as Error).message}`, { cause: e }),
    });
    let stamp: string;
    let bytes: Uint8Array<ArrayBuffer>;
    try {
      stamp = stampOf(await Deno.stat(file));
      if (cached?.stamp === stamp) return { file, objects: cached.objects, parsed: false };
      bytes = await Deno.readFile(file);
    } catch (e) {
      return failed(e);
    }
    const hash = await sha256(bytes);
    if (cached?.hash === hash) {
      cached.stamp = stamp;
      return { file, objects: cached.objects, parsed: false };
    }
    const objects = emptyManifestObjects();
    objects.files = [file];
    try {
      const text = new TextDecoder().decode(bytes);
      addEntries(parseManifestEntries(file, text, objects.problems), objects);
    } catch (e) {
      return failed(e);
    }
    this.parses++;
    this.#files.set(file, { stamp, hash, objects });
    return { file, objects, parsed: true };
  }
}
