/**
 * Limits of the proxy's HTTP servers (`/healthz`, `/metrics`, health check
 * node ports), and the connection budget several servers can share.
 *
 * These servers answer a few small GET requests from probes and scrapers, so
 * the limits are tight: a client that dribbles its request head is cut off
 * after {@linkcode HttpLimits.headerTimeoutMs}, a head larger than
 * {@linkcode HttpLimits.maxHeaderBytes} is refused, and at most
 * {@linkcode HttpLimits.maxConnections} connections are open at once (more are
 * accepted and closed at once, so they never pile up in the kernel backlog).
 *
 * @module
 */

/** Limits of one HTTP server. */
export interface HttpLimits {
  /** Time from accepting a connection to the end of its request head. @default 5000 */
  headerTimeoutMs?: number;
  /** Time from the end of the request head until the response is written. @default 10000 */
  responseTimeoutMs?: number;
  /** Largest request head (request line and headers), in bytes. @default 8192 */
  maxHeaderBytes?: number;
  /** Most header fields in one request. @default 64 */
  maxHeaderCount?: number;
  /**
   * Most connections open at once. Ignored when a shared
   * {@linkcode ConnectionBudget} is given to the server instead.
   * @default 64
   */
  maxConnections?: number;
  /** First pause after a failed accept (e.g. EMFILE); doubles up to `acceptBackoffMaxMs`. @default 5 */
  acceptBackoffMinMs?: number;
  /** Longest pause between failed accepts. @default 1000 */
  acceptBackoffMaxMs?: number;
}

/** {@linkcode HttpLimits} with every default filled in. */
export type ResolvedHttpLimits = Required<HttpLimits>;

/** The defaults of {@linkcode HttpLimits}. */
export const DEFAULT_HTTP_LIMITS: Readonly<ResolvedHttpLimits> = Object.freeze({
  headerTimeoutMs: 5_000,
  responseTimeoutMs: 10_000,
  maxHeaderBytes: 8_192,
  maxHeaderCount: 64,
  maxConnections: 64,
  acceptBackoffMinMs: 5,
  acceptBackoffMaxMs: 1_000,
});

/**
 * Fills in the defaults of `limits` and validates every value.
 *
 * @throws {RangeError} naming the field when a value is not a positive integer
 * (or the backoff bounds are reversed).
 */
export function resolveHttpLimits(what: string, limits: HttpLimits = {}): ResolvedHttpLimits {
  const out = { ...DEFAULT_HTTP_LIMITS };
  for (const key of Object.keys(DEFAULT_HTTP_LIMITS) as (keyof ResolvedHttpLimits)[]) {
    const v = limits[key];
    if (v === undefined) continue;
    if (typeof v !== "number" || !Number.isInteger(v) || v < 1) {
      throw new RangeError(`Cannot start ${what}: '${key}' must be an integer >= 1, got ${v}`);
    }
    out[key] = v;
  }
  if (out.acceptBackoffMaxMs < out.acceptBackoffMinMs) {
    throw new RangeError(
      `Cannot start ${what}: 'acceptBackoffMaxMs' (${out.acceptBackoffMaxMs}) must be >= 'acceptBackoffMinMs' (${out.acceptBackoffMinMs})`,
    );
  }
  return out;
}

/**
 * A count of open connections with a cap, shared by servers that must not
 * together hold more than `max` file descriptors (e.g. every health check
 * node port of the proxy).
 */
export class ConnectionBudget {
  /** The cap. */
  readonly max: number;
  #open = 0;
  #refused = 0;

  constructor(max: number) {
    if (!Number.isInteger(max) || max < 1) {
      throw new RangeError(`Cannot create a connection budget: 'max' must be >= 1, got ${max}`);
    }
    this.max = max;
  }

  /** Connections open now. */
  get open(): number {
    return this.#open;
  }

  /** Connections refused so far because the budget was spent. */
  get refused(): number {
    return this.#refused;
  }

  /** Takes one connection from the budget; false (and counted) when none is left. */
  tryAcquire(): boolean {
    if (this.#open >= this.max) {
      this.#refused++;
      return false;
    }
    this.#open++;
    return true;
  }

  /** Gives one connection back. */
  release(): void {
    if (this.#open > 0) this.#open--;
  }
}
