/**
 * Tiny python3 programs for the dataplane benchmark: a TCP server that
 * writes one byte to every connection and closes it, and a client that
 * times N sequential connections (connect + first byte), printing the
 * latencies in microseconds as one JSON array.
 *
 * @module
 */

/** Server: `python3 -c SERVER PORT`; prints "ready" once listening. */
export const SERVER_PY = `
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", int(sys.argv[1])))
s.listen(1024)
print("ready", flush=True)
while True:
    c, _ = s.accept()
    try:
        c.sendall(b"x")
    finally:
        c.close()
`;

/** Client: `python3 -c CLIENT IP PORT COUNT WARMUP`; prints a JSON array of microseconds. */
export const CLIENT_PY = `
import json, socket, sys, time
ip, port, count, warmup = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
out = []
for i in range(warmup + count):
    c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    c.settimeout(5)
    t = time.perf_counter_ns()
    c.connect((ip, port))
    b = c.recv(1)
    dt = (time.perf_counter_ns() - t) / 1000.0
    c.close()
    if b != b"x":
        raise SystemExit("bad answer from %s:%d: %r" % (ip, port, b))
    if i >= warmup:
        out.append(dt)
print(json.dumps(out))
`;
