import assert from "node:assert/strict";
import { formatDuration, parseDuration } from "../../../src/config/duration.ts";

Deno.test("parseDuration() reads Go durations and formatDuration() writes them", () => {
  const cases: [string, number | undefined][] = [
    ["30s", 30_000],
    ["1m30s", 90_000],
    ["1h0m0s", 3_600_000],
    ["500ms", 500],
    ["1.5s", 1500],
    ["0", 0],
    ["0s", 0],
    ["", undefined],
    ["30", undefined],
    ["-1s", undefined],
    ["1d", undefined],
    ["s", undefined],
  ];
  for (const [input, want] of cases) assert.equal(parseDuration(input), want, input);
  assert.equal(parseDuration(30), undefined);
  assert.equal(formatDuration(90_000), "1m30s");
  assert.equal(formatDuration(500), "500ms");
  assert.equal(formatDuration(3_600_000), "1h0m0s");
  assert.equal(formatDuration(0), "0s");
});

Deno.test("parseDuration() adds up units as Go does, microseconds and nanoseconds included", () => {
  assert.equal(parseDuration("1h30m"), 5_400_000);
  assert.equal(parseDuration(" 2m3s "), 123_000, "trimmed");
  assert.equal(parseDuration("1500us"), 1.5);
  assert.equal(parseDuration("1500µs"), 1.5);
  assert.equal(parseDuration("2000000ns"), 2);
  assert.equal(parseDuration("1h1h"), 7_200_000, "a repeated unit adds, as Go's ParseDuration");
  assert.equal(parseDuration(null), undefined);
  assert.equal(parseDuration("1 s"), undefined);
});

Deno.test("formatDuration() writes what parseDuration() reads back, as Go prints durations", () => {
  for (const ms of [1, 999, 1000, 1500, 59_000, 61_000, 3_599_000, 86_400_000, 596 * 3_600_000]) {
    const text = formatDuration(ms);
    assert.equal(parseDuration(text), ms, text);
  }
  assert.equal(formatDuration(1500), "1.5s");
  assert.equal(formatDuration(86_400_000), "24h0m0s");
});
