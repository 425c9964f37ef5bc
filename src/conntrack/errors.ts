/**
 * Errors of the conntrack reconciler. They are logged, never thrown out of a
 * reconciliation run.
 *
 * @module
 */

/** Listing or deleting conntrack entries failed. */
export class ConntrackError extends Error {
  /** The kernel's errno, when it reported one. */
  readonly errno?: number;

  constructor(message: string, options?: ErrorOptions & { errno?: number }) {
    super(message, options);
    this.name = "ConntrackError";
    this.errno = options?.errno;
  }
}
