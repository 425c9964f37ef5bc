import assert from "node:assert/strict";
// @ts-types="@types/js-yaml"
import yaml from "js-yaml";
import {
  MANIFEST_SCHEMA,
  parseBlockDocument,
  Unsupported,
} from "../../../../src/source/manifests/block_yaml.ts";
import { realisticObjects } from "../../../support/cluster_manifests.ts";
import { toKubectlYaml } from "../../../support/kubectl_yaml.ts";

/** What js-yaml makes of one document: its value, or "error". */
function reference(text: string): unknown {
  try {
    return yaml.load(text, { schema: MANIFEST_SCHEMA }) ?? null;
  } catch {
    return "error";
  }
}

/** The fast reader's answer: its value, or "unsupported"; anything else it throws is a bug. */
function fast(text: string): unknown {
  try {
    return parseBlockDocument(text);
  } catch (e) {
    if (e instanceof Unsupported) return "unsupported";
    throw new Error(`parseBlockDocument threw ${e} for:\n${text}`);
  }
}

/** The contract: the fast reader gives up, or agrees with js-yaml on valid YAML. */
function assertAgrees(text: string): "same" | "unsupported" {
  const got = fast(text);
  if (got === "unsupported") return "unsupported";
  const want = reference(text);
  assert.notEqual(want, "error", `fast reader accepted YAML that js-yaml rejects:\n${text}`);
  assert.deepStrictEqual(got, want, `fast reader disagrees with js-yaml on:\n${text}`);
  return "same";
}

const CORPUS: string[] = [
  ...[...realisticObjects({
    services: 2,
    endpointsPerService: 3,
    managedFields: true,
    lastApplied: true,
  })].map((o) => toKubectlYaml(o)),
  `# a comment
apiVersion: v1   
kind: Service
metadata:
  name: "quoted name"
  namespace: 'it''s'
  annotations:
    a: "tab\\tand \\u00e9 and \\"quotes\\""
    b: 'single # not a comment'
    c: plain#hash
    d: k:{"port":80}
    e: ""
    f: ''
spec:
  ports:
  -   port: 80
      name: http
  - port: -1
  -
    port: 443
  - null
  - ~
  -
  values: [ ]
  empty:
  list:
  - a
  - - nested
  numbers: [0x1F, 1_000, .5, 1e3, +1, -0, 0o17, 012, 0b11, .inf, -.Inf, .nan, 1.]
  n1: 0x1F
  n2: 1_000
  n3: .5
  n4: 1e3
  n5: +1
  n6: -0
  n7: 0o17
  n8: "012"
  n9: 012
  n10: .NaN
  n11: 1.
  n12: 10.96.0.1
  n13: 1:30
  b1: yes
  b2: True
  b3: FALSE
  b4: off
  z1: Null
  z2: NULL
  t: 2026-11-02T09:14:27Z
  "quoted key": 1
  'single key': 2
  80: http
  true: x
`,
  `data:
  script: |
    #!/bin/sh
    echo "hi"  # not a comment

      indented more
    last
  stripped: |-
    one
    two

  kept: |+
    keep

  folded: >
    a
    b
  after: 1
  indicator: |2
      two extra
list:
- |
  in a sequence
- x
`,
  `merged:
  base: &b {a: 1}
  use:
    <<: *b
    c: 2
tagged: !!str 123
flow: {a: 1, b: [1, 2]}
multi: plain
  continued
quoted: "line one
  line two"
complex:
  ? key
  : value
dup: 1
dup: 2
__proto__: {polluted: true}
toString: 1
`,
  `- a: 1
  b: 2
- c: 3
-   d: 4
    e: 5
`,
  "---\na: 1\n",
  "--- # comment\na: 1\n",
  "--- !tag\na: 1\n",
  "a: 1\n...\n",
  "%YAML 1.2\n---\na: 1\n",
  "just a string\n",
  "",
  "# only a comment\n",
  "a: 1\r\nb: 2\r\n",
  "a:\tb\n",
  "\ufeffa: 1\n",
  "a: |\n  no final newline",
  "a: |\n  x\n\n\n",
  "a: |\n\n  leading blank\n",
  "a: |\n  \n  whitespace line\n",
  "a: b: c\n",
  "a: b #c\n",
  "a: 'unterminated\n",
  'a: "bad \\x escape \\q"\n',
  'a: "\\x41"\n',
  "- - a\n",
  "key with spaces: v\n",
  "a:\n- 1\n- 2\nb: 3\n",
  "a:\n  - 1\n  - 2\nb: 3\n",
  "a:\n  b:\n  c: 1\n",
  "a:\n    b: 1\n  c: 2\n",
  "a: 1\n  b: 2\n",
  "a: -x\nb: -\nc: - d\nd: ?x\n",
  "a: {}\nb: []\nc: { }\n",
  "a: 'x' # c\nb: \"y\"   \n",
  "é: ü\n",
  "a: 😀\n",
];

Deno.test("parseBlockDocument() reads kubectl-style manifests exactly as js-yaml does", () => {
  for (const o of realisticObjects({ services: 3, managedFields: true, lastApplied: true })) {
    const text = toKubectlYaml(o);
    assert.equal(assertAgrees(text), "same", `not read by the fast path:\n${text}`);
    assert.deepStrictEqual(parseBlockDocument(text), JSON.parse(JSON.stringify(o)));
  }
});

