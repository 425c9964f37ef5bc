/**
 * Go-style durations, as Kubernetes configuration writes them: `30s`,
 * `1m30s`, `500ms`, `1h0m0s`.
 *
 * @module
 */

const UNITS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  "µs": 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** Parses a duration into milliseconds; undefined when invalid. A bare `0` is zero. */
export function parseDuration(input: unknown): number | undefined {
  if (typeof input !== "string") return undefined;
  const s = input.trim();
  if (s === "0") return 0;
  if (!/^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$/.test(s)) return undefined;
  let total = 0;
  for (const m of s.matchAll(/([0-9]+(?:\.[0-9]+)?)(ns|us|µs|ms|s|m|h)/g)) {
    total += Number(m[1]) * UNITS[m[2]];
  }
  return total;
}

/** Formats milliseconds the Go way (`1m30s`, `500ms`). */
export function formatDuration(ms: number): string {
  if (ms === 0) return "0s";
  if (ms < 1000) return `${ms}ms`;
  let rest = ms / 1000;
  const h = Math.floor(rest / 3600);
  rest -= h * 3600;
  const m = Math.floor(rest / 60);
  rest -= m * 60;
  return `${h ? `${h}h` : ""}${h || m ? `${m}m` : ""}${Number(rest.toFixed(3))}s`;
}
