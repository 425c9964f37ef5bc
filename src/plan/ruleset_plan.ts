/**
 * The desired ruleset of both families, and the scripts that program it:
 * a full script (replace both tables atomically) or a partial one (only what
 * changed since the last apply).
 *
 * @module
 */

import { type FamilyChanges, FamilyPlan } from "./family_plan.ts";
import type { FamilyContext } from "./family_context.ts";
import { renderFamilyChanges, renderFamilyFull, renderFamilyFullInPlace } from "./nft_script.ts";
import type { ServicePortInfo } from "../model/service_port.ts";
import type { EndpointsByPort } from "../model/endpoints.ts";
import type { ModelProblem } from "../model/problems.ts";
import type { ServicePortSummary } from "./service_fragment.ts";

/** A script and how many nft operations it holds. */
export interface Script {
  text: string;
  /** Number of chains, rules and elements written or deleted (partial scripts). */
  operations: number;
}

/** Desired state of both families' tables. */
export class RulesetPlan {
  readonly families: FamilyPlan[];

  constructor(contexts: FamilyContext[]) {
    this.families = contexts.map((c) => new FamilyPlan(c));
  }

  /** Sets one Service's ports and endpoints in every family; returns each family's port summaries. */
  setService(
    key: string,
    ports: readonly ServicePortInfo[],
    endpoints: EndpointsByPort,
    report: (p: ModelProblem) => void = () => {},
  ): Map<string, ServicePortSummary>[] {
    return this.families.map((f) => f.setService(key, ports, endpoints, report));
  }

  /** Removes one Service from every family. */
  removeService(key: string): void {
    for (const f of this.families) f.removeService(key);
  }

  /** Per-service chains the kernel may hold, per family, as of the last successful apply. */
  #appliedChains?: Set<string>[];

  /**
   * The full script: both tables replaced in one transaction. After a
   * successful apply of this plan, it rewrites the tables in place instead
   * (same result, but ClientIP affinity entries survive).
   */
  fullScript(): Script {
    const out: string[] = [];
    this.families.forEach((f, i) => {
      if (this.#appliedChains) renderFamilyFullInPlace(f, this.#appliedChains[i], out);
      else renderFamilyFull(f, out);
    });
    out.push("");
    return { text: out.join("\n"), operations: 0 };
  }

  /** Records a successful apply of `kind`: later full scripts may rewrite in place. */
  markApplied(kind: "full" | "partial"): void {
    if (kind === "full" || !this.#appliedChains) {
      this.#appliedChains = this.families.map((f) => new Set(f.chains.keys()));
      return;
    }
    this.#lastChanges?.forEach((c, i) => {
      for (const name of c.chainsSet.keys()) this.#appliedChains![i].add(name);
      for (const name of c.chainsDeleted) this.#appliedChains![i].delete(name);
    });
  }

  #lastChanges?: FamilyChanges[];

  /** Forgets what the kernel holds: the next full script replaces the tables. */
  markUnknown(): void {
    this.#appliedChains = undefined;
  }

  /** The partial script since the last {@linkcode clearChanges}; empty text when nothing changed. */
  partialScript(): Script {
    const out: string[] = [];
    let operations = 0;
    this.#lastChanges = this.families.map((f) => f.changes());
    this.families.forEach((f, i) =>
      operations += renderFamilyChanges(f, this.#lastChanges![i], out)
    );
    if (out.length > 0) out.push("");
    return { text: out.join("\n"), operations };
  }

  /** Forgets recorded changes: call after a successful apply. */
  clearChanges(): void {
    for (const f of this.families) f.clearChanges();
  }
}