Deno.test("parseBlockDocument() agrees with js-yaml or gives up on every corpus document", () => {
  let same = 0;
  for (const text of CORPUS) if (assertAgrees(text) === "same") same++;
  // The corpus holds documents of both kinds; make sure both paths are exercised.
  assert.ok(same >= 10, `only ${same} documents took the fast path`);
  assert.ok(same < CORPUS.length - 10, "too few documents were left to js-yaml");
});

Deno.test("parseBlockDocument() gives up on what it does not handle", () => {
  for (
    const text of [
      "a: &x 1\n",
      "a: *x\n",
      "a: !!int 1\n",
      "a: {b: 1}\n",
      "a: >\n  folded\n",
      "a: |+\n  kept\n",
      "<<: {}\n",
      "a: 1\na: 2\n",
      "a: b\n  c\n",
      "a:\tb\n",
      "a: 1 # comment\n",
      "just a string\n",
    ]
  ) {
    assert.throws(() => parseBlockDocument(text), Unsupported, JSON.stringify(text));
  }
});

/** A small deterministic PRNG (mulberry32). */
function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const INSERTS = [
  " ",
  "  ",
  "-",
  "- ",
  ":",
  ": ",
  "#",
  " #",
  "'",
  '"',
  "\n",
  "|",
  "|-",
  "{",
  "}",
  "[",
  "]",
  ",",
  "&",
  "*",
  "!",
  "\\",
  "0",
  "a",
  "\t",
  "---",
  "...",
  "~",
  "?",
  "%",
  ">",
  "\r",
];

function mutate(text: string, rnd: () => number): string {
  const lines = text.split("\n");
  const ops = 1 + Math.floor(rnd() * 3);
  for (let n = 0; n < ops && lines.length > 0; n++) {
    const i = Math.floor(rnd() * lines.length);
    const l = lines[i];
    const at = Math.floor(rnd() * (l.length + 1));
    switch (Math.floor(rnd() * 7)) {
      case 0:
        lines[i] = l.slice(0, at) + l.slice(at + 1);
        break;
      case 1:
        lines[i] = l.slice(0, at) + INSERTS[Math.floor(rnd() * INSERTS.length)] + l.slice(at);
        break;
      case 2:
        lines.splice(i, 0, l);
        break;
      case 3:
        lines[i] = " ".repeat(1 + Math.floor(rnd() * 2)) + l;
        break;
      case 4:
        lines[i] = l.replace(/^ {1,2}/, "");
        break;
      case 5:
        if (i + 1 < lines.length) [lines[i], lines[i + 1]] = [lines[i + 1], l];
        break;
      default:
        lines.splice(i, 1);
    }
  }
  return lines.join("\n");
}

Deno.test("parseBlockDocument() agrees with js-yaml or gives up on 6000 mutated documents", () => {
  const rnd = prng(20261130);
  let same = 0;
  let unsupported = 0;
  for (let n = 0; n < 6000; n++) {
    const base = CORPUS[Math.floor(rnd() * CORPUS.length)];
    if (assertAgrees(mutate(base, rnd)) === "same") same++;
    else unsupported++;
  }
  assert.ok(same > 500 && unsupported > 500, `same ${same}, unsupported ${unsupported}`);
});

const SCALARS: unknown[] = [
  0,
  -1,
  1.5,
  1e21,
  -0.25,
  true,
  false,
  null,
  "",
  "x",
  "yes",
  "No",
  "on",
  "0x1F",
  "1e3",
  "1_0",
  "012",
  ".5",
  "-",
  "- a",
  "-a",
  ":",
  ":a",
  "a: b",
  "a:b",
  "#x",
  "a #b",
  "a#b",
  " lead",
  "trail ",
  "multi\nline",
  "multi\nline\n",
  "\n\nlead blank",
  "a\n\n",
  "tab\there",
  "'q'",
  '"dq"',
  'k:{"a":1}',
  "null",
  "~",
  "True",
  "2026-01-01",
  "10.0.0.1",
  "é",
  "[x]",
  "{y}",
  "*a",
  "&b",
  "!c",
  "|",
  ">",
  "%d",
  "@e",
  "`f",
  "? g",
  "back\\slash",
  'quote"mid',
  "it's",
];

function randomValue(rnd: () => number, depth: number): unknown {
  const r = rnd();
  if (depth > 3 || r < 0.45) return SCALARS[Math.floor(rnd() * SCALARS.length)];
  const n = Math.floor(rnd() * 4);
  if (r < 0.7) return Array.from({ length: n }, () => randomValue(rnd, depth + 1));
  const o: Record<string, unknown> = {};
  for (let i = 0; i < n; i++) {
    const k = rnd() < 0.8 ? `k${Math.floor(rnd() * 6)}` : String(SCALARS[Math.floor(rnd() * 20)]);
    o[k] = randomValue(rnd, depth + 1);
  }
  return o;
}

Deno.test("parseBlockDocument() agrees with js-yaml or gives up on 3000 random trees, as written by kubectl and by js-yaml", () => {
  const rnd = prng(7);
  let same = 0;
  for (let n = 0; n < 3000; n++) {
    const tree = { root: randomValue(rnd, 0), other: randomValue(rnd, 1) };
    const texts = [
      toKubectlYaml(tree),
      yaml.dump(tree, { indent: 1 + Math.floor(rnd() * 4), noArrayIndent: rnd() < 0.5 }),
    ];
    for (const text of texts) {
      if (assertAgrees(text) === "same") same++;
      assertAgrees(mutate(text, rnd));
    }
  }
  assert.ok(same > 1000, `only ${same} documents took the fast path`);
});
