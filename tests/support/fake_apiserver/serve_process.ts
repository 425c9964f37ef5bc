/**
 * The fake API server as a child process, so that it can run inside a
 * network namespace next to the proxy. It is driven by JSON commands, one
 * per line, on stdin; it answers one JSON line per command on stdout.
 *
 * Run: `deno run -A serve_process.ts '{"certDir": DIR}'` (TLS with client
 * certificates from `generateTestCerts()` files in DIR), or `'{}'` for HTTP;
 * `"token": T` also accepts `Authorization: Bearer T` (client certificates
 * become optional).
 *
 * @module
 */

import { FakeApiServer } from "./server.ts";
import type { CutMode, FakeObject } from "./server.ts";

interface Command {
  op: "upsert" | "delete" | "compact" | "cut" | "stop" | "listen" | "clientCNs" | "requests";
  resource?: string;
  obj?: FakeObject;
  key?: string;
  mode?: CutMode;
}

/** Drives a server process from the test. */
export class FakeApiServerProcess {
  readonly url: string;
  #child: Deno.ChildProcess;
  #writer: WritableStreamDefaultWriter<Uint8Array>;
  #lines: AsyncIterator<string>;

  private constructor(url: string, child: Deno.ChildProcess, lines: AsyncIterator<string>) {
    this.url = url;
    this.#child = child;
    this.#writer = child.stdin.getWriter();
    this.#lines = lines;
  }

  /** Starts the server in namespace `ns` ("" = here). */
  static async start(
    ns: string,
    options: { certDir?: string; port?: number; token?: string },
  ): Promise<FakeApiServerProcess> {
    const self = new URL(import.meta.url).pathname;
    const cmd = [Deno.execPath(), "run", "-A", "--no-prompt", self, JSON.stringify(options)];
    const argv = ns ? ["ip", "netns", "exec", ns, ...cmd] : cmd;
    const child = new Deno.Command(argv[0], {
      args: argv.slice(1),
      stdin: "piped",
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    const lines = readLines(child.stdout);
    const first = await lines.next();
    if (first.done) throw new Error("fake API server process exited before listening");
    const { url } = JSON.parse(first.value);
    return new FakeApiServerProcess(url, child, lines);
  }

  async #send(cmd: Command): Promise<unknown> {
    await this.#writer.write(new TextEncoder().encode(JSON.stringify(cmd) + "\n"));
    const r = await this.#lines.next();
    if (r.done) throw new Error("fake API server process exited");
    const msg = JSON.parse(r.value);
    if (msg.error) throw new Error(msg.error);
    return msg.result;
  }

  upsert(resource: string, obj: FakeObject): Promise<unknown> {
    return this.#send({ op: "upsert", resource, obj });
  }
  delete(resource: string, key: string): Promise<unknown> {
    return this.#send({ op: "delete", resource, key });
  }
  /** Drops the event history: the next watch from an old resourceVersion gets 410 Gone. */
  compact(): Promise<unknown> {
    return this.#send({ op: "compact" });
  }
  /** Cuts every open watch; returns how many. */
  async cut(mode: CutMode): Promise<number> {
    return await this.#send({ op: "cut", mode }) as number;
  }
  /** Stops listening (the API server is "down"); the data is kept. */
  stopListening(): Promise<unknown> {
    return this.#send({ op: "stop" });
  }
  /** Listens again on the same port. */
  listen(): Promise<unknown> {
    return this.#send({ op: "listen" });
  }
  /** Client-certificate CNs seen so far. */
  async clientCNs(): Promise<string[]> {
    return await this.#send({ op: "clientCNs" }) as string[];
  }

  /** Every request served so far, as `GET /path?query` (the query sorted). */
  async requests(): Promise<string[]> {
    return await this.#send({ op: "requests" }) as string[];
  }
  /** Ends the process. */
  async close(): Promise<void> {
    try {
      await this.#writer.close();
    } catch { /* closed */ }
    const timer = setTimeout(() => {
      try {
        this.#child.kill("SIGKILL");
      } catch { /* gone */ }
    }, 3000);
    await this.#child.status;
    clearTimeout(timer);
  }
}

async function* readLines(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  let buf = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    buf += chunk;
    let i;
    while ((i = buf.indexOf("\n")) >= 0) {
      yield buf.slice(0, i);
      buf = buf.slice(i + 1);
    }
  }
}

if (import.meta.main) {
  const opts = JSON.parse(Deno.args[0] ?? "{}") as {
    certDir?: string;
    port?: number;
    token?: string;
  };
  const tls = opts.certDir
    ? {
      cert: await Deno.readTextFile(`${opts.certDir}/server.crt`),
      key: await Deno.readTextFile(`${opts.certDir}/server.key`),
      clientCa: await Deno.readTextFile(`${opts.certDir}/ca.crt`),
    }
    : undefined;
  const server = await FakeApiServer.start({ tls, port: opts.port ?? 0, token: opts.token });
  const out = (o: unknown) =>
    Deno.stdout.writeSync(new TextEncoder().encode(JSON.stringify(o) + "\n"));
  out({ url: server.url });
  for await (const line of readLines(Deno.stdin.readable)) {
    let cmd: Command;
    try {
      cmd = JSON.parse(line);
      let result: unknown = null;
      switch (cmd.op) {
        case "upsert":
          server.upsert(cmd.resource!, cmd.obj!);
          break;
        case "delete":
          result = server.delete(cmd.resource!, cmd.key!);
          break;
        case "compact":
          server.compact();
          break;
        case "cut":
          result = server.cutWatches(cmd.mode!);
          break;
        case "stop":
          await server.stop();
          break;
        case "listen":
          await server.listen();
          break;
        case "clientCNs":
          result = [...new Set(server.requests.map((r) => r.clientCN).filter((c) => c))];
          break;
        case "requests":
          result = server.requests.map((r) =>
            `${r.method} ${r.path}?${
              new URLSearchParams(Object.entries(r.query).sort()).toString()
            }`
          );
          break;
      }
      out({ result });
    } catch (e) {
      out({ error: (e as Error).message });
    }
  }
  await server.stop();
  Deno.exit(0);
}
