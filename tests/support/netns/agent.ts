/**
 * The server agent: a small process inside a namespace that answers every TCP
 * connection, UDP datagram (and SCTP association when the kernel has SCTP) with
 * `{"pod":NAME,"src":PEER_IP,"port":LOCAL_PORT,...}` (see `../agents/server.py`).
 * @module
 */
import { agentPath } from "./command.ts";
import { AgentError } from "./errors.ts";
import { drainText, LineReader } from "./_lines.ts";

/** Ports a server agent listens on (each on IPv4 and IPv6). */
export interface ServerPorts {
  /** TCP ports. @default [80, 8080] */
  tcp: number[];
  /** UDP ports. @default [53, 5353] */
  udp: number[];
  /** SCTP ports; ignored (and reported in `sctpError`) when the kernel lacks SCTP. @default [] */
  sctp: number[];
}

/** Default ports of a pod's server agent. */
export const DEFAULT_PORTS: Readonly<ServerPorts> = { tcp: [80, 8080], udp: [53, 5353], sctp: [] };

/** Options for {@linkcode ServerAgent.start}. */
export interface ServerAgentOptions extends Partial<ServerPorts> {
  /** How long to wait for the agent to bind its sockets. @default 5000 */
  startTimeoutMs?: number;
}

function checkPorts(kind: string, ports: readonly number[]): void {
  for (const p of ports) {
    if (!Number.isInteger(p) || p < 1 || p > 65535) {
      throw new RangeError(`Cannot start server: ${kind} port ${p} must be an integer in 1..65535`);
    }
  }
}

/** A running server agent. */
export class ServerAgent {
  /** Namespace it runs in. */
  readonly namespace: string;
  /** Name it reports in every answer (`pod` field). */
  readonly name: string;
  /** Ports actually listened on. */
  readonly ports: Readonly<ServerPorts>;
  /** Why SCTP ports could not be opened, if SCTP ports were asked for and failed. */
  readonly sctpError: string | undefined;
  #child: Deno.ChildProcess;
  #stopped: Promise<void> | null = null;

  private constructor(
    namespace: string,
    name: string,
    ports: ServerPorts,
    sctpError: string | undefined,
    child: Deno.ChildProcess,
  ) {
    this.namespace = namespace;
    this.name = name;
    this.ports = ports;
    this.sctpError = sctpError;
    this.#child = child;
  }

  /**
   * Starts a server agent named `name` in namespace `namespace` and waits until it listens.
   * @throws {AgentError} if it does not report readiness in time
   */
  static async start(
    namespace: string,
    name: string,
    options: ServerAgentOptions = {},
  ): Promise<ServerAgent> {
    if (!/^[A-Za-z0-9._-]{1,63}$/.test(name)) {
      throw new RangeError(`Cannot start server: invalid name '${name}'`);
    }
    const tcp = options.tcp ?? DEFAULT_PORTS.tcp;
    const udp = options.udp ?? DEFAULT_PORTS.udp;
    const sctp = options.sctp ?? DEFAULT_PORTS.sctp;
    checkPorts("tcp", tcp);
    checkPorts("udp", udp);
    checkPorts("sctp", sctp);
    const args = ["netns", "exec", namespace, "python3", "-u", agentPath("server.py")];
    args.push("--name", name, "--tcp", tcp.join(","), "--udp", udp.join(","));
    args.push("--sctp", sctp.join(","));
    const child = new Deno.Command("ip", {
      args,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const stdout = new LineReader(child.stdout);
    let line: string | null = null;
    let failure: unknown;
    try {
      line = await stdout.readLine(options.startTimeoutMs ?? 5000, `server agent ${name}`);
    } catch (err) {
      failure = err;
    }
    let report: Record<string, unknown> | undefined;
    try {
      report = line ? JSON.parse(line) : undefined;
    } catch (err) {
      failure ??= err;
    }
    if (!report || report.ready !== true) {
      try {
        child.kill("SIGKILL");
      } catch { /* already gone */ }
      await child.stdin.close().catch(() => {});
      await stdout.cancel();
      const stderr = await drainText(child.stderr);
      await child.status;
      throw new AgentError(
        `Server agent ${name} in ${namespace} did not start: ${line ?? ""}\n${stderr}`,
        { cause: failure },
      );
    }
    // The agent prints nothing after its readiness line: stop reading, and do not
    // let a forgotten agent keep the test process alive (stop() re-refs it).
    await stdout.cancel();
    child.unref();
    const ports = {
      tcp: report.tcp as number[],
      udp: report.udp as number[],
      sctp: report.sctp as number[],
    };
    return new ServerAgent(
      namespace,
      name,
      ports,
      report.sctpError as string | undefined,
      child,
    );
  }

  /** Stops the agent and waits for it to exit. Idempotent. */
  stop(): Promise<void> {
    this.#stopped ??= (async () => {
      this.#child.ref();
      try {
        this.#child.kill("SIGTERM");
      } catch { /* already exited */ }
      await this.#child.stdin.close().catch(() => {});
      await this.#child.stderr.cancel().catch(() => {});
      await this.#child.status;
    })();
    return this.#stopped;
  }
}
