import assert from "node:assert/strict";
import { ExecNftRunner } from "../../../src/nft/exec_nft_runner.ts";
import { NftError } from "../../../src/nft/nft_runner.ts";

/**
 * A stand-in `nft` in a temp dir: records its arguments and stdin, prints a listing for
 * `list`, and fails like nft on a script holding "bogus" (line numbers as nft gives them).
 */
async function fakeNft(): Promise<{ dir: string; command: string[] }> {
  const dir = await Deno.makeTempDir({ prefix: "kp-fake-nft-" });
  const script = `#!/bin/bash
printf '%s\\n' "$@" > "${dir}/args"
if [ "\${@: -1}" = "-" ]; then cat > "${dir}/stdin"; else : > "${dir}/stdin"; fi
if [ "$1" = "list" ]; then printf 'table ip t\\n'; exit 0; fi
if [ "$1" = "explode" ]; then echo "Error: Operation not permitted" >&2; exit 1; fi
n=$(grep -n bogus "${dir}/stdin" | head -1 | cut -d: -f1)
if [ -n "$n" ]; then
  printf '/dev/stdin:%s:1-5: Error: syntax error, unexpected string\\nbogus\\n^^^^^\\n' "$n" >&2
  exit 1
fi
`;
  await Deno.writeTextFile(`${dir}/nft`, script);
  return { dir, command: ["bash", `${dir}/nft`] };
}

async function recorded(dir: string): Promise<{ args: string[]; stdin: string }> {
  const args = (await Deno.readTextFile(`${dir}/args`)).trim().split("\n");
  return { args, stdin: await Deno.readTextFile(`${dir}/stdin`) };
}

Deno.test("ExecNftRunner.apply() sends the script to `nft -f -` on stdin", async () => {
  const { dir, command } = await fakeNft();
  try {
    const nft = new ExecNftRunner({ command });
    await nft.apply("add table ip t\n");
    assert.deepEqual(await recorded(dir), { args: ["-f", "-"], stdin: "add table ip t\n" });
    await nft.check("add table ip t\n");
    assert.deepEqual((await recorded(dir)).args, ["-c", "-f", "-"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ExecNftRunner.run() returns nft's output", async () => {
  const { dir, command } = await fakeNft();
  try {
    const nft = new ExecNftRunner({ command });
    assert.equal(await nft.run(["list", "tables"]), "table ip t\n");
    assert.deepEqual(await recorded(dir), { args: ["list", "tables"], stdin: "" });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ExecNftRunner throws NftError with nft's message and the failing script line", async () => {
  const { dir, command } = await fakeNft();
  try {
    const nft = new ExecNftRunner({ command });
    const err = await nft.apply("add table ip t\nbogus line\n").then(() => undefined, (e) => e);
    assert.ok(err instanceof NftError);
    assert.equal(
      err.message,
      "nft -f - failed (exit 1): /dev/stdin:2:1-5: Error: syntax error, unexpected string",
    );
    assert.deepEqual([...err.failingLines], [[2, "bogus line"]]);
    assert.match(err.stderr, /^\/dev\/stdin:2:1-5: Error/);
    const listErr = await nft.run(["explode"]).then(() => undefined, (e) => e);
    assert.ok(listErr instanceof NftError);
    assert.equal(listErr.message, "nft explode failed (exit 1): Error: Operation not permitted");
    assert.equal(listErr.failingLines.size, 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ExecNftRunner says which command it cannot start, with the cause", async () => {
  const nft = new ExecNftRunner({ command: ["/nonexistent/kp-nft", "--flag"] });
  const err = await nft.apply("add table ip t\n").then(() => undefined, (e) => e);
  assert.ok(err instanceof NftError, String(err));
  assert.match(err.message, /^cannot run \/nonexistent\/kp-nft: /);
  assert.ok(err.cause instanceof Error);
  assert.deepEqual(new ExecNftRunner().command, ["nft"]);
});
