/**
 * Plain network namespaces for the load benchmarks, and a timed `nft -f`
 * inside one (wall time, user and system CPU, and the peak RSS of nft via
 * `/usr/bin/time`).
 *
 * @module
 */

import { runCommand } from "../../src/host/run_command.ts";

/** Raised when a benchmark command fails. */
export class BenchCommandError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "BenchCommandError";
  }
}

const dec = new TextDecoder();

/** Runs a command, returning stdout; throws with stderr on failure. */
export async function sh(argv: string[], stdin?: string): Promise<string> {
  const out = await runCommand(argv, stdin);
  if (!out.success) {
    throw new BenchCommandError(
      `${argv.join(" ")} failed (exit ${out.code}): ${out.stderr.slice(0, 2000)}`,
    );
  }
  return out.stdout;
}

/** A unique namespace name with `prefix`. */
export function uniqueNs(prefix = "kpb"): string {
  return `${prefix}${crypto.randomUUID().replaceAll("-", "").slice(0, 8)}`;
}

/** Creates a namespace, runs `fn(name)`, and always deletes the namespace. */
export async function withNamespace<T>(fn: (ns: string) => Promise<T>, prefix = "kpb"): Promise<T> {
  const ns = uniqueNs(prefix);
  await sh(["ip", "netns", "add", ns]);
  try {
    return await fn(ns);
  } finally {
    await sh(["ip", "netns", "del", ns]).catch((e) => console.error(`warning: ${e.message}`));
  }
}

/** Timing of one `nft -f`. */
export interface NftLoadTiming {
  wallMs: number;
  userMs: number;
  sysMs: number;
  /** Peak resident set size of nft, in KiB. */
  maxRssKb: number;
}

/** Path of GNU time, or undefined. */
export function gnuTime(): string | undefined {
  try {
    Deno.statSync("/usr/bin/time");
    return "/usr/bin/time";
  } catch {
    return undefined;
  }
}

/** Loads `file` with `nft -f` in namespace `ns`, timed. */
export async function timedNftLoad(ns: string, file: string): Promise<NftLoadTiming> {
  const time = gnuTime();
  const report = await Deno.makeTempFile({ prefix: "kpb-time-" });
  try {
    const argv = time
      ? ["ip", "netns", "exec", ns, time, "-f", "%U %S %M", "-o", report, "nft", "-f", file]
      : ["ip", "netns", "exec", ns, "nft", "-f", file];
    const t0 = performance.now();
    await sh(argv);
    const wallMs = performance.now() - t0;
    if (!time) return { wallMs, userMs: NaN, sysMs: NaN, maxRssKb: NaN };
    const last = (await Deno.readTextFile(report)).trim().split("\n").pop() ?? "";
    const [u, s, m] = last.split(/\s+/).map(Number);
    return { wallMs, userMs: u * 1000, sysMs: s * 1000, maxRssKb: m };
  } finally {
    await Deno.remove(report).catch(() => {});
  }
}

/** Writes `text` to a fresh temporary file and returns its path. */
export async function tempScript(text: string): Promise<string> {
  const f = await Deno.makeTempFile({ prefix: "kpb-", suffix: ".nft" });
  await Deno.writeTextFile(f, text);
  return f;
}

/**
 * Runs `deno run -A SCRIPT ARG` inside namespace `ns` with one JSON argument,
 * and parses the JSON value the script prints as its last stdout line. The
 * measurement then runs where the proxy runs (nft and libnftables talk to the
 * namespace's kernel state directly, no `ip netns exec` per command).
 */
export async function denoInNamespace<T>(ns: string, script: string, arg: unknown): Promise<T> {
  const out = await new Deno.Command("ip", {
    args: ["netns", "exec", ns, Deno.execPath(), "run", "-A", script, JSON.stringify(arg)],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = dec.decode(out.stderr);
  if (Deno.env.get("KPB_DEBUG")) console.error(stderr);
  if (!out.success) {
    throw new BenchCommandError(`${script} failed (exit ${out.code}): ${stderr.slice(-3000)}`);
  }
  const lines = dec.decode(out.stdout).trim().split("\n");
  return JSON.parse(lines[lines.length - 1]) as T;
}
