/**
 * Time as the sync loop sees it: the current time and timers. The system
 * clock in production; a manual one in tests, so that they advance time
 * instead of sleeping.
 *
 * @module
 */

/** An opaque timer id. */
export type TimerId = ReturnType<typeof setTimeout> | number;

/** A source of time and timers. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerId;
  clearTimeout(id: TimerId | undefined): void;
  setInterval(fn: () => void, ms: number): TimerId;
  clearInterval(id: TimerId | undefined): void;
}

/** The real clock (`Date.now` and the global timers). */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (id) => clearTimeout(id as number),
  setInterval: (fn, ms) => setInterval(fn, ms),
  clearInterval: (id) => clearInterval(id as number),
};
