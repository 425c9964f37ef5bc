/**
 * Moved to `src/util/backoff.ts` (shared by every part that retries); this
 * re-export keeps old imports working until they are updated.
 *
 * @module
 */

export { Backoff, type BackoffOptions } from "../../util/backoff.ts";
