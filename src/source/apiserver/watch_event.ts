/**
 * Applies one decoded watch event to the cluster state. An event of the
 * wrong shape (not an object, an unknown type, an object without a proper
 * name, an object of another kind, ...) is skipped and described, so the
 * watch goes on with the next event instead of failing on it forever.
 *
 * @module
 */

import type { ClusterState, ObjectKind } from "../cluster_state.ts";
import type { KubeObject } from "../../model/kube_types.ts";
import { describeObject, describeValue, servedObjectProblem } from "../object_meta.ts";
import { ApiStatusError } from "./errors.ts";

/** What {@linkcode applyWatchEvent} did. */
export interface WatchEventResult {
  /** The event's resourceVersion, to resume from. */
  resourceVersion?: string;
  /** Why the event was skipped (it changed nothing), e.g. `ADDED default/web: no metadata.name`. */
  skipped?: string;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * ADDED/MODIFIED upsert, DELETED removes, BOOKMARK only moves the
 * resourceVersion; a malformed event is skipped and described.
 *
 * @throws {ApiStatusError} for an ERROR event (code 410 means "relist").
 */
export function applyWatchEvent(
  state: ClusterState,
  kind: ObjectKind,
  ev: unknown,
): WatchEventResult {
  if (!isRecord(ev)) return { skipped: `watch event is not an object (${describeValue(ev)})` };
  const { type, object } = ev;
  if (type === "ERROR") {
    const status = isRecord(object) ? object : {};
    const code = typeof status.code === "number" ? status.code : 0;
    const reason = typeof status.reason === "string" ? status.reason : undefined;
    const msg = `watch ERROR event: ${String(status.message ?? "").slice(0, 500)}`;
    throw new ApiStatusError(code, reason, msg);
  }
  if (type === "BOOKMARK") {
    const rv = isRecord(object) && isRecord(object.metadata)
      ? object.metadata.resourceVersion
      : undefined;
    if (typeof rv !== "string" || rv === "") {
      return { skipped: "BOOKMARK without a string metadata.resourceVersion" };
    }
    return { resourceVersion: rv };
  }
  if (type !== "ADDED" && type !== "MODIFIED" && type !== "DELETED") {
    return {
      skipped: `watch event of unknown type ${describeValue(type)} (${describeObject(object)})`,
    };
  }
  const problem = servedObjectProblem(kind, object);
  if (problem) return { skipped: `${type} ${describeObject(object)}: ${problem}` };
  const obj = object as KubeObject;
  if (type === "DELETED") state.remove(kind, obj);
  else state.upsert(kind, obj);
  return { resourceVersion: obj.metadata!.resourceVersion || undefined };
}
