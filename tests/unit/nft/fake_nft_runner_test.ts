import assert from "node:assert/strict";
import { FakeNftError, FakeNftRunner } from "../../../src/nft/fake_nft_runner.ts";
import { parseTableObjects } from "../../../src/nft/kernel_objects.ts";
import { NftError } from "../../../src/nft/nft_runner.ts";
import { canUseNetns, withNetns } from "../../fixtures/unit/scratch_netns.ts";
import {
  addToPlan,
  endpoint,
  newPlan,
  OTHER,
  service,
  slice,
} from "../../fixtures/unit/builders.ts";
import { replacingScript } from "../../fixtures/unit/fake_kernel.ts";

const BLOCK = `table ip t {
	comment "test table"
	set s { type ipv4_addr; }
	map vm { type ipv4_addr . inet_proto . inet_service : verdict; }
	map data { typeof ip daddr . th dport . numgen random mod 1 : ip daddr . th dport; }
	set iv { type ipv4_addr . inet_proto . inet_service . ipv4_addr; flags interval; }
	set am { type ipv4_addr; flags interval; auto-merge; }
	set dyn { type ipv4_addr; flags dynamic,timeout; size 100; }
	chain pre {
		type nat hook prerouting priority -100; policy accept;
		jump a
	}
	chain a {
		ip daddr . meta l4proto . th dport vmap @vm
	}
	chain b {
		update @dyn { ip saddr timeout 10s }
	}
	chain c {
	}
}
`;

function loaded(): FakeNftRunner {
  const nft = new FakeNftRunner();
  nft.load(BLOCK);
  return nft;
}

/** Runs `script` on the fake and returns the errno it failed with, or "ok". */
function outcome(nft: FakeNftRunner, script: string): string {
  try {
    nft.load(script);
    return "ok";
  } catch (e) {
    assert.ok(e instanceof FakeNftError, String(e));
    return e.errno;
  }
}

Deno.test("FakeNftRunner loads a table block: sets before chains, forward jumps allowed", () => {
  const nft = loaded();
  const t = nft.table("ip", "t")!;
  assert.equal(t.comment, "test table");
  assert.deepEqual([...t.chains.keys()], ["pre", "a", "b", "c"]);
  assert.equal(
    t.chains.get("pre")!.header,
    "type nat hook prerouting priority -100; policy accept;",
  );
  assert.deepEqual(nft.rules("ip", "t", "pre"), ["jump a"]);
  assert.equal(t.sets.get("vm")!.kind, "map");
  assert.equal(t.sets.get("dyn")!.declaration, "type ipv4_addr; size 100; flags dynamic,timeout;");
  assert.deepEqual(nft.tableNames(), ["ip t"]);
});

Deno.test("FakeNftRunner.dump() sorts objects and elements, so creation order does not matter", () => {
  const a = new FakeNftRunner(), b = new FakeNftRunner();
  a.load("add table ip t\nadd chain ip t z\nadd chain ip t a\nadd set ip t s { type ipv4_addr; }");
  a.load("add element ip t s { 10.0.0.2, 10.0.0.1 }");
  b.load("add table ip t\nadd set ip t s { type ipv4_addr; }\nadd chain ip t a\nadd chain ip t z");
  b.load("add element ip t s { 10.0.0.1 }\nadd element ip t s { 10.0.0.2 }");
  assert.equal(a.dump(), b.dump());
  assert.equal(
    a.dump(),
    "table ip t {\n\tset s {\n\t\ttype ipv4_addr\n\t\telements = { 10.0.0.1,\n\t\t\t     10.0.0.2 }\n" +
      "\t}\n\tchain a {\n\t}\n\tchain z {\n\t}\n}\n",
  );
});

Deno.test("FakeNftRunner applies a script atomically: a failing line leaves nothing behind", async () => {
  const nft = loaded();
  const before = nft.dump();
  await assert.rejects(
    nft.apply("add element ip t s { 10.0.0.7 }\nadd chain ip t new\nadd rule ip t c jump nope\n"),
    (e: unknown) => e instanceof FakeNftError && e.errno === "ENOENT" && e.line === 3,
  );
  assert.equal(nft.dump(), before);
  assert.deepEqual(nft.applied, []);
  assert.equal(nft.calls.length, 1);
  assert.ok(nft.calls[0].error instanceof NftError);
});

