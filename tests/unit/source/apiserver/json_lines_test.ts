import assert from "node:assert/strict";
import { readJsonLines } from "../../../../src/source/apiserver/json_lines.ts";
import { WatchDecodeError } from "../../../../src/source/apiserver/errors.ts";

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
