import assert from "node:assert/strict";
import { parsePacket, runExplain } from "../../../src/cli/explain_command.ts";
import { ConfigError } from "../../../src/config/config_error.ts";
import { configFromFlags } from "../../../src/config/resolve_config.ts";
import { silentLogger } from "../../../src/log/logger.ts";

const WALKTHROUGH = new URL("../../../examples/walkthrough/", import.meta.url).pathname;
const config = () =>
  configFromFlags([
    `--manifests=${WALKTHROUGH}`,
    "--hostname-override=worker-0",
    "--cluster-cidr=10.244.0.0/16",
  ]);

/** Runs `fn` with console.log captured; returns what it printed and its result. */
async function printed<T>(fn: () => Promise<T>): Promise<{ out: string; result: T }> {
  const original = console.log;
  const lines: string[] = [];
  console.log = (...args: unknown[]) => lines.push(args.join(" "));
  try {
    const result = await fn();
    return { out: lines.join("\n"), result };
  } finally {
    console.log = original;
  }
}

Deno.test("parsePacket() reads explain's --dst with the same parser, naming the flag", () => {
  const p = parsePacket("198.51.100.7", "[fd00::10]:53/udp");
  assert.equal(p.dst.text, "fd00::10");
  assert.equal(p.port, 53);
  assert.equal(p.protocol, "udp");
  assert.equal(parsePacket("10.0.0.1", "10.96.0.10:80").protocol, "tcp");
  for (const dst of ["10.96.0.10", "10.96.0.10:80/icmp", "fd00::10:53", "10.96.0.10:0"]) {
    assert.throws(() => parsePacket("10.0.0.1", dst), (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.match(e.message, /for --dst: .*want IP:PORT\[\/tcp\|udp\|sctp\]/, dst);
      return true;
    });
  }
  assert.throws(() => parsePacket("nope", "10.96.0.10:80"), /"nope" for --src: want an IP/);
});

Deno.test("runExplain() prints how a packet to a ClusterIP is treated, reading --manifests", async () => {
  const { out, result } = await printed(() =>
    runExplain(config(), { src: "10.244.1.50", dst: "10.96.0.10:80", output: "text" }, silentLogger)
  );
  assert.equal(result, 0);
  assert.match(out, /^packet: +10\.244\.1\.50 -> 10\.96\.0\.10:80\/tcp \(IPv4\)$/m);
  assert.match(out, /^entry point: .*Service default\/nginx/m);
  assert.match(out, /10\.244\.1\.11:8080/, "a candidate endpoint");
});

Deno.test("runExplain() prints JSON with --output json, and names a bad --output", async () => {
  const { out } = await printed(() =>
    runExplain(
      config(),
      { src: "10.244.1.50", dst: "10.96.0.10:80/tcp", output: "json" },
      silentLogger,
    )
  );
  const e = JSON.parse(out);
  assert.equal(typeof e, "object");
  assert.match(JSON.stringify(e), /default\/nginx/);
  await assert.rejects(
    runExplain(config(), { src: "10.0.0.1", dst: "10.96.0.10:80", output: "yaml" }, silentLogger),
    /"yaml" for --output: want text or json/,
  );
  await assert.rejects(
    runExplain(config(), { src: "", dst: "10.96.0.10:80", output: "text" }, silentLogger),
    /explain needs --src IP and --dst IP:PORT\[\/PROTO\]/,
  );
});