Deno.test("FakeNftRunner.check() validates a script without changing the state", async () => {
  const nft = loaded();
  const before = nft.dump();
  await nft.check("add element ip t s { 10.0.0.7 }\n");
  assert.equal(nft.dump(), before);
  await assert.rejects(nft.check("delete chain ip t a\n"), /Device or resource busy/);
  assert.deepEqual(nft.calls.map((c) => c.kind), ["check", "check"]);
});

Deno.test("FakeNftRunner refuses a map key present with another value, and accepts the same element", () => {
  const nft = loaded();
  assert.equal(outcome(nft, "add element ip t vm { 10.0.0.1 . tcp . 80 : goto b }"), "ok");
  assert.equal(outcome(nft, "add element ip t vm { 10.0.0.1 . tcp . 80 : goto b }"), "ok");
  assert.equal(outcome(nft, "add element ip t vm { 10.0.0.1 . tcp . 80 : goto c }"), "EEXIST");
  assert.equal(outcome(nft, "add element ip t data { 10.0.0.1 . 80 . 0 : 10.0.0.9 . 8080 }"), "ok");
  assert.equal(
    outcome(nft, "add element ip t data { 10.0.0.1 . 80 . 0 : 10.0.0.8 . 8080 }"),
    "EEXIST",
  );
  assert.deepEqual([...nft.elements("ip", "t", "vm")], [["10.0.0.1 . tcp . 80", "goto b"]]);
});

Deno.test("FakeNftRunner refuses to delete or flush what is absent (ENOENT)", () => {
  const nft = loaded();
  for (
    const script of [
      "delete element ip t s { 10.9.9.9 }",
      "delete chain ip t nope",
      "flush chain ip t nope",
      "delete set ip t nope",
      "flush map ip t s",
      "delete table ip nope",
      "add chain ip nope c",
    ]
  ) assert.equal(outcome(nft, script), "ENOENT", script);
});

Deno.test("FakeNftRunner refuses to delete a chain or set still in use (EBUSY), and allows it once released", () => {
  const nft = loaded();
  nft.load("add element ip t vm { 10.0.0.1 . tcp . 80 : goto b }");
  assert.equal(outcome(nft, "delete chain ip t b"), "EBUSY", "named by a verdict-map element");
  assert.equal(outcome(nft, "delete chain ip t a"), "EBUSY", "jumped to from a rule");
  assert.equal(outcome(nft, "delete set ip t dyn"), "EBUSY", "updated from a rule");
  assert.equal(outcome(nft, "delete map ip t vm"), "EBUSY", "looked up from a rule");
  // A chain's own rules do not hold it: deleting a non-empty chain is allowed.
  assert.equal(
    outcome(nft, "delete element ip t vm { 10.0.0.1 . tcp . 80 }\ndelete chain ip t b"),
    "ok",
  );
  assert.equal(outcome(nft, "delete set ip t dyn"), "ok");
  assert.equal(outcome(nft, "flush chain ip t pre\ndelete chain ip t a"), "ok");
});

Deno.test("FakeNftRunner lets rules and verdicts name only existing chains and sets, never a base chain", () => {
  const nft = loaded();
  assert.equal(outcome(nft, "add rule ip t c jump nope"), "ENOENT");
  assert.equal(outcome(nft, "add rule ip t c ip saddr @nope accept"), "ENOENT");
  assert.equal(outcome(nft, "add rule ip t nope accept"), "ENOENT");
  assert.equal(outcome(nft, "add element ip t vm { 10.0.0.2 . tcp . 80 : goto nope }"), "ENOENT");
  assert.equal(outcome(nft, "add rule ip t c jump pre"), "EOPNOTSUPP");
  assert.equal(
    outcome(nft, "add element ip t vm { 10.0.0.2 . tcp . 80 : goto pre }"),
    "EOPNOTSUPP",
  );
  assert.equal(
    outcome(nft, "add rule ip t c numgen random mod 2 vmap { 0 : goto a, 1 : goto b }"),
    "ok",
  );
  assert.equal(outcome(nft, "delete chain ip t b"), "EBUSY", "an anonymous vmap holds its chains");
});

