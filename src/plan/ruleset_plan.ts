/**
 * The desired ruleset of both families, and the scripts that program it:
 * a full script (replace both tables atomically, or rewrite them in place
 * once the kernel's state is known), a partial one (only what changed since
 * the last apply), or a garbage collection (what nothing reaches any more).
 *
 * @module
 */

import {
  type FamilyGarbage,
  FamilyPlan,
  type PlanObject,
  type ServiceDecisions,
} from "./family_plan.ts";
import type { FamilyContext } from "./family_context.ts";
import {
  renderFamilyChanges,
  renderFamilyFull,
  renderFamilyFullInPlace,
  renderFamilyGarbage,
} from "./nft_script.ts";
import type { ServicePortInfo } from "../model/service_port.ts";
import type { EndpointsByPort } from "../model/endpoints.ts";
import type { ModelProblem } from "../model/problems.ts";

/** A script and how many nft operations it holds. */
export interface Script {
  text: string;
  /** Number of chains, rules and elements written or deleted (partial and garbage scripts). */
  operations: number;
}

/** Desired state of both families' tables. */
export class RulesetPlan {
  readonly families: FamilyPlan[];
  #pendingGarbage?: FamilyGarbage[];

  constructor(contexts: FamilyContext[]) {
    this.families = contexts.map((c) => new FamilyPlan(c));
  }

  /**
   * Sets one Service's ports and endpoints in every family; returns each
   * family's decisions. Throws {@linkcode ServiceTooLargeError} (the Service is
   * then absent from every family) when a family's fragment exceeds `limit`.
   */
  setService(
    key: string,
    ports: readonly ServicePortInfo[],
    endpoints: EndpointsByPort,
    report: (problem: ModelProblem) => void = () => {},
    limit = Infinity,
  ): ServiceDecisions[] {
    try {
      return this.families.map((f) => f.setService(key, ports, endpoints, report, limit));
    } catch (e) {
      this.removeService(key);
      throw e;
    }
  }

  /** Removes one Service from every family. */
  removeService(key: string): void {
    for (const f of this.families) f.removeService(key);
  }

  /**
   * The full script: both tables replaced in one transaction, or rewritten in
   * place where the kernel's objects are known (after an apply, or adopted
   * from a previous run): same result, but ClientIP affinity survives.
   */
  fullScript(): Script {
    const out: string[] = [];
    for (const f of this.families) {
      const kernel = f.kernelObjects;
      if (kernel) renderFamilyFullInPlace(f, kernel, out);
      else renderFamilyFull(f, out);
    }
    out.push("");
    return { text: out.join("\n"), operations: 0 };
  }

  /** The partial script since the last apply; empty text when nothing changed. */
  partialScript(): Script {
    const out: string[] = [];
    let operations = 0;
    for (const f of this.families) operations += renderFamilyChanges(f, f.changes(), out);
    if (out.length > 0) out.push("");
    return { text: out.join("\n"), operations };
  }

  /** The garbage-collection script; empty text when there is no garbage. */
  garbageScript(): Script {
    const out: string[] = [];
    let operations = 0;
    this.#pendingGarbage = this.families.map((f) => f.garbage());
    this.families.forEach((f, i) =>
      operations += renderFamilyGarbage(f, this.#pendingGarbage![i], out)
    );
    if (out.length > 0) out.push("");
    return { text: out.join("\n"), operations };
  }

  /** Whether a garbage collection has anything to do. */
  get hasGarbage(): boolean {
    return this.families.some((f) => f.hasGarbage);
  }

  /** Records a successful apply of a script of `kind`. */
  applied(kind: "full" | "partial" | "garbage"): void {
    this.families.forEach((f, i) => {
      if (kind === "full") f.fullApplied();
      else if (kind === "partial") f.partialApplied();
      else if (this.#pendingGarbage) f.garbageCollected(this.#pendingGarbage[i]);
    });
    if (kind === "garbage") this.#pendingGarbage = undefined;
  }

  /** Forgets what the kernel holds: the next full script replaces the tables. */
  markUnknown(): void {
    for (const f of this.families) f.markUnknown();
  }

  /** Adopts the objects a previous run left in the kernel, per family (see {@linkcode FamilyPlan.adopt}). */
  adopt(objects: Map<string, PlanObject>[]): void {
    this.families.forEach((f, i) => f.adopt(objects[i]));
  }
}
