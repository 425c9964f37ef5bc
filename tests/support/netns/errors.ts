/**
 * Typed errors raised by the network-namespace test harness.
 * @module
 */

/** Base class of every harness error. */
export class NetnsError extends Error {
  /** @param message what went wrong  @param options standard `cause` */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "NetnsError";
  }
}

/** A command (ip, nft, sysctl, an agent...) exited non-zero or could not start. */
export class CommandError extends NetnsError {
  /** The argv that was run. */
  readonly argv: readonly string[];
  /** Exit code, or -1 when the process could not be started or timed out. */
  readonly code: number;
  /** The command's standard error. */
  readonly stderr: string;

  /**
   * @param argv the command that failed
   * @param code its exit code (-1 if it never ran to completion)
   * @param stderr its standard error
   * @param options standard `cause`
   */
  constructor(argv: readonly string[], code: number, stderr: string, options?: ErrorOptions) {
    super(`Command failed (exit ${code}): ${argv.join(" ")}\n${stderr.trim()}`, options);
    this.name = "CommandError";
    this.argv = argv;
    this.code = code;
    this.stderr = stderr;
  }
}

/** `nft -f -` refused a ruleset; `stderr` holds nft's own diagnostics. */
export class NftLoadError extends NetnsError {
  /** nft's standard error. */
  readonly stderr: string;

  /** @param namespace where the load was tried  @param stderr nft's diagnostics */
  constructor(namespace: string, stderr: string, options?: ErrorOptions) {
    super(`nft -f - failed in namespace ${namespace}:\n${stderr.trim()}`, options);
    this.name = "NftLoadError";
    this.stderr = stderr;
  }
}

/** A server or probe agent failed to start or answered garbage. */
export class AgentError extends NetnsError {
  /** @param message what went wrong  @param options standard `cause` */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "AgentError";
  }
}
