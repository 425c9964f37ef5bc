/**
 * Runs the real proxy (main.ts) as a child process inside a network
 * namespace, and follows its log to know when a sync has completed.
 *
 * @module
 */

import type { KubeObject } from "../../src/model/kube_types.ts";
import { writeManifest } from "./cluster_objects.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

/**
 * Flags every test proxy in the harness's node namespace uses: node "node", pods in 10.244/16,
 * syncs at once, no servers. A test that needs another value repeats the flag after these (the
 * last one wins).
 */
export const TEST_PROXY_FLAGS: readonly string[] = [
  "--hostname-override",
  "node",
  "--cluster-cidr",
  "10.244.0.0/16",
  "--min-sync-period",
  "0",
  "--healthz-bind-address",
  "",
  "--metrics-bind-address",
  "",
  "--service-cidrs",
  "10.96.0.0/12",
];

/** A running proxy process. */
export class ProxyProcess {
  readonly child: Deno.ChildProcess;
  readonly lines: string[] = [];
  #waiters: Array<{ test: (l: string) => boolean; resolve: () => void }> = [];
  #done: Promise<Deno.CommandStatus>;

  private constructor(child: Deno.ChildProcess) {
    this.child = child;
    this.#done = child.status;
    this.#pump(child.stderr);
    this.#pump(child.stdout);
  }

  /** Starts `main.ts ARGS` in namespace `ns` (or in this namespace when `ns` is empty). */
  static start(ns: string, args: string[], env: Record<string, string> = {}): ProxyProcess {
    const deno = Deno.execPath();
    const cmd = [deno, "run", "-A", "--no-prompt", `${ROOT}main.ts`, "--v=2", ...args];
    const argv = ns ? ["ip", "netns", "exec", ns, ...cmd] : cmd;
    const child = new Deno.Command(argv[0], {
      args: argv.slice(1),
      stdout: "piped",
      stderr: "piped",
      stdin: "null",
      env,
    }).spawn();
    return new ProxyProcess(child);
  }

  async #pump(stream: ReadableStream<Uint8Array>) {
    let buf = "";
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
      buf += chunk;
      let i;
      while ((i = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        this.lines.push(line);
        if (Deno.env.get("PROXY_LOG")) console.error(`[proxy] ${line}`);
        this.#waiters = this.#waiters.filter((w) => {
          if (w.test(line)) {
            w.resolve();
            return false;
          }
          return true;
        });
      }
    }
  }

  /** Number of completed syncs so far (from the `--v=2` sync lines). */
  get syncs(): number {
    return this.lines.filter((l) => l.includes("Synced nftables rules")).length;
  }

  /** Waits for a log line matching `re`, counting only lines after the current ones when `fresh`. */
  waitForLine(re: RegExp, timeoutMs = 15000, fresh = true): Promise<void> {
    if (!fresh && this.lines.some((l) => re.test(l))) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(
          new Error(
            `timed out waiting for ${re} in the proxy log; last lines:\n${
              this.lines.slice(-15).join("\n")
            }`,
          ),
        );
      }, timeoutMs);
      this.#waiters.push({
        test: (l) => re.test(l),
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }

  /** Waits until at least `n` syncs completed. */
  async waitForSyncs(n: number, timeoutMs = 15000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.syncs < n) {
      if (Date.now() > deadline) {
        throw new Error(
          `timed out waiting for sync #${n}; last lines:\n${this.lines.slice(-15).join("\n")}`,
        );
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Writes the manifest and waits for the reload and the sync that follows it. */
  async applyAndSync(file: string, objects: KubeObject[], timeoutMs = 10_000): Promise<void> {
    const mark = this.lines.length;
    await writeManifest(file, objects);
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const fresh = this.lines.slice(mark);
      const at = fresh.findIndex((l) => l.includes("Reloaded manifests"));
      if (at >= 0 && fresh.slice(at).some((l) => l.includes("Synced nftables rules"))) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`no sync after a manifest change:\n${this.lines.slice(mark).join("\n")}`);
  }

  /** Waits for the process to exit by itself (e.g. `--cleanup`, `--dry-run`). */
  exited(): Promise<Deno.CommandStatus> {
    return this.#done;
  }

  /** Sends SIGTERM and waits for the exit status. */
  async stop(): Promise<Deno.CommandStatus> {
    try {
      this.child.kill("SIGTERM");
    } catch { /* already gone */ }
    const timer = setTimeout(() => {
      try {
        this.child.kill("SIGKILL");
      } catch { /* gone */ }
    }, 5000);
    const s = await this.#done;
    clearTimeout(timer);
    return s;
  }
}
