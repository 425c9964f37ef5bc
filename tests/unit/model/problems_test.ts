import assert from "node:assert/strict";
import {
  formatProblem,
  isDnsLabel,
  isDnsSubdomain,
  isPort,
  isPortName,
  parseProtocol,
  problemKind,
} from "../../../src/model/problems.ts";

Deno.test("formatProblem() names the object, the field and the reason on one line", () => {
  assert.equal(
    formatProblem({
      object: "Service default/web",
      field: "spec.ports[1].port",
      message: "port out of range: 70000",
    }),
    "Service default/web: spec.ports[1].port: port out of range: 70000",
  );
  assert.equal(
    formatProblem({ object: "Node worker-0", field: "", message: "not an object" }),
    "Node worker-0: (object): not an object",
  );
});

Deno.test("problemKind() takes the kind, else the object's first word, else Service", () => {
  assert.equal(problemKind({ kind: "Node", object: "Service x", field: "", message: "" }), "Node");
  assert.equal(
    problemKind({ object: "EndpointSlice default/web-1", field: "", message: "" }),
    "EndpointSlice",
  );
  assert.equal(
    problemKind({ object: "ServiceCIDR kubernetes", field: "", message: "" }),
    "ServiceCIDR",
  );
  assert.equal(problemKind({ object: "Pod default/x", field: "", message: "" }), "Service");
  assert.equal(problemKind({ object: "nameless", field: "", message: "" }), "Service");
});

Deno.test("isDnsLabel() and isDnsSubdomain() follow DNS-1123 with Kubernetes' lengths", () => {
  for (const ok of ["web", "a", "kube-dns", "a".repeat(63), "0abc"]) assert.ok(isDnsLabel(ok), ok);
  for (const bad of ["", "Web", "-web", "web-", "a.b", "a".repeat(64), 7, null]) {
    assert.ok(!isDnsLabel(bad), String(bad));
  }
  for (const ok of ["kube-dns-6xq2p", "worker-0.example.com", "a".repeat(253)]) {
    assert.ok(isDnsSubdomain(ok), ok);
  }
  for (const bad of ["", "a..b", ".a", "a.", "A.b", "a".repeat(254), "a_b"]) {
    assert.ok(!isDnsSubdomain(bad), bad);
  }
});

Deno.test("isPortName() wants an IANA service name: a letter, no '--', at most 15", () => {
  for (const ok of ["http", "dns-tcp", "h2c", "a".repeat(15)]) assert.ok(isPortName(ok), ok);
  for (const bad of ["", "80", "HTTP", "a--b", "-http", "a".repeat(16), 80]) {
    assert.ok(!isPortName(bad), String(bad));
  }
});

Deno.test("isPort() accepts integers 1..65535 only", () => {
  for (const ok of [1, 80, 65535]) assert.ok(isPort(ok));
  for (const bad of [0, 65536, -1, 80.5, "80", Number.NaN]) assert.ok(!isPort(bad), String(bad));
});

Deno.test("parseProtocol() reads TCP, UDP and SCTP as nft spells them, TCP by default", () => {
  assert.equal(parseProtocol("TCP"), "tcp");
  assert.equal(parseProtocol("UDP"), "udp");
  assert.equal(parseProtocol("SCTP"), "sctp");
  for (const absent of [undefined, null, ""]) assert.equal(parseProtocol(absent), "tcp");
  for (const bad of ["tcp", "ICMP", 6]) assert.equal(parseProtocol(bad), undefined, String(bad));
});
