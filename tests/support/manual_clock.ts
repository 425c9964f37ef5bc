/**
 * A clock for tests: time stands still until the test advances it, and the
 * timers due by then fire in order (awaiting the microtasks they start).
 *
 * @module
 */

import type { Clock, TimerId } from "../../src/sync/clock.ts";

interface Timer {
  id: number;
  at: number;
  fn: () => void;
  every?: number;
}

/** A {@linkcode Clock} that moves only when told to. */
export class ManualClock implements Clock {
  #now: number;
  #next = 1;
  #timers = new Map<number, Timer>();

  constructor(start = 1_000_000) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): number {
    const id = this.#next++;
    this.#timers.set(id, { id, at: this.#now + Math.max(0, ms), fn });
    return id;
  }

  clearTimeout(id: TimerId | undefined): void {
    if (id !== undefined) this.#timers.delete(id as number);
  }

  setInterval(fn: () => void, ms: number): number {
    const id = this.#next++;
    this.#timers.set(id, { id, at: this.#now + ms, fn, every: ms });
    return id;
  }

  clearInterval(id: TimerId | undefined): void {
    this.clearTimeout(id);
  }

  /** Number of pending timers. */
  get pending(): number {
    return this.#timers.size;
  }

  /** Moves time forward by `ms`, firing due timers in order and settling what they start. */
  async advance(ms: number): Promise<void> {
    const end = this.#now + ms;
    await settle();
    while (true) {
      const due = [...this.#timers.values()].filter((t) => t.at <= end)
        .sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (!due) break;
      this.#now = due.at;
      if (due.every) due.at += due.every;
      else this.#timers.delete(due.id);
      due.fn();
      await settle();
    }
    this.#now = end;
    await settle();
  }
}

/** Lets pending promise callbacks run (a few macrotask turns). */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 0));
}