Deno.test("FakeNftRunner checks the arity of keys and values", () => {
  const nft = loaded();
  assert.equal(outcome(nft, "add element ip t s { 10.0.0.1 . 10.0.0.2 }"), "EOPNOTSUPP");
  assert.equal(outcome(nft, "add element ip t vm { 10.0.0.1 . tcp : goto b }"), "EOPNOTSUPP");
  assert.equal(
    outcome(nft, "add element ip t data { 10.0.0.1 . 80 . 0 : 10.0.0.9 }"),
    "EOPNOTSUPP",
  );
  assert.equal(outcome(nft, "add element ip t vm { 10.0.0.1 . tcp . 80 }"), "EINVAL");
  assert.equal(outcome(nft, "add element ip t s { 10.0.0.1 : accept }"), "EINVAL");
});

Deno.test("FakeNftRunner refuses overlapping intervals, per field of a concatenation", () => {
  const nft = loaded();
  const add = (e: string) => outcome(nft, `add element ip t iv { ${e} }`);
  assert.equal(add("1.2.3.4 . tcp . 80 . 10.0.0.0/8"), "ok");
  assert.equal(add("1.2.3.4 . tcp . 80 . 10.1.0.0/16"), "EEXIST", "inside another range");
  assert.equal(add("1.2.3.4 . tcp . 80 . 0.0.0.0/0"), "EEXIST", "covering another range");
  assert.equal(add("1.2.3.4 . tcp . 80 . 10.0.0.0/8"), "ok", "the same range again");
  assert.equal(add("1.2.3.4 . tcp . 80 . 10.9.9.9/8"), "ok", "host bits are cleared");
  assert.equal(add("1.2.3.4 . tcp . 80 . 11.0.0.0/8"), "ok", "adjacent");
  assert.equal(add("1.2.3.4 . tcp . 81 . 10.1.0.0/16"), "ok", "another port");
  assert.equal(add("1.2.3.5 . tcp . 80 . 10.1.0.0/16"), "ok", "another address");
  assert.equal(add("1.2.3.4 . udp . 80 . 10.0.0.1"), "ok", "another protocol, a bare address");
  assert.equal(add("1.2.3.4 . udp . 80 . 10.0.0.1/32"), "ok", "the same single address");
  assert.equal(
    outcome(nft, "delete element ip t iv { 1.2.3.4 . tcp . 80 . 10.0.0.0/9 }"),
    "ENOENT",
  );
  assert.equal(outcome(nft, "delete element ip t iv { 1.2.3.4 . tcp . 80 . 10.0.0.0/8 }"), "ok");
  assert.equal(add("1.2.3.4 . tcp . 80 . 10.1.0.0/16"), "ok", "free again");
});

Deno.test("FakeNftRunner merges overlapping and adjacent intervals of an auto-merge set", () => {
  const nft = loaded();
  nft.load("add element ip t am { 10.0.0.0/16, 10.0.0.0/8, 11.0.0.0/8, 192.168.1.1/16 }");
  assert.deepEqual([...nft.elements("ip", "t", "am").keys()].sort(), [
    "10.0.0.0/7",
    "192.168.0.0/16",
  ]);
  assert.equal(outcome(nft, "delete element ip t am { 10.0.0.0/8 }"), "ENOENT");
  nft.load("add element ip t am { 12.0.0.0/8 }");
  assert.ok(nft.elements("ip", "t", "am").has("10.0.0.0-12.255.255.255"));
  nft.load("add table ip6 t\nadd set ip6 t am { type ipv6_addr; flags interval; auto-merge; }");
  nft.load("add element ip6 t am { fd00::/64, fd00:0:0:1::/64, fd00:0:0:3::/64 }");
  assert.deepEqual([...nft.elements("ip6", "t", "am").keys()].sort(), [
    "fd00:0:0:3::/64",
    "fd00::/63",
  ]);
});

