import assert from "node:assert/strict";
import { listTables, parseTableObjects, tableObjects } from "../../../src/nft/kernel_objects.ts";
import { FakeNftRunner } from "../../../src/nft/fake_nft_runner.ts";
import { NftError } from "../../../src/nft/nft_runner.ts";
import { newPlan } from "../../fixtures/unit/builders.ts";

// As nft 1.0.6 prints them (captured in a namespace holding the proxy's tables and another one).
const CHAINS = `table ip kube-nft-proxy {
	chain filter-prerouting {
		type filter hook prerouting priority dstnat - 10; policy accept;
	}
	chain nat-prerouting {
		type nat hook prerouting priority dstnat; policy accept;
	}
	chain services {
	}
	chain aff-default/a/tcp/http-to-0af4010a-8080 {
	}
}
table ip other {
	chain c {
	}
}
`;
const SETS = `table ip kube-nft-proxy {
	set service-cidrs {
		type ipv4_addr
		flags interval
		auto-merge
	}
	set aff-default/a/tcp/http-ep-0af4010a-8080 {
		type ipv4_addr
		size 65536
		flags dynamic,timeout
	}
}
table ip other {
	set s {
		type ipv4_addr
	}
}
`;
const MAPS = `table ip kube-nft-proxy {
	map service-ips {
		type ipv4_addr . inet_proto . inet_service : verdict
	}
	map endpoints {
		typeof ip daddr . meta l4proto . th dport . numgen random mod 1 : ip daddr . th dport
	}
}
table ip other {
}
`;

Deno.test("parseTableObjects() reads the objects of one table from nft's terse listings", () => {
  const objects = parseTableObjects(CHAINS + SETS + MAPS, "ip", "kube-nft-proxy");
  assert.deepEqual([...objects], [
    ["filter-prerouting", "chain"],
    ["nat-prerouting", "chain"],
    ["services", "chain"],
    ["aff-default/a/tcp/http-to-0af4010a-8080", "chain"],
    ["service-cidrs", "set"],
    ["aff-default/a/tcp/http-ep-0af4010a-8080", "set"],
    ["service-ips", "map"],
    ["endpoints", "map"],
  ]);
  assert.deepEqual([...parseTableObjects(CHAINS + SETS, "ip", "other")], [["c", "chain"], [
    "s",
    "set",
  ]]);
  assert.equal(parseTableObjects(CHAINS, "ip6", "kube-nft-proxy").size, 0, "another family");
  assert.equal(parseTableObjects("", "ip", "kube-nft-proxy").size, 0);
});

Deno.test("listTables() reads every table's header from `nft list chains`", async () => {
  const nft = new FakeNftRunner();
  assert.deepEqual(await listTables(nft), new Set());
  nft.load("add table ip kube-nft-proxy\nadd table ip6 kube-nft-proxy\nadd table ip other");
  assert.deepEqual(
    await listTables(nft),
    new Set(["ip kube-nft-proxy", "ip6 kube-nft-proxy", "ip other"]),
  );
});

Deno.test("tableObjects() lists a table's chains, sets and maps, or says the table is absent", async () => {
  const nft = new FakeNftRunner();
  assert.equal(await tableObjects(nft, "ip", "kube-nft-proxy"), undefined);
  const plan = newPlan();
  nft.load(plan.fullScript().text);
  const objects = (await tableObjects(nft, "ip6", "kube-nft-proxy"))!;
  const want = plan.families[1].skeleton;
  for (const b of want.baseChains) assert.equal(objects.get(b.name), "chain", b.name);
  for (const c of want.chains.keys()) assert.equal(objects.get(c), "chain", c);
  for (const [name, decl] of want.sets) assert.equal(objects.get(name), decl.split(" ")[0], name);
  assert.equal(objects.size, want.baseChains.length + want.chains.size + want.sets.size);
  assert.deepEqual(
    nft.calls.map((c) => c.text).slice(-3),
    ["list chains ip6", "-t list sets ip6", "-t list maps ip6"],
    "terse listings only: no elements are read",
  );
});

Deno.test("tableObjects() never runs `nft list tables`, which fetches every element in nft 1.0.6", async () => {
  const nft = new FakeNftRunner();
  nft.load("add table ip kube-nft-proxy\nadd table ip other\n");
  const objects = await tableObjects(nft, "ip", "kube-nft-proxy");
  assert.deepEqual(objects && [...objects], [], "an empty table exists, with no objects");
  assert.equal(await tableObjects(nft, "ip6", "kube-nft-proxy"), undefined);
  assert.deepEqual(
    nft.calls.filter((c) => c.text.startsWith("list") || c.text.startsWith("-t")).map((c) =>
      c.text
    ),
    ["list chains ip", "-t list sets ip", "-t list maps ip", "list chains ip6"],
  );
});

Deno.test("tableObjects() passes on a listing failure", async () => {
  const failing = {
    apply: () => Promise.resolve(),
    check: () => Promise.resolve(),
    run: () =>
      Promise.reject(
        new NftError("nft list tables failed", "Error: Operation not permitted", new Map()),
      ),
  };
  await assert.rejects(
    tableObjects(failing, "ip", "kube-nft-proxy"),
    /Operation not permitted|failed/,
  );
});
