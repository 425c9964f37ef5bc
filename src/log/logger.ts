/**
 * A small klog-like logger: `I1121 06:30:00.123456 1234 file] message key=value`.
 * Verbosity follows klog: `logger.v(2).info(...)` is printed only with `--v=2` or more.
 * `format: "json"` prints one JSON object per line instead.
 *
 * @module
 */

/** Structured fields printed after the message as `key=value`. */
export type LogFields = Record<string, unknown>;

/** Output format of the logger. */
export type LogFormat = "text" | "json";

/** The part of a logger that prints at one verbosity. */
export interface LevelLogger {
  /** Prints an informational line, if this verbosity is enabled. */
  info(msg: string, fields?: LogFields): void;
  /** Whether lines at this verbosity are printed. */
  readonly enabled: boolean;
}

/** Options of {@linkcode Logger}. */
export interface LoggerOptions {
  /** klog verbosity. @default 0 */
  verbosity?: number;
  /** @default "text" */
  format?: LogFormat;
  /** Where lines go. @default writes to stderr */
  write?: (line: string) => void;
  /** Clock, for tests. @default Date.now */
  now?: () => number;
}

const encoder = new TextEncoder();

function writeStderr(line: string): void {
  Deno.stderr.writeSync(encoder.encode(line + "\n"));
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, "0");
}

function formatValue(v: unknown): string {
  if (typeof v === "string") return /^[\w./:@-]*$/.test(v) && v !== "" ? v : JSON.stringify(v);
  if (v instanceof Error) return JSON.stringify(v.message);
  return JSON.stringify(v);
}

/**
 * klog-like logger with verbosity levels and an optional JSON format.
 *
 * @example klog-like lines, or JSON, at the verbosity asked for
 * ```ts
 * import assert from "node:assert/strict";
 * import { Logger } from "./logger.ts";
 *
 * const lines: string[] = [];
 * const log = new Logger({ verbosity: 2, write: (l) => lines.push(l) });
 * log.info("Synced", { kind: "full", services: 12 });
 * log.v(2).info("shown at --v=2");
 * log.v(4).info("not shown below --v=4");
 * assert.equal(lines.length, 2);
 * assert.match(lines[0], /^I\d{4} [\d:.]+ +\d+\] Synced kind=full services=12$/);
 * const json: string[] = [];
 * new Logger({ format: "json", write: (l) => json.push(l) }).warn("Careful", { node: "worker-0" });
 * assert.equal(JSON.parse(json[0]).level, "warning");
 * ```
 */
export class Logger {
  readonly verbosity: number;
  readonly format: LogFormat;
  #write: (line: string) => void;
  #now: () => number;

  constructor(options: LoggerOptions = {}) {
    this.verbosity = options.verbosity ?? 0;
    this.format = options.format ?? "text";
    this.#write = options.write ?? writeStderr;
    this.#now = options.now ?? Date.now;
  }

  /** Returns a logger for verbosity `level`; it prints only when `level <= verbosity`. */
  v(level: number): LevelLogger {
    const enabled = level <= this.verbosity;
    return {
      enabled,
      info: (msg, fields) => {
        if (enabled) this.#emit("I", msg, fields, level);
      },
    };
  }

  /** Prints an informational line (verbosity 0). */
  info(msg: string, fields?: LogFields): void {
    this.#emit("I", msg, fields, 0);
  }

  /** Prints a warning. */
  warn(msg: string, fields?: LogFields): void {
    this.#emit("W", msg, fields, 0);
  }

  /** Prints an error. */
  error(msg: string, fields?: LogFields): void {
    this.#emit("E", msg, fields, 0);
  }

  #emit(severity: "I" | "W" | "E", msg: string, fields: LogFields | undefined, level: number) {
    const t = new Date(this.#now());
    if (this.format === "json") {
      const obj: Record<string, unknown> = {
        ts: t.getTime() / 1000,
        level: severity === "I" ? "info" : severity === "W" ? "warning" : "error",
        v: level,
        msg,
      };
      for (const [k, v] of Object.entries(fields ?? {})) {
        obj[k] = v instanceof Error ? v.message : v;
      }
      this.#write(JSON.stringify(obj));
      return;
    }
    const stamp = `${severity}${pad(t.getUTCMonth() + 1, 2)}${pad(t.getUTCDate(), 2)} ` +
      `${pad(t.getUTCHours(), 2)}:${pad(t.getUTCMinutes(), 2)}:${pad(t.getUTCSeconds(), 2)}.` +
      `${pad(t.getUTCMilliseconds() * 1000, 6)} ${
        pad(Deno.pid, 7).replace(/^0+/, (m) => " ".repeat(m.length))
      }`;
    const kv = Object.entries(fields ?? {}).map(([k, v]) => `${k}=${formatValue(v)}`).join(" ");
    this.#write(`${stamp}] ${msg}${kv ? " " + kv : ""}`);
  }
}

/** A logger that prints nothing, for tests and library use. */
export const silentLogger: Logger = new Logger({ verbosity: -1, write: () => {} });
