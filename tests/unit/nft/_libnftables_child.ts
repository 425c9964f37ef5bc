/**
 * Runs steps against a LibNftablesRunner in its own process (and network
 * namespace, when the test starts it with `ip netns exec`), so that the test
 * process never loads libnftables against the root namespace. Reads the steps
 * as JSON on stdin and prints one JSON result per step.
 *
 * @module
 */

import { LibNftablesRunner } from "../../../src/nft/libnftables_runner.ts";
import { NftError } from "../../../src/nft/nft_runner.ts";

/** One step: apply or check a script, run a command, or close the runner. */
export type Step = { op: "apply" | "check"; script: string } | { op: "run"; args: string[] } | {
  op: "close";
};

/** What a step gave. */
export type StepResult =
  | { ok: true; out?: string }
  | { ok: false; name: string; message: string; stderr: string; lines: [number, string][] };

if (import.meta.main) {
  const steps: Step[] = JSON.parse(await new Response(Deno.stdin.readable).text());
  const nft = new LibNftablesRunner();
  const results: StepResult[] = [];
  for (const s of steps) {
    try {
      if (s.op === "apply") await nft.apply(s.script);
      else if (s.op === "check") await nft.check(s.script);
      else if (s.op === "close") nft.close();
      results.push(s.op === "run" ? { ok: true, out: await nft.run(s.args) } : { ok: true });
    } catch (e) {
      const err = e as NftError;
      results.push({
        ok: false,
        name: err.name,
        message: err.message,
        stderr: err instanceof NftError ? err.stderr : "",
        lines: err instanceof NftError ? [...err.failingLines] : [],
      });
    }
  }
  nft.close();
  console.log(JSON.stringify(results));
}
