import assert from "node:assert/strict";
import { runCommand } from "../../../src/host/run_command.ts";

const DENO = Deno.execPath();

Deno.test("runCommand() passes stdin and collects stdout, with stderr trimmed", async () => {
  const result = await runCommand(
    [
      DENO,
      "eval",
      "const t = await new Response(Deno.stdin.readable).text(); console.log(t.toUpperCase()); console.error('  note  ')",
    ],
    "nft script",
  );
  assert.deepEqual(result, { success: true, code: 0, stdout: "NFT SCRIPT\n", stderr: "note" });
});

Deno.test("runCommand() returns a failed run with its exit code and stderr", async () => {
  const result = await runCommand([
    DENO,
    "eval",
    "console.error('Error: No such file'); Deno.exit(3)",
  ]);
  assert.equal(result.success, false);
  assert.equal(result.code, 3);
  assert.equal(result.stderr, "Error: No such file");
});

Deno.test("runCommand() closes stdin when no input is given, so a reader sees end of file", async () => {
  const result = await runCommand([
    DENO,
    "eval",
    "console.log((await new Response(Deno.stdin.readable).text()).length)",
  ]);
  assert.equal(result.stdout, "0\n");
});

Deno.test("runCommand() reports a program that exited without reading its input by its status", async () => {
  const result = await runCommand([DENO, "eval", "Deno.exit(1)"], "x".repeat(1 << 20));
  assert.equal(result.success, false);
  assert.equal(result.code, 1);
});

Deno.test("runCommand() throws NotFound for a missing program", async () => {
  await assert.rejects(runCommand(["/nonexistent/kube-proxy-helper"]), Deno.errors.NotFound);
});
