import assert from "node:assert/strict";
import { Backoff } from "../../src/source/apiserver/backoff.ts";
import { readJsonLines } from "../../src/source/apiserver/json_lines.ts";
import { WatchDecodeError } from "../../src/source/apiserver/errors.ts";

Deno.test("Backoff doubles from initialMs up to maxMs and starts over after reset()", () => {
  const b = new Backoff({ initialMs: 500, maxMs: 30_000, jitter: 0 });
  const seq = Array.from({ length: 8 }, () => b.next());
  assert.deepEqual(seq, [500, 1000, 2000, 4000, 8000, 16000, 30000, 30000]);
  b.reset();
  assert.equal(b.next(), 500);
});

Deno.test("Backoff adds jitter but never exceeds maxMs", () => {
  const b = new Backoff({ initialMs: 1000, maxMs: 1500, jitter: 0.5, random: () => 0.99 });
  assert.equal(b.next(), 1495);
  assert.equal(b.next(), 1500);
  assert.throws(() => new Backoff({ initialMs: 0 }), RangeError);
  assert.throws(() => new Backoff({ initialMs: 10, maxMs: 5 }), RangeError);
});

function streamOf(chunks: string[]): ReadableStream<Uint8Array> {
  const enc = new TextEncoder();
  return new ReadableStream({
    start(c) {
      for (const ch of chunks) c.enqueue(enc.encode(ch));
      c.close();
    },
  });
}

Deno.test("readJsonLines() joins lines split across chunks and skips blank lines", async () => {
  const out = [];
  for await (const v of readJsonLines(streamOf(['{"a":', '1}\n\n{"b"', ":2}\n"]))) out.push(v);
  assert.deepEqual(out, [{ a: 1 }, { b: 2 }]);
});

Deno.test("readJsonLines() throws WatchDecodeError on a malformed line", async () => {
  await assert.rejects(async () => {
    for await (const _ of readJsonLines(streamOf(['{"a":1}\n', "{oops\n"]))) { /* consume */ }
  }, WatchDecodeError);
});
