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

/**
 * Desired state of both families' tables.
 *
 * @example Plan one Service and render the script that installs it
 * ```ts
 * import assert from "node:assert/strict";
 * import { RulesetPlan } from "./ruleset_plan.ts";
 * import { familyContexts } from "./proxy_settings.ts";
 * import { unknownNode } from "../model/node_info.ts";
 * import { parseCidr } from "../model/ip.ts";
 * import { readService } from "../model/service_port.ts";
 * import { mergeEndpointSlices } from "../model/endpoints.ts";
 *
 * const contexts = familyContexts({
 *   nodeName: "worker-0",
 *   masqueradeBit: 14,
 *   masqueradeAll: false,
 *   detectLocalMode: "ClusterCIDR",
 *   clusterCIDRs: [parseCidr("10.244.0.0/16")],
 *   bridgeInterface: "",
 *   interfaceNamePrefix: "",
 *   nodePortAddresses: "primary",
 *   serviceCIDRs: [],
 * }, unknownNode("worker-0"), []);
 * const plan = new RulesetPlan(contexts);
 * const { ports } = readService({
 *   metadata: { namespace: "default", name: "web" },
 *   spec: { clusterIP: "10.96.0.10", ports: [{ name: "http", port: 80 }] },
 * }, () => {});
 * const endpoints = mergeEndpointSlices([{
 *   metadata: {
 *     namespace: "default",
 *     name: "web-1",
 *     labels: { "kubernetes.io/service-name": "web" },
 *   },
 *   addressType: "IPv4",
 *   ports: [{ name: "http", port: 8080 }],
 *   endpoints: [{ addresses: ["10.244.1.5"] }],
 * }], () => {});
 * plan.setService("default/web", ports, endpoints);
 * const full = plan.fullScript().text;
 * assert.match(full, /^add table ip kube-nft-proxy$/m);
 * assert.match(full, /10\.96\.0\.10 \. tcp \. 80/);
 * ```
 */
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
