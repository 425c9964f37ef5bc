/**
 * A long-lived `nft -i` process fed one transaction per line, for the
 * apply-path comparison. nft prints nothing when a command succeeds, so each
 * transaction is followed by a marker command whose output says that nft has
 * read (and committed) everything before it: `list table ip MARKER`, an empty
 * table that costs nft one tiny cache fetch. nft's errors go to the same pipe
 * (`2>&1`), so an error appears before the marker of its own transaction.
 *
 * @module
 */

/** Raised when the nft process fails or answers unexpectedly. */
export class NftInteractiveError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "NftInteractiveError";
  }
}

const enc = new TextEncoder();

/** One `nft -i` child process. */
export class NftInteractive {
  #child: Deno.ChildProcess;
  #writer: WritableStreamDefaultWriter<Uint8Array>;
  #reader: ReadableStreamDefaultReader<string>;
  #buf = "";
  #marker: string;

  private constructor(child: Deno.ChildProcess, marker: string) {
    this.#child = child;
    this.#marker = marker;
    this.#writer = child.stdin.getWriter();
    this.#reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  }

  /**
   * Starts `nft -i` (in this namespace) and creates the marker table `ip MARKER`.
   * @param marker name of the empty marker table. @default "kpb-marker"
   */
  static async start(marker = "kpb-marker"): Promise<NftInteractive> {
    const child = new Deno.Command("sh", {
      args: ["-c", "exec nft -i 2>&1"],
      stdin: "piped",
      stdout: "piped",
      stderr: "null",
    }).spawn();
    const nft = new NftInteractive(child, marker);
    await nft.run(`add table ip ${marker}`);
    return nft;
  }

  /** Sends one line (one transaction) and waits until nft has committed it. */
  async run(line: string): Promise<void> {
    if (line.includes("\n")) throw new RangeError("NftInteractive.run: one line only");
    await this.#writer.write(enc.encode(`${line}\nlist table ip ${this.#marker}\n`));
    // The marker's listing ends with the table's closing brace.
    const end = `table ip ${this.#marker} {\n}\n`;
    let at: number;
    while ((at = this.#buf.indexOf(end)) < 0) {
      const r = await this.#reader.read();
      if (r.done) throw new NftInteractiveError(`nft -i exited: ${this.#buf.slice(-500)}`);
      this.#buf += r.value;
    }
    const before = this.#buf.slice(0, at).trim();
    this.#buf = this.#buf.slice(at + end.length);
    if (before !== "") throw new NftInteractiveError(`nft -i: ${before}`);
  }

  /** Ends the process and removes the marker table. */
  async close(): Promise<void> {
    try {
      await this.#writer.write(enc.encode(`delete table ip ${this.#marker}\nquit\n`));
      await this.#writer.close();
    } catch { /* gone */ }
    await this.#child.status;
    await this.#reader.cancel().catch(() => {});
  }
}
