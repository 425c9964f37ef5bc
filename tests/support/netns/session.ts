/**
 * A long-lived probe client that keeps ONE source port across attempts (one
 * connected UDP socket, or TCP rebinding the same port), for tests of stale
 * conntrack entries.
 * @module
 */
import { agentPath } from "./command.ts";
import { AgentError } from "./errors.ts";
import { checkTarget, type ProbeResult, type ProbeTarget } from "./probe.ts";
import { drainText, LineReader } from "./_lines.ts";

/** Options of a session: a probe target without count / interval. */
export type SessionTarget = Omit<ProbeTarget, "count" | "intervalMs" | "sameSourcePort">;

/** A running same-source-port probe client. */
export class ProbeSession {
  /** Namespace the client runs in. */
  readonly namespace: string;
  #child: Deno.ChildProcess;
  #stdout: LineReader;
  #writer: WritableStreamDefaultWriter<Uint8Array>;
  #timeoutMs: number;
  #queue: Promise<unknown> = Promise.resolve();
  #closed: Promise<void> | null = null;

  private constructor(namespace: string, child: Deno.ChildProcess, timeoutMs: number) {
    this.namespace = namespace;
    this.#child = child;
    this.#stdout = new LineReader(child.stdout);
    this.#writer = child.stdin.getWriter();
    this.#timeoutMs = timeoutMs;
  }

  /**
   * Starts a session client in namespace `ns`.
   * @throws {AgentError} if the client does not start
   */
  static async start(ns: string, target: SessionTarget): Promise<ProbeSession> {
    checkTarget(target);
    const child = new Deno.Command("ip", {
      args: ["netns", "exec", ns, "python3", "-u", agentPath("prober.py"), "--session"]
        .concat(JSON.stringify(target)),
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const session = new ProbeSession(ns, child, target.timeoutMs ?? 800);
    try {
      const line = await session.#stdout.readLine(5000, "probe session start");
      if (line === null || JSON.parse(line).ready !== true) throw new Error(String(line));
    } catch (cause) {
      await session.close();
      throw new AgentError(`Probe session in ${ns} did not start`, { cause });
    }
    return session;
  }

  /** Sends one request from the same source port and reports the outcome. */
  send(timeoutMs = this.#timeoutMs): Promise<ProbeResult> {
    if (this.#closed) return Promise.reject(new AgentError("Probe session is closed"));
    const next = this.#queue.then(async () => {
      const req = JSON.stringify({ timeoutMs }) + "\n";
      await this.#writer.write(new TextEncoder().encode(req));
      const line = await this.#stdout.readLine(timeoutMs + 5000, "probe session answer");
      if (line === null) {
        throw new AgentError(`Probe session in ${this.namespace} exited`);
      }
      return JSON.parse(line) as ProbeResult;
    });
    this.#queue = next.catch(() => {});
    return next;
  }

  /** Stops the client. Idempotent. */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      await this.#writer.close().catch(() => {});
      try {
        this.#child.kill("SIGTERM");
      } catch { /* already exited */ }
      await this.#stdout.cancel();
      await drainText(this.#child.stderr);
      await this.#child.status;
    })();
    return this.#closed;
  }
}
