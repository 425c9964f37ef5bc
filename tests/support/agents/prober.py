#!/usr/bin/env python3
"""Probe agent for the network-namespace test harness.

Runs inside the source namespace and performs every attempt of one probe in a
single process, printing JSON. Each attempt yields one of:

    {"kind":"ok","pod":NAME|null,"src":IP,"port":N,"dst":IP,"sport":N,"ms":T,"reply":{...}}
    {"kind":"refused","reason":"ECONNREFUSED"|"EHOSTUNREACH","sport":N,"ms":T}
    {"kind":"timeout","sport":N,"ms":T[,"reason":"EPERM"]}
    {"kind":"error","message":TEXT,"ms":T}

"refused" covers TCP RST, ICMP port-unreachable (ECONNREFUSED) and ICMP
admin/host-prohibited (EHOSTUNREACH, a "fatal" ICMP error for TCP and for
connected UDP sockets). "timeout" covers silent drops; a local netfilter drop
of our own output (EPERM from send) is also reported as "timeout" with
reason "EPERM", because it is a drop, not a reject.

Why Python and not Deno: Deno has no connected UDP sockets, so it cannot see
the ICMP port-unreachable that makes a connected socket fail with
ECONNREFUSED; it has no SCTP either.

Usage:
    prober.py SPEC_JSON              batch: prints a JSON array of results
    prober.py --session SPEC_JSON    one attempt per stdin line, same source port,
                                     one JSON result per stdout line
    prober.py --check-sctp           prints {"sctp":true|false,"error":...}
SPEC_JSON keys: to, port, proto (tcp|udp|sctp), count, timeoutMs, intervalMs,
sameSourcePort, srcPort, srcIp, payload.
"""

import errno
import json
import select
import socket
import sys
import time

REFUSED = {errno.ECONNREFUSED: "ECONNREFUSED", errno.EHOSTUNREACH: "EHOSTUNREACH"}


def now_ms(t0):
    return round((time.monotonic() - t0) * 1000, 1)


def classify(err, t0, sport):
    if isinstance(err, socket.timeout):
        return {"kind": "timeout", "sport": sport, "ms": now_ms(t0)}
    code = getattr(err, "errno", None)
    if code in REFUSED:
        return {"kind": "refused", "reason": REFUSED[code], "sport": sport, "ms": now_ms(t0)}
    if code == errno.EPERM:
        return {"kind": "timeout", "reason": "EPERM", "sport": sport, "ms": now_ms(t0)}
    name = errno.errorcode.get(code, "") if code is not None else ""
    return {"kind": "error", "message": ("%s %s" % (name, err)).strip(), "ms": now_ms(t0)}


def parse_reply(data, t0, sport):
    text = data.decode("utf-8", "replace").strip()
    try:
        reply = json.loads(text.splitlines()[0] if text else "")
    except ValueError:
        reply = None
    if isinstance(reply, dict):
        return {"kind": "ok", "pod": reply.get("pod"), "src": reply.get("src"),
                "port": reply.get("port"), "dst": reply.get("dst"), "sport": sport,
                "ms": now_ms(t0), "reply": reply}
    return {"kind": "ok", "pod": None, "src": None, "port": None, "sport": sport,
            "ms": now_ms(t0), "raw": text}


class Prober:
    def __init__(self, spec):
        self.to = spec["to"]
        self.port = int(spec["port"])
        self.proto = spec.get("proto", "tcp")
        self.timeout = float(spec.get("timeoutMs", 800)) / 1000.0
        self.same = bool(spec.get("sameSourcePort", False))
        self.src_port = int(spec.get("srcPort") or 0)
        self.src_ip = spec.get("srcIp") or ""
        self.payload = (spec.get("payload") or "probe") + "\n"
        self.family = socket.AF_INET6 if ":" in self.to else socket.AF_INET
        self.udp_sock = None

    def _bind(self, sock):
        if self.src_port or self.src_ip:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((self.src_ip, self.src_port))

    def attempt(self, timeout=None):
        timeout = self.timeout if timeout is None else timeout
        if self.proto == "udp":
            return self._udp(timeout)
        return self._stream(timeout, socket.IPPROTO_SCTP if self.proto == "sctp" else 0)

    def _stream(self, timeout, ipproto):
        t0 = time.monotonic()
        sport = None
        try:
            sock = socket.socket(self.family, socket.SOCK_STREAM, ipproto)
        except OSError as err:
            return classify(err, t0, sport)
        try:
            if self.same:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\1\0\0\0\0\0\0\0")
            self._bind(sock)
            sock.settimeout(timeout)
            sock.connect((self.to, self.port))
            sport = sock.getsockname()[1]
            if self.same and not self.src_port:
                self.src_port = sport
            sock.sendall(self.payload.encode())
            data = b""
            while b"\n" not in data:
                left = timeout - (time.monotonic() - t0)
                if left <= 0:
                    raise socket.timeout()
                sock.settimeout(left)
                chunk = sock.recv(4096)
                if not chunk:
                    break
                data += chunk
            if not data:
                return {"kind": "error", "message": "connection closed without answer",
                        "sport": sport, "ms": now_ms(t0)}
            return parse_reply(data, t0, sport)
        except OSError as err:
            if sport is None:
                try:
                    sport = sock.getsockname()[1] or None
                except OSError:
                    pass
            return classify(err, t0, sport)
        finally:
            sock.close()

    def _udp(self, timeout):
        t0 = time.monotonic()
        sport = None
        try:
            sock = self.udp_sock
            if sock is None:
                sock = socket.socket(self.family, socket.SOCK_DGRAM)
                self._bind(sock)
                sock.connect((self.to, self.port))
                if self.same:
                    self.udp_sock = sock
            sport = sock.getsockname()[1]
            # Forget errors and late answers left over from earlier attempts.
            sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            while select.select([sock], [], [], 0)[0]:
                try:
                    sock.recv(65535)
                except OSError:
                    sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            sock.settimeout(timeout)
            sock.send(self.payload.encode())
            data = sock.recv(65535)
            return parse_reply(data, t0, sport)
        except OSError as err:
            return classify(err, t0, sport)
        finally:
            if self.udp_sock is None and "sock" in locals() and sock is not None:
                sock.close()


def batch(spec):
    prober = Prober(spec)
    count = int(spec.get("count", 1))
    interval = float(spec.get("intervalMs", 0)) / 1000.0
    results = []
    for i in range(count):
        if i and interval:
            time.sleep(interval)
        results.append(prober.attempt())
    return results


def session(spec):
    prober = Prober(dict(spec, sameSourcePort=True))
    sys.stdout.write(json.dumps({"ready": True}) + "\n")
    sys.stdout.flush()
    for line in sys.stdin:
        req = json.loads(line) if line.strip() else {}
        timeout = req.get("timeoutMs")
        result = prober.attempt(None if timeout is None else float(timeout) / 1000.0)
        sys.stdout.write(json.dumps(result) + "\n")
        sys.stdout.flush()


def check_sctp():
    try:
        socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_SCTP).close()
        return {"sctp": True}
    except OSError as err:
        return {"sctp": False, "error": str(err)}


def main(argv):
    if argv[:1] == ["--check-sctp"]:
        print(json.dumps(check_sctp()))
    elif argv[:1] == ["--session"]:
        session(json.loads(argv[1]))
    else:
        print(json.dumps(batch(json.loads(argv[0]))))


if __name__ == "__main__":
    main(sys.argv[1:])
