import assert from "node:assert/strict";

const GUARDS = new URL("../../../src/servers/process_guards.ts", import.meta.url).href;
const LOGGER = new URL("../../../src/log/logger.ts", import.meta.url).href;

/** A program that misbehaves twice (an unhandled rejection, a throw in a timer), then says "alive". */
function script(guarded: boolean): string {
  return `
import { installProcessGuards } from "${GUARDS}";
import { Logger } from "${LOGGER}";
const guards = ${guarded} ? installProcessGuards(new Logger()) : undefined;
Promise.reject(new Error("nobody handles me"));
setTimeout(() => { throw new TypeError("thrown in a timer"); }, 20);
setTimeout(() => {
  console.log("alive", JSON.stringify(guards?.counts ?? null));
  guards?.uninstall();
}, 200);
`;
}

async function runScript(text: string) {
  const dir = await Deno.makeTempDir({ prefix: "kp-guards-" });
  try {
    const file = `${dir}/main.ts`;
    await Deno.writeTextFile(file, text);
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--no-check", file],
      stdout: "piped",
      stderr: "piped",
    }).output();
    return {
      code: out.code,
      stdout: new TextDecoder().decode(out.stdout),
      stderr: new TextDecoder().decode(out.stderr),
    };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("without installProcessGuards() an unhandled rejection ends the process (the hazard)", async () => {
  const r = await runScript(script(false));
  assert.notEqual(r.code, 0);
  assert.doesNotMatch(r.stdout, /alive/);
});

Deno.test("installProcessGuards() logs an unhandled rejection and an uncaught error, and the process lives on", async () => {
  const r = await runScript(script(true));
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^alive {"unhandledRejections":1,"uncaughtErrors":1}$/m);
  const errors = r.stderr.split("\n").filter((l) => l.startsWith("E"));
  assert.equal(errors.length, 2, r.stderr);
  assert.match(errors[0], /Unhandled promise rejection; continuing .*nobody handles me/);
  assert.match(errors[1], /Uncaught error; continuing .*thrown in a timer/);
  assert.match(errors[1], /errorName=TypeError/);
});