Deno.test("FakeNftRunner redeclares a set with another size as a no-op, with other flags as EEXIST", () => {
  const nft = loaded();
  assert.equal(
    outcome(nft, "add set ip t dyn { type ipv4_addr; flags dynamic,timeout; size 7; }"),
    "ok",
  );
  assert.match(nft.table("ip", "t")!.sets.get("dyn")!.declaration, /size 100/);
  assert.equal(outcome(nft, "add set ip t dyn { type ipv4_addr; flags dynamic; }"), "EEXIST");
  assert.equal(outcome(nft, "add map ip t s { type ipv4_addr : verdict; }"), "EEXIST");
  assert.equal(outcome(nft, "add chain ip t a"), "ok", "add of an existing chain keeps its rules");
  assert.deepEqual(nft.rules("ip", "t", "a"), ["ip daddr . meta l4proto . th dport vmap @vm"]);
});

Deno.test("FakeNftRunner reports syntax outside the planner's grammar with the failing line", async () => {
  const nft = new FakeNftRunner();
  for (
    const [script, line] of [
      ["add table ip t\nadd tabel ip t2\n", 2],
      ["table ip t {\n\tset s { type ipv4_addr; color blue; }\n}\n", 2],
      [
        "table ip t {\n\tchain c {\n\t\taccept\n\t\ttype filter hook input priority 0; policy accept;\n\t}\n}",
        4,
      ],
      ["table inet t {\n}\n", 1],
      ["add element ip t s { a, , b }\n", 1],
      ["table ip t {\n\tchain c {\n", 2],
    ] as const
  ) {
    const err = await nft.apply(script).then(() => undefined, (e) => e);
    assert.ok(err instanceof FakeNftError && err.errno === "syntax", `${script}: ${err}`);
    assert.equal(err.line, line, script);
    assert.deepEqual([...err.failingLines.keys()], [line]);
    assert.match(err.stderr, new RegExp(`^/dev/stdin:${line}:\\d+-\\d+: Error: syntax error`));
  }
  assert.deepEqual(nft.tableNames(), []);
});

