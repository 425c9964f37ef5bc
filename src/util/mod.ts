/**
 * Small helpers shared by several layers: exponential backoff for every
 * retry (API server reconnects, failed syncs, failed accepts).
 *
 * @module
 */

export { Backoff, type BackoffOptions } from "./backoff.ts";
