/**
 * Typed errors of the API-server source.
 *
 * @module
 */

/** Options of {@linkcode KubeConfigError}. */
export interface KubeConfigErrorOptions extends ErrorOptions {
  /** 1-based line in the file, for a syntax error. */
  line?: number;
}

/**
 * A kubeconfig (or in-cluster configuration) that cannot be used. The
 * message is one line naming the file, the line or field, and what is wrong;
 * it never quotes the file (which holds credentials).
 */
export class KubeConfigError extends Error {
  /** The kubeconfig file, or "in-cluster". */
  readonly file: string;
  /** The offending field (e.g. `users["kube-proxy"].client-key`), when known. */
  readonly field?: string;
  /** 1-based line of a syntax error, when known. */
  readonly line?: number;

  constructor(
    file: string,
    field: string | undefined,
    detail: string,
    options?: KubeConfigErrorOptions,
  ) {
    const where = `${file}${options?.line ? `:${options.line}` : ""}${field ? `: ${field}` : ""}`;
    super(`kubeconfig ${where}: ${detail}`, options);
    this.name = "KubeConfigError";
    this.file = file;
    this.field = field;
    this.line = options?.line;
  }
}

/** A non-2xx answer from the API server, with its metav1.Status details. */
export class ApiStatusError extends Error {
  /** HTTP status, or the Status `code` of a watch ERROR event. */
  readonly code: number;
  /** Status `reason` (e.g. "Expired", "Unauthorized"), when given. */
  readonly reason?: string;

  constructor(code: number, reason: string | undefined, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ApiStatusError";
    this.code = code;
    this.reason = reason;
  }

  /** True for 410 Gone / Expired: the resourceVersion is too old and a relist is needed. */
  get isGone(): boolean {
    return this.code === 410;
  }
}

/** A watch stream that cannot be decoded (bad JSON line, unknown event type). */
export class WatchDecodeError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "WatchDecodeError";
  }
}

/** A watch that outlived its deadline without ending: the connection is presumed dead. */
export class WatchStalledError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "WatchStalledError";
  }
}
