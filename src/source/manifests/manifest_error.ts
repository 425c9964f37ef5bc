/**
 * The error of the manifest source.
 *
 * @module
 */

/**
 * A manifest that cannot be read or parsed. The message names the file and,
 * when known, the line (`cluster.yaml:12: YAML error: ...`); it never quotes
 * the file's content beyond the parser's one-line reason.
 */
export class ManifestError extends Error {
  /** The file. */
  readonly file: string;
  /** 1-based line, when known. */
  readonly line?: number;

  constructor(file: string, line: number | undefined, message: string, options?: ErrorOptions) {
    super(`${file}${line ? `:${line}` : ""}: ${message}`, options);
    this.name = "ManifestError";
    this.file = file;
    this.line = line;
  }
}
