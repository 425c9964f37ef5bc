/**
 * A per-object problem reporter. It names the object only when a first
 * problem is found (reading a valid object costs nothing), and it stops after
 * a few problems: an object with a hundred thousand bad list items costs a
 * bounded number of log lines, then one line saying how many more there were.
 *
 * @module
 */

import type { ModelObjectKind, ProblemSink } from "./problems.ts";
import { objectRef } from "./_json.ts";

/** At most this many problems are reported per object read. */
export const MAX_PROBLEMS_PER_OBJECT = 20;

/** Reports a problem in one field of the object being read. */
export type FieldReporter = ((field: string, message: string) => void) & {
  /** Reports how many problems were left out, if any. Call once, at the end. */
  finish(): void;
};

/** A reporter for `source`, an object of `kind` (any JSON value). */
export function fieldReporter(
  kind: ModelObjectKind,
  source: unknown,
  report: ProblemSink,
): FieldReporter {
  let count = 0;
  let object: string | undefined;
  const bad = ((field: string, message: string) => {
    if (++count > MAX_PROBLEMS_PER_OBJECT) return;
    report({ kind, object: object ??= objectRef(kind, source), field, message });
  }) as FieldReporter;
  bad.finish = () => {
    if (count <= MAX_PROBLEMS_PER_OBJECT) return;
    const message = `${count - MAX_PROBLEMS_PER_OBJECT} more problems not listed`;
    report({ kind, object: object ??= objectRef(kind, source), field: "", message });
  };
  return bad;
}
