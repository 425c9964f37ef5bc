/**
 * The healthz server under real file-descriptor exhaustion: a child process
 * with `ulimit -n 64` runs it on 127.0.0.1, the test opens more idle
 * connections than the child has descriptors, so its accept() fails with
 * EMFILE. The server must log, back off, stay alive, and answer once the
 * idle connections time out and free their descriptors. (Deno.serve, used
 * before, died here: "Uncaught (in promise) Http: Error: Too many open
 * files".) Needs no root (loopback only; lowering one's own limit is always
 * allowed).
 */

import { strict as assert } from "node:assert";
import { eventually } from "../support/eventually.ts";

const SRC = new URL("../../src/", import.meta.url).href;

// As main.ts does: process guards first (they also set up Deno's signal handling, which Deno
// would otherwise do lazily and panic on under EMFILE), then the server.
const CHILD = `
import { startHealthzServer } from "${SRC}servers/healthz_server.ts";
import { installProcessGuards } from "${SRC}servers/process_guards.ts";
import { ProxyHealth } from "${SRC}servers/proxy_health.ts";
import { Logger } from "${SRC}log/logger.ts";
installProcessGuards(new Logger());
const health = new ProxyHealth({ healthTimeoutMs: 60_000 });
health.synced();
const server = startHealthzServer({
  hostname: "127.0.0.1",
  port: 0,
  health,
  logger: new Logger(),
  limits: { headerTimeoutMs: 1_000, maxConnections: 10_000, acceptBackoffMaxMs: 200 },
});
console.log("ready " + server.port);
`;

const IDLE_CONNECTIONS = 120;
const FD_LIMIT = 64;

/** GET over a fresh connection; the status, or 0 when there was no answer. */
async function status(port: number, path: string): Promise<number> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}${path}`, {
      signal: AbortSignal.timeout(2_000),
    });
    await res.body?.cancel();
    return res.status;
  } catch {
    return 0;
  }
}

Deno.test({
  name: "healthz server under EMFILE: logs, backs off, stays alive and answers again",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "kp-emfile-" });
    const file = `${dir}/child.ts`;
    await Deno.writeTextFile(file, CHILD);
    const child = new Deno.Command("bash", {
      args: [
        "-c",
        `ulimit -n ${FD_LIMIT} && exec "$0" run -A --no-check "$1"`,
        Deno.execPath(),
        file,
      ],
      stdout: "piped",
      stderr: "piped",
      stdin: "null",
      // No background update check: it opens files too, and its warnings would clutter the log.
      env: { DENO_NO_UPDATE_CHECK: "1" },
    }).spawn();
    const stderrText = new Response(child.stderr).text();
    const idle: Deno.Conn[] = [];
    try {
      const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
      let out = "";
      while (!out.includes("\n")) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`child exited before listening: ${await stderrText}`);
        out += value;
      }
      reader.releaseLock();
      const port = Number(out.match(/ready (\d+)/)![1]);
      assert.equal(await status(port, "/livez"), 200, "serves before the flood");

      // More idle connections than the child has descriptors: accept() must hit EMFILE.
      for (let i = 0; i < IDLE_CONNECTIONS; i++) {
        idle.push(await Deno.connect({ hostname: "127.0.0.1", port }));
      }
      // While its descriptors are spent, new requests wait in the backlog (or fail).
      await new Promise((r) => setTimeout(r, 500));
      for (const c of idle) c.close();
      idle.length = 0;

      // The child is alive and serves again once its idle connections timed out.
      await eventually(async () => assert.equal(await status(port, "/livez"), 200), 15_000, 250);
      const exited = await Promise.race([
        child.status.then(() => true),
        new Promise<boolean>((r) => setTimeout(() => r(false), 100)),
      ]);
      assert.equal(exited, false, "the child is still running");
    } finally {
      for (const c of idle) c.close();
      try {
        child.kill("SIGTERM");
      } catch {
        // Already gone.
      }
      await child.status;
      await Deno.remove(dir, { recursive: true });
    }
    const log = await stderrText;
    assert.match(log, /accept failed; retrying.*Too many open files/, log);
    // The server handled EMFILE itself: nothing reached the process guards.
    assert.doesNotMatch(log, /Unhandled promise rejection|Uncaught error|panicked/, log);
  },
});
