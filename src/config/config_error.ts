/**
 * The error raised for a bad flag, a bad configuration field or a bad value.
 * Its message names the flag or field.
 *
 * @module
 */

/** A configuration problem found at start. */
export class ConfigError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ConfigError";
  }
}
