import assert from "node:assert/strict";
import { KubeConfigError } from "../../../../src/source/apiserver/errors.ts";
import {
  isYamlError,
  rawUserField,
  readKubeconfig,
  safeReason,
  yamlErrorLine,
} from "../../../../src/source/apiserver/kubeconfig_file.ts";

const SECRET = "sk-VERY-SECRET-TOKEN-0123456789";

async function withFile(text: string, fn: (path: string) => void | Promise<void>) {
  const path = await Deno.makeTempFile({ prefix: "kubeconfig_" });
  try {
    await Deno.writeTextFile(path, text);
    await fn(path);
  } finally {
    await Deno.remove(path);
  }
}

Deno.test("readKubeconfig() parses a kubeconfig file", async () => {
  await withFile(
    `apiVersion: v1\nkind: Config\nusers:\n- name: kube-proxy\n  user:\n    token: ${SECRET}\n`,
    (path) => {
      const doc = readKubeconfig(path);
      assert.equal(rawUserField(doc, "kube-proxy", "token"), SECRET);
    },
  );
});

Deno.test("readKubeconfig() names the file and line of a YAML error, never quoting the file", async () => {
  const text = `apiVersion: v1\nusers:\n- name: kube-proxy\n  user:\n    token: ${SECRET}\n` +
    `  bad: [unclosed ${SECRET}\n`;
  await withFile(text, (path) => {
    assert.throws(() => readKubeconfig(path), (e: unknown) => {
      assert.ok(e instanceof KubeConfigError);
      assert.match(e.message, new RegExp(`^kubeconfig ${path}:\\d+: cannot parse: `));
      assert.ok(!e.message.includes(SECRET), e.message);
      assert.ok(!e.message.includes("\n"));
      assert.equal(e.cause, undefined, "the parser's message quotes the file");
      return true;
    });
  });
});

Deno.test("readKubeconfig() names an unreadable file", () => {
  assert.throws(
    () => readKubeconfig("/nonexistent/kubeconfig"),
    /^KubeConfigError: kubeconfig \/nonexistent\/kubeconfig: cannot read: /,
  );
});

Deno.test("safeReason() keeps the parser's phrase and drops names taken from the file", () => {
  assert.equal(safeReason({ reason: 'unidentified alias "my-secret"' }), "unidentified alias");
  assert.equal(safeReason({ reason: "unknown tag !<tag:x>" }), "unknown tag");
  assert.equal(safeReason({ reason: "tag name is malformed: !x" }), "tag name is malformed");
  assert.equal(
    safeReason({ reason: "bad indentation of a mapping entry" }),
    "bad indentation of a mapping entry",
  );
  assert.equal(safeReason({ reason: "%%%" }), "invalid YAML");
  assert.equal(safeReason(undefined), "invalid YAML");
});

Deno.test("yamlErrorLine() and isYamlError() read a js-yaml exception's shape", () => {
  const e = { name: "YAMLException", reason: "x", mark: { line: 4 } };
  assert.equal(yamlErrorLine(e), 5, "1-based");
  assert.equal(yamlErrorLine({}), undefined);
  assert.equal(isYamlError(e), true);
  assert.equal(isYamlError(new Error("x")), false);
});

Deno.test("rawUserField() returns a non-empty string field of the named user only", () => {
  const doc = {
    users: [
      { name: "admin", user: { token: "admin-token" } },
      { name: "kube-proxy", user: { "token-file": "/var/run/token", token: "", n: 5 } },
    ],
  };
  assert.equal(rawUserField(doc, "kube-proxy", "token-file"), "/var/run/token");
  assert.equal(rawUserField(doc, "kube-proxy", "token"), undefined, "empty");
  assert.equal(rawUserField(doc, "kube-proxy", "n"), undefined, "not a string");
  assert.equal(rawUserField(doc, "nobody", "token"), undefined);
  assert.equal(rawUserField({ users: "x" }, "admin", "token"), undefined);
  assert.equal(rawUserField(null, "admin", "token"), undefined);
});
