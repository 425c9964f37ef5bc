import { strict as assert } from "node:assert";
import { deleteLine, parseConntrackList } from "../../../src/conntrack/exec_conntrack.ts";

// `conntrack -L -f ipv4 -p 17 -o extended,id` and the IPv6 equivalent, as conntrack 1.4.7 prints.
const LISTING =
  `ipv4     2 udp      17 28 src=10.244.1.50 dst=10.96.0.10 sport=40000 dport=53 src=10.244.1.11 dst=10.244.1.50 sport=5353 dport=40000 mark=0 use=1 id=3812763581
ipv4     2 udp      17 99 src=10.1.1.1 dst=10.96.0.10 sport=1 dport=53 [UNREPLIED] src=10.244.1.5 dst=10.1.1.1 sport=53 dport=1 mark=0 zone=7 use=1 id=2597347350
ipv6     10 udp      17 29 src=2001:db8:244:1::50 dst=fd00:10:96::a sport=5000 dport=53 src=2001:db8:244:1::11 dst=2001:db8:244:1::50 sport=53 dport=5000 [ASSURED] mark=0 use=1 id=1
conntrack v1.4.7 (conntrack-tools): 3 flow entries have been shown.
`;

Deno.test("parseConntrackList() reads tuples, zone and id of every entry", () => {
  const flows = parseConntrackList(LISTING);
  assert.equal(flows.length, 3);
  assert.deepEqual(flows[0], {
    family: 4,
    proto: 17,
    orig: { src: "10.244.1.50", dst: "10.96.0.10", sport: 40000, dport: 53 },
    reply: { src: "10.244.1.11", dst: "10.244.1.50", sport: 5353, dport: 40000 },
    zone: 0,
    id: 3812763581,
  });
  assert.equal(flows[1].zone, 7);
  assert.equal(flows[2].family, 6);
  assert.equal(flows[2].reply.src, "2001:db8:244:1::11");
});

Deno.test("deleteLine() names the exact entry, with its zone", () => {
  const [a, b] = parseConntrackList(LISTING);
  assert.equal(deleteLine(a), "-D -p 17 -s 10.244.1.50 -d 10.96.0.10 --sport 40000 --dport 53");
  assert.match(deleteLine(b), / -w 7$/);
});
