/**
 * The documented range of every duration setting. Timers in JavaScript hold
 * at most 2^31-1 ms (about 24.8 days): a longer `setTimeout` fires after
 * 1 ms, so an unbounded `--drift-check-period=600h` would spin. Every
 * duration is therefore checked against a range here, and a value outside
 * it fails with a message naming its flag or field.
 *
 * @module
 */

import { invalidValue } from "./config_error.ts";
import { formatDuration } from "./duration.ts";
import type { Origin } from "./origin.ts";

/** The longest timer: 596h, just under setTimeout's 2^31-1 ms (596h31m23.647s). */
export const MAX_DURATION_MS = 596 * 3_600_000;

/** The range of one duration setting. */
export interface DurationBounds {
  /** Smallest non-zero value, in ms. */
  min: number;
  /** Largest value, in ms. @default MAX_DURATION_MS */
  max?: number;
  /** Whether 0 is allowed (it then means "off" or "no minimum"). */
  zero: boolean;
}

/** Every duration setting and its range. */
export const DURATION_BOUNDS = {
  /** `syncPeriod`: longest time between syncs. */
  syncPeriod: { min: 1, zero: false },
  /** `minSyncPeriod`: shortest time between syncs (also at most `syncPeriod`). */
  minSyncPeriod: { min: 0, zero: true },
  /** `--full-sync-period`: period of full resyncs. */
  fullSyncPeriod: { min: 1000, zero: false },
  /** `--drift-check-period`: 0 disables the check. */
  driftCheckPeriod: { min: 100, zero: true },
  /** `configSyncPeriod`: period of the manifest re-read. */
  configSyncPeriod: { min: 1000, zero: false },
  /** `conntrack.*Timeout`: 0 leaves the kernel's value; whole seconds are written. */
  conntrackTimeout: { min: 1000, zero: true },
} as const satisfies Record<string, DurationBounds>;

/** Name of a bounded duration. */
export type DurationSetting = keyof typeof DURATION_BOUNDS;

/** The range of `setting` as text, for messages and the README: `0 or 100ms..596h`. */
export function describeBounds(setting: DurationSetting): string {
  const b: DurationBounds = DURATION_BOUNDS[setting];
  const range = `${formatDuration(b.min)}..${formatDuration(b.max ?? MAX_DURATION_MS)}`;
  return b.zero && b.min > 0 ? `0 or ${range}` : range;
}

/**
 * Checks `ms` against the range of `setting`.
 *
 * @throws {ConfigError} naming `origin` when the value is out of range.
 */
export function checkDuration(setting: DurationSetting, ms: number, origin: Origin): number {
  const b: DurationBounds = DURATION_BOUNDS[setting];
  const max = b.max ?? MAX_DURATION_MS;
  const ok = Number.isFinite(ms) && ms >= 0 && ms <= max && (ms === 0 ? b.zero : ms >= b.min);
  if (!ok) {
    throw invalidValue(
      origin,
      formatDuration(ms),
      `must be ${describeBounds(setting)}`,
    );
  }
  return ms;
}
