/**
 * Applies one decoded watch event to the cluster state.
 *
 * @module
 */

import type { ClusterState, ObjectKind } from "../cluster_state.ts";
import type { KubeObject } from "../../model/kube_types.ts";
import { ApiStatusError, WatchDecodeError } from "./errors.ts";

/**
 * ADDED/MODIFIED upsert, DELETED removes, BOOKMARK only moves the
 * resourceVersion. Returns the event's resourceVersion, if any.
 *
 * @throws {ApiStatusError} for an ERROR event (code 410 means "relist").
 * @throws {WatchDecodeError} for an event without an object or of unknown type.
 */
export function applyWatchEvent(
  state: ClusterState,
  kind: ObjectKind,
  ev: unknown,
): string | undefined {
  const { type, object } = (ev ?? {}) as {
    type?: string;
    object?: KubeObject & Record<string, unknown>;
  };
  if (typeof object !== "object" || object === null) {
    throw new WatchDecodeError(`watch event without an object (type ${String(type)})`);
  }
  switch (type) {
    case "ADDED":
    case "MODIFIED":
      state.upsert(kind, object);
      break;
    case "DELETED":
      state.remove(kind, object);
      break;
    case "BOOKMARK":
      break;
    case "ERROR": {
      const code = Number(object.code ?? 0);
      const msg = `watch ERROR event: ${String(object.message ?? "")}`;
      throw new ApiStatusError(code, object.reason as string | undefined, msg);
    }
    default:
      throw new WatchDecodeError(`unknown watch event type "${String(type)}"`);
  }
  return object.metadata?.resourceVersion || undefined;
}
