/**
 * Exponential backoff with jitter, as used between reconnect attempts.
 *
 * @module
 */

/** Options of {@linkcode Backoff}. */
export interface BackoffOptions {
  /** First delay. @default 500 */
  initialMs?: number;
  /** Upper bound of the delay. @default 30000 */
  maxMs?: number;
  /** Growth factor per attempt. @default 2 */
  factor?: number;
  /** Random extra fraction added to each delay (0.2 = up to +20 %). @default 0.2 */
  jitter?: number;
  /** Random source in [0, 1), for tests. @default Math.random */
  random?: () => number;
}

/** Delays that double from `initialMs` up to `maxMs`, with jitter; `reset()` starts over. */
export class Backoff {
  readonly #initial: number;
  readonly #max: number;
  readonly #factor: number;
  readonly #jitter: number;
  readonly #random: () => number;
  #current: number;

  constructor(options: BackoffOptions = {}) {
    this.#initial = options.initialMs ?? 500;
    this.#max = options.maxMs ?? 30_000;
    this.#factor = options.factor ?? 2;
    this.#jitter = options.jitter ?? 0.2;
    this.#random = options.random ?? Math.random;
    if (!(this.#initial > 0)) throw new RangeError("Backoff: 'initialMs' must be > 0");
    if (!(this.#max >= this.#initial)) {
      throw new RangeError("Backoff: 'maxMs' must be >= 'initialMs'");
    }
    if (!(this.#factor >= 1)) throw new RangeError("Backoff: 'factor' must be >= 1");
    if (!(this.#jitter >= 0)) throw new RangeError("Backoff: 'jitter' must be >= 0");
    this.#current = this.#initial;
  }

  /** The next delay in milliseconds (never more than `maxMs`). */
  next(): number {
    const base = this.#current;
    this.#current = Math.min(this.#max, this.#current * this.#factor);
    return Math.min(this.#max, Math.round(base * (1 + this.#jitter * this.#random())));
  }

  /** Starts over from `initialMs`, after a success. */
  reset(): void {
    this.#current = this.#initial;
  }
}
