/**
 * Small things every layer may use: exponential backoff for every retry
 * (API server reconnects, failed syncs, failed accepts), and the version of
 * this build (`--version`, `kubernetes_build_info`).
 *
 * @module
 */

export { Backoff, type BackoffOptions } from "./backoff.ts";
export { GIT_COMMIT, VERSION, versionLine } from "./version.ts";
