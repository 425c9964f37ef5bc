/**
 * The error raised for a bad flag, a bad configuration field or a bad value.
 * Its message names where the value came from (the flag, or the field and the
 * file), and `origin` carries the same information for programs.
 *
 * @module
 */

import { describeOrigin, type Origin } from "./origin.ts";

/** Options of {@linkcode ConfigError}. */
export interface ConfigErrorOptions extends ErrorOptions {
  /** Where the offending value came from. @default undefined (not tied to one value) */
  origin?: Origin;
}

/** A configuration problem found at start. */
export class ConfigError extends Error {
  /** Where the offending value came from, when the problem is about one value. */
  readonly origin?: Origin;

  constructor(message: string, options?: ConfigErrorOptions) {
    super(message, options);
    this.name = "ConfigError";
    this.origin = options?.origin;
  }
}

function show(value: unknown): string {
  return typeof value === "number" || typeof value === "boolean"
    ? String(value)
    : JSON.stringify(value);
}

/**
 * `invalid value "10.0.0.0/33" for --cluster-cidr: not a CIDR`, or with a
 * file origin `... for clusterCIDR in /etc/kp.yaml: ...`.
 */
export function invalidValue(
  origin: Origin,
  value: unknown,
  reason: string,
  options?: ErrorOptions,
): ConfigError {
  return new ConfigError(`invalid value ${show(value)} for ${describeOrigin(origin)}: ${reason}`, {
    ...options,
    origin,
  });
}
