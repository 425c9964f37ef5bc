import assert from "node:assert/strict";
import { Logger } from "../../../src/log/logger.ts";
import { openConntrackTable } from "../../../src/conntrack/open_table.ts";

const MODULE = new URL("../../../src/conntrack/open_table.ts", import.meta.url).href;
const LOGGER = new URL("../../../src/log/logger.ts", import.meta.url).href;

Deno.test("openConntrackTable() picks netlink when libc may be loaded, the tool when asked", () => {
  const lines: string[] = [];
  const logger = new Logger({ write: (l) => lines.push(l) });
  const auto = openConntrackTable({ logger });
  try {
    assert.equal(auto.name, "netlink");
  } finally {
    auto.close();
  }
  const tool = openConntrackTable({ logger, backend: "conntrack-tool", command: ["true"] });
  assert.equal(tool.name, "conntrack-tool");
  tool.close();
  assert.deepEqual(lines, []);
});

/** Runs openConntrackTable() with `backend` in a Deno allowed to read files, not to load libc. */
async function withoutFfi(backend: string) {
  const script = await Deno.makeTempFile({ prefix: "open_table_", suffix: ".ts" });
  try {
    await Deno.writeTextFile(
      script,
      `import { openConntrackTable } from ${JSON.stringify(MODULE)};
import { Logger } from ${JSON.stringify(LOGGER)};
const logger = new Logger({ write: (l) => console.log("LOG " + l) });
try {
  const t = openConntrackTable({ logger, backend: ${JSON.stringify(backend)} });
  console.log("OPENED " + t.name);
  t.close();
} catch (e) {
  console.log("THREW " + e.name + ": " + e.message);
}
`,
    );
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--no-check", "--no-prompt", "--allow-read", script],
      env: { DENO_NO_UPDATE_CHECK: "1" },
    }).output();
    return new TextDecoder().decode(out.stdout);
  } finally {
    await Deno.remove(script);
  }
}

Deno.test("openConntrackTable() without --allow-ffi falls back to the tool, and warns why", async () => {
  const out = await withoutFfi("auto");
  assert.match(out, /OPENED conntrack-tool/);
  assert.match(out, /LOG W.*Conntrack through netlink is unavailable \(grant --allow-ffi\)/);
});

Deno.test("openConntrackTable() with backend netlink fails instead of falling back", async () => {
  const out = await withoutFfi("netlink");
  assert.match(out, /THREW ConntrackError: cannot load libc for netlink/);
  assert.doesNotMatch(out, /OPENED/);
});
