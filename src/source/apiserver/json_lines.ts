/**
 * Splits a streamed response body into parsed JSON values, one per line, as
 * the API server sends watch events.
 *
 * @module
 */

import { WatchDecodeError } from "./errors.ts";

/** Longest accepted line (a single watch event). */
const MAX_LINE_BYTES = 64 * 1024 * 1024;

/**
 * Yields one parsed JSON value per non-empty line. Ends when the stream ends;
 * throws whatever reading throws (a cut connection), or
 * {@linkcode WatchDecodeError} for a line that is not JSON.
 */
export async function* readJsonLines(
  body: ReadableStream<Uint8Array>,
): AsyncGenerator<unknown, void, void> {
  const decoder = new TextDecoder();
  const reader = body.getReader();
  let buf = "";
  try {
    while (true) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += decoder.decode(value, { stream: true });
      let nl: number;
      while ((nl = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (line.trim()) yield parse(line);
      }
      if (buf.length > MAX_LINE_BYTES) throw new WatchDecodeError("watch event line too long");
    }
    buf += decoder.decode();
    if (buf.trim()) yield parse(buf);
  } finally {
    await reader.cancel().catch(() => {});
  }
}

function parse(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch (e) {
    throw new WatchDecodeError(`malformed watch line: ${line.slice(0, 120)}`, { cause: e });
  }
}
