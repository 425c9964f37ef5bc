import assert from "node:assert/strict";
import { Logger, silentLogger } from "../../../src/log/logger.ts";

// 2026-11-21T06:30:00.123Z
const NOW = Date.UTC(2026, 10, 21, 6, 30, 0, 123);

function capture(options: ConstructorParameters<typeof Logger>[0] = {}) {
  const lines: string[] = [];
  const log = new Logger({ now: () => NOW, write: (l) => lines.push(l), ...options });
  return { log, lines };
}

const pid = String(Deno.pid).padStart(7, " ");

Deno.test("Logger writes klog's header: severity, month and day, UTC time in µs, pid", () => {
  const { log, lines } = capture();
  log.info("Starting kube-nft-proxy");
  log.warn("Careful");
  log.error("Broken");
  assert.deepEqual(lines, [
    `I1121 06:30:00.123000 ${pid}] Starting kube-nft-proxy`,
    `W1121 06:30:00.123000 ${pid}] Careful`,
    `E1121 06:30:00.123000 ${pid}] Broken`,
  ]);
});

Deno.test("Logger prints fields as key=value, quoting what is not a plain word", () => {
  const { log, lines } = capture();
  log.info("Synced", {
    kind: "full",
    services: 12,
    table: "ip/kube-nft-proxy",
    reason: "two words",
    empty: "",
    error: new Error("nft: no such file"),
    ok: true,
  });
  assert.equal(
    lines[0],
    `I1121 06:30:00.123000 ${pid}] Synced kind=full services=12 table=ip/kube-nft-proxy ` +
      `reason="two words" empty="" error="nft: no such file" ok=true`,
  );
});

Deno.test("Logger quotes a value with a newline, so one record stays one line", () => {
  const { log, lines } = capture();
  log.warn("Invalid object", { name: "web\nE1121 forged line" });
  assert.equal(lines.length, 1);
  assert.ok(!lines[0].includes("\n"));
  assert.match(lines[0], /name="web\\nE1121 forged line"$/);
});

Deno.test("Logger.v(n) prints only when n <= verbosity, and says whether it is enabled", () => {
  const { log, lines } = capture({ verbosity: 2 });
  assert.equal(log.v(2).enabled, true);
  assert.equal(log.v(4).enabled, false);
  log.v(2).info("one line per sync");
  log.v(4).info("failing script lines");
  assert.equal(lines.length, 1);
  assert.match(lines[0], /one line per sync$/);
});

Deno.test("Logger with format json writes one JSON object per line with ts, level, v and fields", () => {
  const { log, lines } = capture({ format: "json", verbosity: 2 });
  log.v(2).info("Synced", { kind: "partial", error: new Error("boom") });
  log.warn("Careful");
  log.error("Broken", { code: 1 });
  assert.deepEqual(lines.map((l) => JSON.parse(l)), [
    { ts: NOW / 1000, level: "info", v: 2, msg: "Synced", kind: "partial", error: "boom" },
    { ts: NOW / 1000, level: "warning", v: 0, msg: "Careful" },
    { ts: NOW / 1000, level: "error", v: 0, msg: "Broken", code: 1 },
  ]);
});

Deno.test("silentLogger prints nothing at any level (not even to stderr)", () => {
  assert.equal(silentLogger.v(0).enabled, false);
  const original = Deno.stderr.writeSync;
  let written = 0;
  Deno.stderr.writeSync = (p: Uint8Array) => {
    written++;
    return p.length;
  };
  try {
    silentLogger.info("x");
    silentLogger.warn("x");
    silentLogger.error("x", { error: new Error("y") });
    silentLogger.v(0).info("x");
  } finally {
    Deno.stderr.writeSync = original;
  }
  assert.equal(written, 0);
});

Deno.test("Logger writes to stderr by default", () => {
  const original = Deno.stderr.writeSync;
  const out: string[] = [];
  Deno.stderr.writeSync = (p: Uint8Array) => {
    out.push(new TextDecoder().decode(p));
    return p.length;
  };
  try {
    new Logger({ now: () => NOW }).warn("to stderr");
  } finally {
    Deno.stderr.writeSync = original;
  }
  assert.deepEqual(out, [`W1121 06:30:00.123000 ${pid}] to stderr\n`]);
});