Deno.test("FakeNftRunner lists tables, chains, sets and maps as nft prints them", async () => {
  const nft = loaded();
  nft.load("add table ip6 t\nadd chain ip6 t x\nadd table ip other\nadd chain ip other y");
  assert.equal(await nft.run(["list", "tables"]), "table ip t\ntable ip6 t\ntable ip other\n");
  assert.equal(await nft.run(["list", "tables", "ip6"]), "table ip6 t\n");
  const chains = await nft.run(["list", "chains", "ip"]);
  assert.match(
    chains,
    /^table ip t \{\n\tchain pre \{\n\t\ttype nat hook prerouting priority -100; policy accept;\n\t\}\n\tchain a \{\n\t\}\n/,
  );
  assert.doesNotMatch(chains, /jump a/, "no rules in a chain listing");
  assert.deepEqual(
    [...parseTableObjects(chains, "ip", "t")],
    [["pre", "chain"], ["a", "chain"], ["b", "chain"], ["c", "chain"]],
  );
  nft.load("add element ip t s { 10.0.0.1 }");
  const sets = await nft.run(["-t", "list", "sets", "ip"]);
  assert.deepEqual([...parseTableObjects(sets, "ip", "t").keys()], ["s", "iv", "am", "dyn"]);
  assert.doesNotMatch(sets, /elements/, "terse: no elements");
  assert.match(await nft.run(["list", "sets", "ip"]), /elements = \{ 10\.0\.0\.1 \}/);
  assert.deepEqual(
    [...parseTableObjects(await nft.run(["-t", "list", "maps", "ip"]), "ip", "t")],
    [["vm", "map"], ["data", "map"]],
  );
  assert.equal(await nft.run(["list", "ruleset"]), nft.dump());
  assert.match(await nft.run(["list", "table", "ip6", "t"]), /^table ip6 t \{\n\tchain x/);
  await assert.rejects(nft.run(["list", "table", "ip6", "nope"]), /No such file or directory/);
  await assert.rejects(nft.run(["list", "chains", "inet"]), /syntax error/);
  await assert.rejects(nft.run(["flush", "ruleset"]), /syntax error/);
  assert.equal(nft.calls.at(-1)!.text, "flush ruleset");
});

Deno.test("FakeNftRunner reproduces nft 1.0.6's typeof bug unless told not to", () => {
  const script = "add map ip t td { typeof ip daddr . th dport : ip daddr . th dport; }";
  const rule = "add rule ip t c meta l4proto tcp dnat ip to ip daddr . th dport map @td";
  const buggy = loaded();
  assert.equal(outcome(buggy, `${script}\n${rule}`), "ok", "the map is new in this transaction");
  assert.equal(outcome(buggy, rule), "NFT_TYPEOF", "the map comes from the kernel");
  assert.equal(outcome(buggy, "delete table ip t\n" + BLOCK + script + "\n" + rule), "ok");
  const fixed = new FakeNftRunner({ typeofBug: false });
  fixed.load(BLOCK + script);
  assert.equal(outcome(fixed, rule), "ok");
  assert.equal(outcome(fixed.clone(), rule), "ok", "clones keep the option");
});

Deno.test("FakeNftRunner.failWhen() fails matching applies and checks until cleared", async () => {
  const nft = new FakeNftRunner();
  nft.failWhen((script) => script.includes("bad"), "kernel says no");
  await nft.apply("add table ip good\n");
  await assert.rejects(nft.apply("add table ip bad\n"), /kernel says no/);
  await assert.rejects(nft.check("add table ip bad\n"), /kernel says no/);
  assert.deepEqual(await nft.run(["list", "tables"]), "table ip good\n", "listings never fail");
  nft.failWhen(undefined);
  await nft.apply("add table ip bad\n");
  assert.deepEqual(nft.applied, ["add table ip good\n", "add table ip bad\n"]);
});

/** Scripts and what the kernel answers, in order, against one namespace. */
const DIFFERENTIAL: [script: string, expected: string][] = [
  [BLOCK, "ok"],
  ["add element ip t vm { 10.0.0.1 . tcp . 80 : goto b }", "ok"],
  ["add element ip t vm { 10.0.0.1 . tcp . 80 : goto c }", "EEXIST"],
  ["add element ip t vm { 10.0.0.1 . tcp . 80 : goto b }", "ok"],
  ["delete chain ip t b", "EBUSY"],
  ["delete set ip t dyn", "EBUSY"],
  ["delete chain ip t a", "EBUSY"],
  ["delete element ip t s { 10.9.9.9 }", "ENOENT"],
  ["add rule ip t c jump nope", "ENOENT"],
  ["add rule ip t c ip saddr @nope accept", "ENOENT"],
  ["add element ip t vm { 10.0.0.2 . tcp . 80 : goto nope }", "ENOENT"],
  ["add rule ip t c jump pre", "EOPNOTSUPP"],
  [
    "add element ip t iv { 1.2.3.4 . tcp . 80 . 10.0.0.0/8, 1.2.3.4 . tcp . 81 . 10.1.0.0/16 }",
    "ok",
  ],
  ["add element ip t iv { 1.2.3.4 . tcp . 80 . 10.1.0.0/16 }", "EEXIST"],
  [
    "add element ip t iv { 1.2.3.4 . tcp . 80 . 11.0.0.0/8, 1.2.3.4 . tcp . 80 . 10.0.0.0/8 }",
    "ok",
  ],
  [
    "add element ip t s { 10.0.0.7 }\nadd element ip t vm { 10.0.0.2 . tcp . 80 : goto nope }",
    "ENOENT",
  ],
  ["delete element ip t s { 10.0.0.7 }", "ENOENT"], // the failed transaction left nothing behind
  ["add element ip t am { 10.0.0.0/16, 10.0.0.0/8, 11.0.0.0/8, 192.168.1.1/16 }", "ok"],
  ["delete element ip t am { 10.0.0.0/8 }", "ENOENT"],
  ["add element ip t data { 10.0.0.1 . 80 . 0 : 10.244.1.5 . 8080 }", "ok"],
  ["add element ip t data { 10.0.0.1 . 80 . 0 : 10.244.1.6 . 8080 }", "EEXIST"],
  ["add set ip t dyn { type ipv4_addr; flags dynamic; size 100; }", "EEXIST"],
  ["add set ip t dyn { type ipv4_addr; flags dynamic,timeout; size 7; }", "ok"],
  ["flush chain ip t pre\ndelete chain ip t a\nadd chain ip t a", "ok"],
  [
    "delete element ip t vm { 10.0.0.1 . tcp . 80 }\ndelete chain ip t b\ndelete set ip t dyn",
    "ok",
  ],
  // nft 1.0.6 cannot read back a `typeof` map whose data holds `th`: a later rule naming it fails.
  [
    "add rule ip t c meta l4proto tcp dnat ip to ip daddr . th dport . numgen random mod 2 map @data",
    "NFT_TYPEOF",
  ],
  [
    "add map ip t td { typeof ip daddr . th dport : ip daddr . th dport; }\nadd rule ip t c meta l4proto tcp dnat ip to ip daddr . th dport map @td",
    "ok",
  ],
  ["add rule ip t c meta l4proto tcp dnat ip to ip daddr . th dport map @td", "NFT_TYPEOF"],
  ["delete table ip nope", "ENOENT"],
  ["delete table ip t", "ok"],
];

Deno.test({
  name: "FakeNftRunner accepts and refuses the same scripts as nft in a network namespace",
  ignore: !canUseNetns("the fake nft differential test"),
  async fn() {
    await withNetns(async (_ns, real) => {
      const fake = new FakeNftRunner();
      for (const [script, expected] of DIFFERENTIAL) {
        const got = outcome(fake, script);
        const kernel = await real.apply(script + "\n").then(() => "ok", (e: NftError) => e.stderr);
        assert.equal(got, expected, `fake on ${script}`);
        assert.equal(kernel === "ok", expected === "ok", `kernel on ${script}: ${kernel}`);
      }
      // The planner's scripts: full, partial, garbage and in-place full, on both.
      const plan = newPlan();
      const web = (n: number) =>
        slice(
          "web",
          "w",
          [...Array(n)].map((_, i) =>
            endpoint(`10.244.${i % 2 + 1}.${i + 5}`, i % 2 ? OTHER : "node-a")
          ),
        );
      const lb = service("web", {
        type: "LoadBalancer",
        externalTrafficPolicy: "Local",
        sessionAffinity: "ClientIP",
        loadBalancerSourceRanges: ["203.0.113.0/24", "192.168.0.0/16"],
        ports: [{ name: "http", port: 80, nodePort: 30080 }],
      }, { status: { loadBalancer: { ingress: [{ ip: "198.51.100.1" }] } } });
      addToPlan(plan, lb, [web(3)]);
      addToPlan(plan, service("b", { clusterIP: "10.96.0.11" }), [
        slice("b", "b", [endpoint("10.244.1.9")]),
      ]);
      const scripts = [replacingScript(plan)];
      plan.applied("full");
      addToPlan(plan, lb, [web(1)]);
      addToPlan(plan, service("b", { clusterIP: "10.96.0.11", sessionAffinity: "ClientIP" }), [
        slice("b", "b", [endpoint("10.244.1.9"), endpoint("10.244.2.9", OTHER)]),
      ]);
      scripts.push(plan.partialScript().text);
      plan.applied("partial");
      scripts.push(plan.garbageScript().text);
      plan.applied("garbage");
      plan.removeService("default/b");
      scripts.push(plan.partialScript().text, plan.fullScript().text);
      for (const script of scripts) {
        fake.load(script);
        await real.apply(script);
        for (const family of ["ip", "ip6"] as const) {
          const listing = async (r: { run(a: string[]): Promise<string> }) =>
            [...parseTableObjects(
              (await r.run(["list", "chains", family])) +
                (await r.run(["-t", "list", "sets", family])) +
                (await r.run(["-t", "list", "maps", family])),
              family,
              "kube-nft-proxy",
            )].sort();
          assert.deepEqual(await listing(fake), await listing(real), `${family} objects`);
        }
      }
      // The dump is nft text that loads as it is.
      await real.apply("delete table ip kube-nft-proxy\ndelete table ip6 kube-nft-proxy\n");
      await real.apply(fake.dump());
    });
  },
});
