/**
 * An {@linkcode NftRunner} that tells a {@linkcode TableMonitor} which
 * transactions are the proxy's own, and pauses the monitor around large ones
 * (a full load), whose notifications would triple the load time.
 *
 * @module
 */

import type { NftRunner } from "./nft_runner.ts";
import type { TableMonitor } from "./table_monitor.ts";

/** Scripts longer than this pause the monitor. */
export const PAUSE_ABOVE_BYTES = 256 * 1024;

/** Wraps `inner`, bracketing its applies for `monitor`. */
export class MonitoredRunner implements NftRunner {
  #inner: NftRunner;
  #monitor: TableMonitor;

  constructor(inner: NftRunner, monitor: TableMonitor) {
    this.#inner = inner;
    this.#monitor = monitor;
  }

  async apply(script: string): Promise<void> {
    const large = script.length > PAUSE_ABOVE_BYTES;
    if (large) this.#monitor.pause();
    this.#monitor.beginOwn();
    try {
      await this.#inner.apply(script);
    } finally {
      this.#monitor.endOwn();
      if (large) this.#monitor.resume();
    }
  }

  check(script: string): Promise<void> {
    return this.#inner.check(script);
  }

  run(args: string[]): Promise<string> {
    return this.#inner.run(args);
  }
}
