import assert from "node:assert/strict";
import { interfaceAddresses } from "../../../src/host/interface_addresses.ts";

Deno.test("interfaceAddresses() lists this host's addresses parsed, each once, loopback included", () => {
  const addresses = interfaceAddresses();
  const texts = addresses.map((a) => a.text);
  assert.ok(texts.includes("127.0.0.1"), texts.join(","));
  assert.equal(new Set(texts).size, texts.length, "no duplicates");
  for (const a of addresses) assert.ok(!a.text.includes("%"), `zone kept in ${a.text}`);
  // Every address the runtime reports (zones stripped) is there.
  const raw = new Set(Deno.networkInterfaces().map((i) => i.address.split("%")[0]));
  for (const a of addresses) assert.ok(raw.has(a.text) || a.family === 6, a.text);
});
