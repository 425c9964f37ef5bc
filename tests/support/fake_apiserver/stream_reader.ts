/**
 * Test helper: reads newline-delimited JSON watch events from a fetch
 * response, with a timeout so a test never hangs.
 *
 * @module
 */

/** One watch event as received. */
export interface ReceivedEvent {
  type: string;
  object: { metadata?: { name?: string; resourceVersion?: string }; [k: string]: unknown };
}

/** Reads watch events line by line from a streaming response body. */
export class EventReader {
  #reader: ReadableStreamDefaultReader<Uint8Array>;
  #decoder = new TextDecoder();
  #buf = "";

  constructor(res: Response) {
    if (!res.body) throw new TypeError("EventReader: response has no body");
    this.#reader = res.body.getReader();
  }

  /** The next event, or null at a clean end of stream; rejects after `timeoutMs`. */
  async next(timeoutMs = 3000): Promise<ReceivedEvent | null> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error("EventReader: timed out")), timeoutMs);
    });
    try {
      while (true) {
        const nl = this.#buf.indexOf("\n");
        if (nl >= 0) {
          const line = this.#buf.slice(0, nl);
          this.#buf = this.#buf.slice(nl + 1);
          if (line.trim()) return JSON.parse(line);
          continue;
        }
        const { value, done } = await Promise.race([this.#reader.read(), timeout]);
        if (done) return null;
        this.#buf += this.#decoder.decode(value, { stream: true });
      }
    } finally {
      clearTimeout(timer);
    }
  }

  /** Next event that is not a BOOKMARK. */
  async nextNonBookmark(timeoutMs = 3000): Promise<ReceivedEvent | null> {
    while (true) {
      const ev = await this.next(timeoutMs);
      if (ev?.type !== "BOOKMARK") return ev;
    }
  }

  /** Cancels the body stream. */
  async cancel(): Promise<void> {
    await this.#reader.cancel().catch(() => {});
  }
}
