/**
 * Reading newline-delimited text from a child process with deadlines.
 * @module
 */
import { AgentError } from "./errors.ts";

/** Reads lines from a byte stream; a timed-out read does not lose data. */
export class LineReader {
  #reader: ReadableStreamDefaultReader<string>;
  #buffer = "";
  #done = false;
  #pending: Promise<ReadableStreamReadResult<string>> | null = null;

  /** @param stream the byte stream to read, e.g. a child's stdout */
  constructor(stream: ReadableStream<Uint8Array>) {
    this.#reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  }

  /**
   * Next line without its newline, or `null` at end of stream.
   * @throws {AgentError} when no full line arrives within `timeoutMs`
   */
  async readLine(timeoutMs: number, what = "line"): Promise<string | null> {
    const deadline = Date.now() + timeoutMs;
    while (true) {
      const nl = this.#buffer.indexOf("\n");
      if (nl >= 0) {
        const line = this.#buffer.slice(0, nl);
        this.#buffer = this.#buffer.slice(nl + 1);
        return line;
      }
      if (this.#done) {
        const rest = this.#buffer;
        this.#buffer = "";
        return rest === "" ? null : rest;
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new AgentError(`Timed out after ${timeoutMs} ms waiting for ${what}`);
      this.#pending ??= this.#reader.read();
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<"timeout">((resolve) => {
        timer = setTimeout(() => resolve("timeout"), left);
      });
      const result = await Promise.race([this.#pending, timeout]);
      clearTimeout(timer);
      if (result === "timeout") continue;
      this.#pending = null;
      if (result.done) this.#done = true;
      else this.#buffer += result.value;
    }
  }

  /** Stops reading and releases the stream. */
  async cancel(): Promise<void> {
    await this.#reader.cancel().catch(() => {});
  }
}

/** Reads a whole stream as text, ignoring errors (used for diagnostics). */
export async function drainText(stream: ReadableStream<Uint8Array>): Promise<string> {
  try {
    return await new Response(stream).text();
  } catch {
    return "";
  }
}
