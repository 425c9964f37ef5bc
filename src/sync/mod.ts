/**
 * Sync: the {@linkcode Proxier} turns the cluster state into the plan and
 * applies it (a full script the first time and after a failure, then only
 * what changed); the {@linkcode SyncLoop} decides when, like upstream's
 * bounded-frequency runner; drift detection restores the tables when they
 * are changed behind the proxy's back.
 *
 * @module
 */

export { findRejected } from "./bisect.ts";
export { ChangeTracker, type PendingChanges, TRIGGER_TIME_ANNOTATION } from "./change_tracker.ts";
export { type Clock, systemClock, type TimerId } from "./clock.ts";
export {
  type DriftDetection,
  type DriftDetectionOptions,
  startDriftDetection,
} from "./drift_detection.ts";
export {
  DEFAULT_MAX_SERVICE_ELEMENTS,
  Proxier,
  type ProxierOptions,
  type SkipReason,
  type SyncResult,
} from "./proxier.ts";
export {
  type HealthCheckTarget,
  type ServiceFacts,
  serviceFacts,
  type UdpServicePort,
} from "./service_facts.ts";
export { type Syncer, SyncLoop, type SyncLoopOptions } from "./sync_loop.ts";
