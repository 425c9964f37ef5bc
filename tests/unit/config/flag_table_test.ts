import assert from "node:assert/strict";
import { FLAGS, lookupFlag } from "../../../src/config/flag_table.ts";

Deno.test("lookupFlag() finds a flag by its name or its one-letter alias", () => {
  assert.equal(lookupFlag("hostname-override")?.name, "hostname-override");
  assert.equal(lookupFlag("v")?.name, "v");
  assert.equal(lookupFlag("h")?.name, "help");
  assert.equal(lookupFlag("help")?.spec.kind, "bool");
  assert.equal(lookupFlag("no-such-flag"), undefined);
  assert.equal(lookupFlag("x"), undefined);
});

Deno.test("every flag has help text, a lowercase dashed name and a section of the help", () => {
  for (const [name, spec] of Object.entries(FLAGS)) {
    assert.match(name, /^[a-z0-9]+(-[a-z0-9]+)*$/, name);
    assert.ok(spec.help.trim().length > 0, `${name} has no help`);
    assert.ok(["proxy", "extension", "compat", "explain"].includes(spec.group), name);
    if (spec.scope === "noop") assert.equal(spec.group, "compat", name);
  }
});

Deno.test("explain's flags, and only they, belong to the explain subcommand", () => {
  const explain = Object.entries(FLAGS).filter(([, s]) => s.command === "explain").map(([n]) => n);
  assert.deepEqual(explain.sort(), ["dst", "output", "src"]);
  for (const [name, spec] of Object.entries(FLAGS)) {
    assert.equal(spec.group === "explain", spec.command === "explain", name);
  }
});

Deno.test("only lists append when repeated (pflag string slices), and aliases are unique", () => {
  for (const [name, spec] of Object.entries(FLAGS)) {
    if (spec.append) assert.equal(spec.kind, "list", name);
  }
  const shorts = Object.values(FLAGS).flatMap((s) => (s.short ? [s.short] : []));
  assert.deepEqual(shorts.sort(), ["h", "v"]);
});
