/**
 * Process metrics read from `/proc/self`, with the names the Prometheus Go
 * client uses (`process_*`), plus the Deno runtime's heap (`deno_heap_*`).
 *
 * Values are read when the registry is rendered, never on a timer.
 *
 * @module
 */

import process from "node:process";
import { Counter, Gauge, type Registry } from "./registry.ts";

/** Clock ticks per second of `/proc/<pid>/stat` times (USER_HZ; 100 on Linux). */
const USER_HZ = 100;

/** Options of {@linkcode registerProcessMetrics}. */
export interface ProcessMetricsOptions {
  /** Directory of the process to describe. @default "/proc/self" */
  procDir?: string;
  /** Kernel-wide stat file (for the boot time). @default "/proc/stat" */
  procStat?: string;
}

/** A snapshot of the values the process metrics report. */
export interface ProcessSnapshot {
  cpuSeconds: number;
  startTimeSeconds: number;
  residentBytes: number;
  virtualBytes: number;
  openFds: number;
  maxFds: number;
}

/** Error raised when a `/proc` file cannot be read or understood. */
export class ProcReadError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ProcReadError";
  }
}

function readText(path: string): string {
  try {
    return Deno.readTextFileSync(path);
  } catch (cause) {
    throw new ProcReadError(`Cannot read ${path}`, { cause });
  }
}

function statusKiB(status: string, key: string): number {
  const m = status.match(new RegExp(`^${key}:\\s+(\\d+)\\s*kB`, "m"));
  return m ? Number(m[1]) * 1024 : 0;
}

function readStat(dir: string, procStat: string) {
  const stat = readText(`${dir}/stat`);
  // The command name is in parentheses and may itself hold spaces or ')'.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).trim().split(/\s+/);
  // fields[0] is field 3 (state); utime = 14, stime = 15, starttime = 22.
  const utime = Number(fields[11]), stime = Number(fields[12]), start = Number(fields[19]);
  if (![utime, stime, start].every(Number.isFinite)) {
    throw new ProcReadError(`Cannot parse ${dir}/stat: ${JSON.stringify(stat.slice(0, 80))}`);
  }
  const btime = Number(readText(procStat).match(/^btime\s+(\d+)/m)?.[1]);
  return {
    cpuSeconds: (utime + stime) / USER_HZ,
    startTimeSeconds: Number.isFinite(btime) ? btime + start / USER_HZ : 0,
  };
}

function readMemory(dir: string) {
  const status = readText(`${dir}/status`);
  return { residentBytes: statusKiB(status, "VmRSS"), virtualBytes: statusKiB(status, "VmSize") };
}

function countOpenFds(dir: string): number {
  let openFds = 0;
  try {
    for (const _ of Deno.readDirSync(`${dir}/fd`)) openFds++;
  } catch (cause) {
    throw new ProcReadError(`Cannot list ${dir}/fd`, { cause });
  }
  return openFds;
}

function readMaxFds(dir: string): number {
  const soft = readText(`${dir}/limits`).match(/^Max open files\s+(\S+)/m)?.[1];
  return soft === undefined || soft === "unlimited" ? -1 : Number(soft);
}

/**
 * Reads a {@linkcode ProcessSnapshot} of the process under `procDir`.
 *
 * @throws {ProcReadError} when a `/proc` file cannot be read or parsed.
 */
export function readProcessSnapshot(options: ProcessMetricsOptions = {}): ProcessSnapshot {
  const dir = options.procDir ?? "/proc/self";
  return {
    ...readStat(dir, options.procStat ?? "/proc/stat"),
    ...readMemory(dir),
    openFds: countOpenFds(dir),
    maxFds: readMaxFds(dir),
  };
}

/**
 * Registers `process_cpu_seconds_total`, `process_start_time_seconds`,
 * `process_resident_memory_bytes`, `process_virtual_memory_bytes`,
 * `process_open_fds`, `process_max_fds`, `deno_heap_used_bytes` and
 * `deno_heap_total_bytes` in `registry`. Each is read from `/proc` when the
 * registry is rendered; a failed read keeps the previous value rather than
 * failing the whole scrape.
 */
export function registerProcessMetrics(
  registry: Registry,
  options: ProcessMetricsOptions = {},
): void {
  const dir = options.procDir ?? "/proc/self";
  const procStat = options.procStat ?? "/proc/stat";
  const registers = [registry];
  // Deno lets a process read /proc only with --allow-all; under a scoped permission set, the values
  // that have a permission-free source come from the runtime instead.
  const attempt = (read: () => number, use: (v: number) => void, fallback?: () => number) => {
    for (const f of fallback ? [read, fallback] : [read]) {
      try {
        use(f());
        return;
      } catch {
        // Next source, or keep the previous value.
      }
    }
  };
  new Counter({
    name: "process_cpu_seconds_total",
    help: "Total user and system CPU time spent in seconds.",
    registers,
    collect() {
      attempt(() => readStat(dir, procStat).cpuSeconds, (v) => {
        this.reset();
        this.inc(v);
      }, () => {
        const u = process.cpuUsage();
        return (u.user + u.system) / 1e6;
      });
    },
  });
  const gauge = (name: string, help: string, read: () => number, fallback?: () => number) =>
    new Gauge({
      name,
      help,
      registers,
      collect() {
        attempt(read, (v) => this.set(v), fallback);
      },
    });
  gauge(
    "process_start_time_seconds",
    "Start time of the process since unix epoch in seconds.",
    () => readStat(dir, procStat).startTimeSeconds,
    () => Math.round(performance.timeOrigin / 1000),
  );
  gauge(
    "process_resident_memory_bytes",
    "Resident memory size in bytes.",
    () => readMemory(dir).residentBytes,
    () => Deno.memoryUsage().rss,
  );
  gauge(
    "process_virtual_memory_bytes",
    "Virtual memory size in bytes.",
    () => readMemory(dir).virtualBytes,
  );
  gauge("process_open_fds", "Number of open file descriptors.", () => countOpenFds(dir));
  gauge("process_max_fds", "Maximum number of open file descriptors.", () => readMaxFds(dir));
  gauge(
    "deno_heap_used_bytes",
    "V8 heap used by the Deno runtime, in bytes.",
    () => Deno.memoryUsage().heapUsed,
  );
  gauge(
    "deno_heap_total_bytes",
    "V8 heap allocated by the Deno runtime, in bytes.",
    () => Deno.memoryUsage().heapTotal,
  );
}
