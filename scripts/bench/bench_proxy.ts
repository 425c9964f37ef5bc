/**
 * The real proxy (`main.ts`) as a child process inside a namespace, for the
 * sections that measure the whole program: its JSON log lines (with the time
 * each arrived), and its memory, CPU and file descriptors read from /proc.
 *
 * @module
 */

import { BenchCommandError } from "./netns.ts";

const MAIN = new URL("../../main.ts", import.meta.url).pathname;

/**
 * Deno flags of the measured proxy: every permission (so that libnftables
 * loads, as with the deployed daemon's `--allow-ffi`), and the V8 flag the
 * deployed daemon runs with (deploy/ and scripts/build.ts).
 */
export const PROXY_DENO_FLAGS: readonly string[] = ["-A", "--v8-flags=--max-semi-space-size=8"];

/** One log line of the proxy. */
export interface ProxyLine {
  /** `performance.now()` of the bench process when the line arrived. */
  at: number;
  /** The parsed JSON line (`--logging-format=json`), or undefined for other output. */
  json?: Record<string, unknown>;
  raw: string;
}

/** A running proxy. */
export class BenchProxy {
  readonly child: Deno.ChildProcess;
  /** The proxy's pid (`ip netns exec` execs the command). */
  readonly pid: number;
  /** `performance.now()` when it was started. */
  readonly startedAt: number;
  readonly lines: ProxyLine[] = [];
  #waiters: Array<{ from: number; test: (l: ProxyLine) => boolean; done: (l: ProxyLine) => void }> =
    [];
  #status: Promise<Deno.CommandStatus>;

  private constructor(child: Deno.ChildProcess, startedAt: number) {
    this.child = child;
    this.pid = child.pid;
    this.startedAt = startedAt;
    this.#status = child.status;
    this.#pump(child.stdout);
    this.#pump(child.stderr);
  }

  /** Starts `main.ts --logging-format=json --v=2 ARGS` in namespace `ns` ("" = this one). */
  static start(ns: string, args: string[]): BenchProxy {
    const t0 = performance.now();
    const cmd = [
      Deno.execPath(),
      "run",
      ...PROXY_DENO_FLAGS,
      MAIN,
      "--logging-format=json",
      "--v=2",
      ...args,
    ];
    const argv = ns ? ["ip", "netns", "exec", ns, ...cmd] : cmd;
    const child = new Deno.Command(argv[0], {
      args: argv.slice(1),
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    return new BenchProxy(child, t0);
  }

  async #pump(stream: ReadableStream<Uint8Array>): Promise<void> {
    let buf = "";
    try {
      for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
        buf += chunk;
        let i;
        while ((i = buf.indexOf("\n")) >= 0) {
          this.#line(buf.slice(0, i));
          buf = buf.slice(i + 1);
        }
      }
    } catch { /* the process is gone */ }
  }

  #line(raw: string): void {
    let json: Record<string, unknown> | undefined;
    try {
      const v = JSON.parse(raw);
      if (v && typeof v === "object") json = v;
    } catch { /* not JSON */ }
    const line: ProxyLine = { at: performance.now(), json, raw };
    const index = this.lines.push(line) - 1;
    if (Deno.env.get("KPB_PROXY_LOG")) console.error(`[proxy] ${raw}`);
    this.#waiters = this.#waiters.filter((w) => {
      if (index >= w.from && w.test(line)) {
        w.done(line);
        return false;
      }
      return true;
    });
  }

  /** Waits for a line after index `from` (default: any) that passes `test`. */
  waitFor(test: (l: ProxyLine) => boolean, timeoutMs: number, from = 0): Promise<ProxyLine> {
    const seen = this.lines.slice(from).find(test);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w.done !== done);
        reject(
          new BenchCommandError(
            `proxy: no expected log line within ${timeoutMs} ms; last lines:\n${
              this.lines.slice(-10).map((l) => l.raw).join("\n")
            }`,
          ),
        );
      }, timeoutMs);
      const done = (l: ProxyLine) => {
        clearTimeout(timer);
        resolve(l);
      };
      this.#waiters.push({ from, test, done });
      this.#status.then((s) => {
        if (this.#waiters.some((w) => w.done === done)) {
          clearTimeout(timer);
          reject(
            new BenchCommandError(
              `proxy exited (${s.code}) while waited for; last lines:\n${
                this.lines.slice(-10).map((l) => l.raw).join("\n")
              }`,
            ),
          );
        }
      });
    });
  }

  /** Stops the proxy (SIGTERM, then SIGKILL after 10 s). */
  async stop(): Promise<void> {
    try {
      this.child.kill("SIGTERM");
    } catch { /* gone */ }
    const timer = setTimeout(() => {
      try {
        this.child.kill("SIGKILL");
      } catch { /* gone */ }
    }, 10_000);
    await this.#status;
    clearTimeout(timer);
  }
}

/** Whether a line is the `--v=2` line of a completed sync (of `kind`, if given). */
export function isSynced(l: ProxyLine, kind?: string): boolean {
  return l.json?.msg === "Synced nftables rules" && (kind === undefined || l.json.kind === kind);
}

/** A field of /proc/PID/status, in kB. */
export function procStatusKb(pid: number, field: string): number {
  const text = Deno.readTextFileSync(`/proc/${pid}/status`);
  const m = text.match(new RegExp(`^${field}:\\s+(\\d+) kB`, "m"));
  if (!m) throw new BenchCommandError(`no ${field} in /proc/${pid}/status`);
  return Number(m[1]);
}

/** User + system CPU time of a process, in clock ticks (/proc/PID/stat fields 14 and 15). */
export function procCpuTicks(pid: number): number {
  const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
  // The command name may hold spaces: fields are counted after its closing parenthesis.
  const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(rest[11]) + Number(rest[12]);
}

/** Clock ticks per second (USER_HZ). */
export const CLOCK_TICKS = 100;

/** Open file descriptors of a process. */
export function openFds(pid: number): number {
  let n = 0;
  for (const _ of Deno.readDirSync(`/proc/${pid}/fd`)) n++;
  return n;
}

/** Threads of a process. */
export function threads(pid: number): number {
  const m = Deno.readTextFileSync(`/proc/${pid}/status`).match(/^Threads:\s+(\d+)/m);
  return m ? Number(m[1]) : NaN;
}
