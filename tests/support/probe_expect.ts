/**
 * Probe assertions shared by the end-to-end tests: "every attempt was
 * answered by exactly these pods, seeing one of these sources", and "every
 * attempt ended as refused (REJECT) / timed out (DROP)".
 *
 * @module
 */

import { strict as assert } from "node:assert";
import { type ProbeOptions, summarize, type Topology } from "./netns/mod.ts";

function describe(o: ProbeOptions): string {
  const to = o.to.includes(":") ? `[${o.to}]` : o.to;
  return `${o.from} -> ${to}:${o.port}/${o.proto ?? "tcp"}`;
}

/** Probes (20 attempts unless said) and asserts every one was answered, by exactly `pods`, with sources among `srcs`. */
export async function reach(
  topo: Topology,
  o: ProbeOptions,
  pods: string[],
  srcs: string[],
): Promise<void> {
  const res = await topo.probe({ count: 20, ...o });
  const s = summarize(res);
  const what = describe(o);
  assert.equal(
    s.ok,
    res.length,
    `${what}: not all answered: ${JSON.stringify(res.filter((r) => r.kind !== "ok"))}`,
  );
  assert.deepEqual([...s.pods].sort(), [...pods].sort(), `${what}: answering pods`);
  for (const src of s.srcs) {
    assert.ok(srcs.includes(src), `${what}: endpoint saw source ${src}, want one of ${srcs}`);
  }
}

/** Probes (2 attempts, 500 ms each, unless said) and asserts every one ended as `kind`. */
export async function expectAll(
  topo: Topology,
  o: ProbeOptions,
  kind: "refused" | "timeout",
): Promise<void> {
  const res = await topo.probe({ count: 2, timeoutMs: 500, ...o });
  assert.equal(
    summarize(res)[kind],
    res.length,
    `${describe(o)}: want ${kind}: ${JSON.stringify(res)}`,
  );
}
