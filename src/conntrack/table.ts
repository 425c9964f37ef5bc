/**
 * What the reconciler needs from the conntrack table: list one family's
 * entries of one protocol, and delete exact entries.
 *
 * @module
 */

import type { ConntrackFlow, FlowFamily } from "./flow.ts";

/** Outcome of deleting entries. */
export interface DeleteResult {
  /** Entries the kernel deleted. */
  deleted: number;
  /** Entries already gone (expired, or replaced by a newer entry with the same tuple). */
  missing: number;
  /** Entries the kernel refused to delete. */
  failed: number;
  /** A few of the failures' messages. */
  errors: string[];
}

/** A conntrack table. */
export interface ConntrackTable {
  /** Short name for logs ("netlink", "conntrack-tool"). */
  readonly name: string;
  /** Lists one family's entries of one IP protocol. */
  list(family: FlowFamily, proto: number): Promise<ConntrackFlow[]>;
  /** Deletes exactly these entries. */
  delete(flows: readonly ConntrackFlow[]): Promise<DeleteResult>;
  /** Releases what the table holds. */
  close(): void;
}
