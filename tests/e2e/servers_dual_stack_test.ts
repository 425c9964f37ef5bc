/**
 * The health servers on a node with addresses of both families, in a network
 * namespace the test creates (a veth interface with 10.123.0.5/24 and
 * fd00:123::5/64): `/healthz` bound to the default `0.0.0.0:10256` answers on
 * every address of both families, as Go's listener does; health check node
 * ports listen exactly on the node addresses they are given, follow address
 * changes at runtime, and log an address they cannot bind.
 */

import { strict as assert } from "node:assert";
import { isRoot } from "../support/eventually.ts";

const AGENT = new URL("../support/servers_agent.ts", import.meta.url).pathname;
const V4 = "10.123.0.5";
const V6 = "fd00:123::5";
const HC_PORT = 32000;

/** Prints `{"code","body","weight"}`, or `{"code":0,"error"}` when no HTTP answer came. */
const HTTP_GET = `
import json, sys, urllib.request, urllib.error
try:
    r = urllib.request.urlopen(sys.argv[1], timeout=2)
    print(json.dumps({"code": r.status, "body": r.read().decode(),
                      "weight": r.headers.get("X-Load-Balancing-Endpoint-Weight")}))
except urllib.error.HTTPError as e:
    print(json.dumps({"code": e.code, "body": e.read().decode(),
                      "weight": e.headers.get("X-Load-Balancing-Endpoint-Weight")}))
except Exception as e:
    print(json.dumps({"code": 0, "error": str(getattr(e, "reason", e))}))
`;

interface Answer {
  code: number;
  body?: string;
  weight?: string | null;
  error?: string;
}

async function sh(argv: string[]): Promise<string> {
  const out = await new Deno.Command(argv[0], { args: argv.slice(1), stderr: "piped" }).output();
  if (!out.success) {
    throw new Error(`${argv.join(" ")}: ${new TextDecoder().decode(out.stderr)}`);
  }
  return new TextDecoder().decode(out.stdout);
}

/** Follows a child's stdout line by line. */
class Lines {
  #lines: string[] = [];
  #waiters: (() => void)[] = [];
  constructor(stream: ReadableStream<Uint8Array>) {
    (async () => {
      let buf = "";
      for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
        buf += chunk;
        let i;
        while ((i = buf.indexOf("\n")) >= 0) {
          this.#lines.push(buf.slice(0, i));
          buf = buf.slice(i + 1);
          this.#waiters.splice(0).forEach((w) => w());
        }
      }
    })();
  }
  async waitFor(prefix: string, timeoutMs = 15_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const line = this.#lines.find((l) => l.startsWith(prefix));
      if (line !== undefined) return line;
      if (Date.now() > deadline) throw new Error(`no line "${prefix}": ${this.#lines.join("|")}`);
      await new Promise<void>((r) => {
        this.#waiters.push(r);
        setTimeout(r, 200);
      });
    }
  }
}

