#!/usr/bin/env python3
"""Echo-who-I-am server agent for the network-namespace test harness.

Runs inside one namespace (a pod, or a node for host-network endpoints) and
answers every TCP connection / UDP datagram / SCTP association with one line:

    {"pod":"NAME","msg":"Hello from pod: NAME","src":"<peer IP>","sport":<peer port>,
     "dst":"<local IP>","port":<local port>,"proto":"tcp"}

TCP and SCTP: the client may send a first line. If it looks like an HTTP
request, the answer is a tiny HTTP/1.0 response whose body is
"Hello from pod: NAME". Otherwise (or after 300 ms of silence) the JSON line
is sent and the connection is closed.

UDP replies are sent from the address the datagram was sent to (IP_PKTINFO),
so multi-address hosts answer correctly on connected client sockets.

Why Python and not Deno: Deno cannot open SCTP sockets, and replying from the
right source address needs IP_PKTINFO, which Deno's datagram API lacks.

Usage: server.py --name NAME [--tcp 80,8080] [--udp 53,5353] [--sctp 9999]
Prints one JSON line {"ready":true,...} once every socket is bound. Exits when
stdin reaches EOF (the harness died) or on SIGTERM.
"""

import argparse
import json
import os
import socket
import struct
import sys
import threading

IP_PKTINFO = getattr(socket, "IP_PKTINFO", 8)
HTTP_METHODS = (b"GET ", b"HEAD ", b"POST ", b"PUT ", b"DELETE ", b"OPTIONS ")


def norm(ip):
    """Strip the IPv4-mapped prefix so clients see plain dotted quads."""
    return ip[7:] if ip.startswith("::ffff:") and "." in ip else ip


def answer(name, proto, peer, local):
    return json.dumps({
        "pod": name,
        "msg": "Hello from pod: " + name,
        "src": norm(peer[0]),
        "sport": peer[1],
        "dst": norm(local[0]),
        "port": local[1],
        "proto": proto,
    }, separators=(",", ":")) + "\n"


def handle_stream(name, proto, conn, peer):
    try:
        local = conn.getsockname()
        conn.settimeout(0.3)
        first = b""
        try:
            while len(first) < 8192:
                if first.startswith(HTTP_METHODS):
                    if b"\r\n\r\n" in first:
                        break
                elif b"\n" in first:
                    break
                chunk = conn.recv(4096)
                if not chunk:
                    break
                first += chunk
        except (socket.timeout, OSError):
            pass
        line = answer(name, proto, peer, local)
        if first.startswith(HTTP_METHODS):
            body = ("Hello from pod: %s\n" % name).encode()
            head = ("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n"
                    "Content-Length: %d\r\nX-Pod: %s\r\nX-Source-Ip: %s\r\n"
                    "Connection: close\r\n\r\n") % (len(body), name, norm(peer[0]))
            if not first.startswith(b"HEAD "):
                head = head.encode() + body
            else:
                head = head.encode()
            conn.sendall(head)
        else:
            conn.sendall(line.encode())
    except OSError:
        pass
    finally:
        try:
            conn.close()
        except OSError:
            pass


def serve_stream(name, proto, sock):
    while True:
        try:
            conn, peer = sock.accept()
        except OSError:
            continue
        threading.Thread(target=handle_stream, args=(name, proto, conn, peer),
                         daemon=True).start()


def serve_udp(name, sock, family):
    while True:
        try:
            data, anc, _flags, peer = sock.recvmsg(65535, 256)
        except OSError:
            continue
        local_ip = None
        out_anc = []
        for level, kind, payload in anc:
            if family == socket.AF_INET and level == socket.IPPROTO_IP and kind == IP_PKTINFO:
                ifindex, spec_dst, addr = struct.unpack("I4s4s", payload[:12])
                local_ip = socket.inet_ntop(socket.AF_INET, addr)
                out_anc = [(socket.IPPROTO_IP, IP_PKTINFO, struct.pack("I4s4s", 0, addr, b"\0" * 4))]
            if family == socket.AF_INET6 and level == socket.IPPROTO_IPV6 \
                    and kind == socket.IPV6_PKTINFO:
                addr, ifindex = struct.unpack("16sI", payload[:20])
                local_ip = socket.inet_ntop(socket.AF_INET6, addr)
                out_anc = [(socket.IPPROTO_IPV6, socket.IPV6_PKTINFO, struct.pack("16sI", addr, 0))]
        local = (local_ip or sock.getsockname()[0], sock.getsockname()[1])
        line = answer(name, "udp", peer, local).encode()
        try:
            sock.sendmsg([line], out_anc, 0, peer)
        except OSError:
            pass


def bind(family, kind, proto, port):
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if family == socket.AF_INET6:
        sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    sock.bind(("::" if family == socket.AF_INET6 else "0.0.0.0", port))
    if kind == socket.SOCK_DGRAM:
        if family == socket.AF_INET:
            sock.setsockopt(socket.IPPROTO_IP, IP_PKTINFO, 1)
        else:
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_RECVPKTINFO, 1)
    else:
        sock.listen(128)
    return sock


def ports(text):
    return [int(p) for p in text.split(",") if p.strip()] if text else []


def watch_stdin():
    try:
        while sys.stdin.buffer.read(4096):
            pass
    except OSError:
        pass
    os._exit(0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--name", required=True)
    ap.add_argument("--tcp", default="")
    ap.add_argument("--udp", default="")
    ap.add_argument("--sctp", default="")
    args = ap.parse_args()
    families = [socket.AF_INET, socket.AF_INET6]
    threads = []
    report = {"ready": True, "name": args.name, "tcp": [], "udp": [], "sctp": []}
    for port in ports(args.tcp):
        for fam in families:
            s = bind(fam, socket.SOCK_STREAM, 0, port)
            threads.append((serve_stream, (args.name, "tcp", s)))
        report["tcp"].append(port)
    for port in ports(args.udp):
        for fam in families:
            s = bind(fam, socket.SOCK_DGRAM, 0, port)
            threads.append((serve_udp, (args.name, s, fam)))
        report["udp"].append(port)
    for port in ports(args.sctp):
        try:
            for fam in families:
                s = bind(fam, socket.SOCK_STREAM, socket.IPPROTO_SCTP, port)
                threads.append((serve_stream, (args.name, "sctp", s)))
            report["sctp"].append(port)
        except OSError as err:
            report["sctpError"] = str(err)
    for target, targs in threads:
        threading.Thread(target=target, args=targs, daemon=True).start()
    sys.stdout.write(json.dumps(report) + "\n")
    sys.stdout.flush()
    watch_stdin()


if __name__ == "__main__":
    try:
        main()
    except OSError as err:
        sys.stdout.write(json.dumps({"ready": False, "error": str(err)}) + "\n")
        sys.stdout.flush()
        sys.exit(1)
