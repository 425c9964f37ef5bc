import assert from "node:assert/strict";
import {
  failingLineNumbers,
  failingLines,
  firstErrorLine,
  NftError,
} from "../../../src/nft/nft_runner.ts";

// As nft 1.0.6 writes them for `nft -f -`.
const STDERR = `/dev/stdin:3:29-47: Error: Could not process rule: Device or resource busy
delete chain ip kube-nft-proxy pick-2
                            ^^^^^^
/dev/stdin:7:1-12: Error: syntax error, unexpected string
bogus line
^^^^^^^^^^^^
/dev/stdin:3:29-47: Error: Could not process rule: Device or resource busy
`;
const SCRIPT = "add table ip t\nadd chain ip t a\ndelete chain ip t pick-2\n\n\n\nbogus line\n";

Deno.test("failingLineNumbers() reads each line nft names once", () => {
  assert.deepEqual(failingLineNumbers(STDERR), [3, 7]);
  assert.deepEqual(
    failingLineNumbers("internal:0:0-0: Error: conflicting protocols specified: ip vs. th"),
    [0],
  );
  assert.deepEqual(
    failingLineNumbers("Error: Could not process rule: No such file or directory"),
    [],
  );
  assert.deepEqual(failingLineNumbers("/dev/stdin:12:5: Error: x"), [12], "a single column");
});

Deno.test("failingLines() maps nft's line numbers to the script's lines", () => {
  assert.deepEqual(
    [...failingLines(STDERR, SCRIPT)],
    [[3, "delete chain ip t pick-2"], [7, "bogus line"]],
  );
  assert.deepEqual([...failingLines("/dev/stdin:99:1-2: Error: x", SCRIPT)], [[99, ""]]);
});

Deno.test("firstErrorLine() finds what went wrong, or the first line", () => {
  assert.equal(
    firstErrorLine(STDERR),
    "/dev/stdin:3:29-47: Error: Could not process rule: Device or resource busy",
  );
  assert.equal(
    firstErrorLine("netlink: Error: set is not a map\nmore"),
    "netlink: Error: set is not a map",
  );
  assert.equal(firstErrorLine("  something else  \nsecond"), "something else");
  assert.equal(firstErrorLine(""), "");
});

Deno.test("NftError carries nft's output, the failing lines and a cause", () => {
  const cause = new Error("spawn failed");
  const e = new NftError("nft failed", STDERR, failingLines(STDERR, SCRIPT), { cause });
  assert.equal(e.name, "NftError");
  assert.equal(e.stderr, STDERR);
  assert.equal(e.failingLines.get(7), "bogus line");
  assert.equal(e.cause, cause);
  assert.ok(e instanceof Error);
});