Deno.test({
  name:
    "health servers on a dual-stack node: healthz on both families, health checks on node addresses",
  ignore: !isRoot("health servers dual-stack e2e"),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    const ns = `kp-srv-${crypto.randomUUID().slice(0, 8)}`;
    const get = async (host: string, port: number, path = "/"): Promise<Answer> => {
      const url = `http://${host.includes(":") ? `[${host}]` : host}:${port}${path}`;
      return JSON.parse(await sh(["ip", "netns", "exec", ns, "python3", "-c", HTTP_GET, url]));
    };
    let agent: Deno.ChildProcess | undefined;
    let writer: WritableStreamDefaultWriter<Uint8Array> | undefined;
    let stderr: Promise<string> = Promise.resolve("");
    await sh(["ip", "netns", "add", ns]);
    try {
      for (
        const cmd of [
          "link set lo up",
          "link add d0 type veth peer name d1",
          "link set d1 up",
          "link set d0 up",
          `addr add ${V4}/24 dev d0`,
          `addr add ${V6}/64 dev d0 nodad`,
        ]
      ) await sh(["ip", "-n", ns, ...cmd.split(" ")]);
      agent = new Deno.Command("ip", {
        args: [
          "netns",
          "exec",
          ns,
          Deno.execPath(),
          "run",
          "-A",
          "--no-check",
          AGENT,
          "--healthz",
          "0.0.0.0:10256",
          // 192.0.2.1 (TEST-NET-1) is not an address of this node: binding it must fail, and be logged.
          "--addresses",
          `${V4},${V6},192.0.2.1`,
        ],
        stdin: "piped",
        stdout: "piped",
        stderr: "piped",
        env: { DENO_NO_UPDATE_CHECK: "1" },
      }).spawn();
      stderr = new Response(agent.stderr).text();
      writer = agent.stdin.getWriter();
      const lines = new Lines(agent.stdout);
      let sent = 0;
      const send = async (cmd: unknown): Promise<string[]> => {
        await writer!.write(new TextEncoder().encode(JSON.stringify(cmd) + "\n"));
        const line = await lines.waitFor(`done ${++sent} `);
        return JSON.parse(line.slice(`done ${sent} `.length));
      };
      await lines.waitFor("ready");

      await t.step(
        "/healthz on 0.0.0.0:10256 answers on loopback and node addresses of both families",
        async () => {
          for (const host of ["127.0.0.1", "::1", V4, V6]) {
            const a = await get(host, 10256, "/healthz");
            assert.equal(a.code, 200, `${host}: ${JSON.stringify(a)}`);
            assert.equal(JSON.parse(a.body!).healthy, true);
          }
        },
      );

      await t.step("health check ports listen on the node addresses only", async () => {
        const listening = await send({
          op: "services",
          services: [[HC_PORT, { namespace: "default", name: "lb", localEndpointIPs: 2 }]],
        });
        assert.deepEqual(listening, [`${V4}:${HC_PORT}`, `[${V6}]:${HC_PORT}`]);
        for (const host of [V4, V6]) {
          const a = await get(host, HC_PORT);
          assert.equal(a.code, 200, `${host}: ${JSON.stringify(a)}`);
          assert.equal(a.weight, "2");
          assert.deepEqual(JSON.parse(a.body!).service, { namespace: "default", name: "lb" });
        }
        for (const host of ["127.0.0.1", "::1"]) {
          const a = await get(host, HC_PORT);
          assert.equal(a.code, 0, `${host} must not answer: ${JSON.stringify(a)}`);
          assert.match(a.error ?? "", /refused/i);
        }
      });

      await t.step(
        "an address change closes the removed address and keeps the others",
        async () => {
          assert.deepEqual(await send({ op: "addresses", addresses: [V4] }), [`${V4}:${HC_PORT}`]);
          assert.match((await get(V6, HC_PORT)).error ?? "", /refused/i);
          assert.equal((await get(V4, HC_PORT)).code, 200);
        },
      );

      await t.step("a wildcard address listens on every address of both families", async () => {
        assert.deepEqual(await send({ op: "addresses", addresses: ["0.0.0.0"] }), [
          `0.0.0.0:${HC_PORT}`,
        ]);
        for (const host of ["127.0.0.1", "::1", V4, V6]) {
          assert.equal((await get(host, HC_PORT)).code, 200, host);
        }
      });

      await t.step("no wanted Service: every health check port closes", async () => {
        assert.deepEqual(await send({ op: "services", services: [] }), []);
        assert.match((await get(V4, HC_PORT)).error ?? "", /refused/i);
        assert.equal((await get(V6, 10256, "/livez")).code, 200, "healthz unaffected");
      });
    } finally {
      await writer?.close().catch(() => {});
      if (agent) {
        const exited = await Promise.race([
          agent.status.then(() => true),
          new Promise<boolean>((r) => setTimeout(() => r(false), 5_000)),
        ]);
        if (!exited) agent.kill("SIGKILL");
        await agent.status;
      }
      await sh(["ip", "netns", "del", ns]);
    }
    const log = await stderr;
    assert.match(log, /Failed to start healthcheck.*address=192\.0\.2\.1/, log);
  },
});
