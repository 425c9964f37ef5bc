import assert from "node:assert/strict";
import { FLAGS } from "../../../src/config/flag_table.ts";
import { helpText } from "../../../src/cli/help_text.ts";

Deno.test("helpText() lists every flag, and marks those that --config overrides", () => {
  const help = helpText();
  for (const name of Object.keys(FLAGS)) assert.match(help, new RegExp(`--${name}\\b`), name);
  assert.match(help, /--detect-local-mode MODE \*/);
  assert.match(help, /--hostname-override NAME {2,}Name/);
  assert.match(help, /-v, --v N/);
});
