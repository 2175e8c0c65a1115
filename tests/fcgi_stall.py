#!/usr/bin/env python3
"""fcgi_stall.py SOCKET METHOD URI LENGTH SECONDS: be a web server that
streams a request body and stalls.

Connects to a FastCGI program's Unix SOCKET, sends one request (METHOD
URI, CONTENT_LENGTH LENGTH, no credentials), one byte of its body, and
then nothing more, keeping the connection open.  Prints the program's
status (its "Status:" header, or 200) and the seconds until the whole
answer (FCGI_END_REQUEST) came, or "none" if it did not within SECONDS.
Exits 0 either way; the suite judges (slow_clients_http_test.sh).
"""
import select
import socket
import struct
import sys
import time

FCGI_VERSION, BEGIN, END, PARAMS, STDIN, STDOUT = 1, 1, 3, 4, 5, 6
RESPONDER, REQUEST_ID = 1, 1


def record(kind, body):
    return struct.pack(">BBHHBx", FCGI_VERSION, kind, REQUEST_ID,
                       len(body), 0) + body


def pair(name, value):
    n, v = name.encode(), value.encode()
    assert len(n) < 128 and len(v) < 128
    return bytes([len(n), len(v)]) + n + v


def main():
    sock, method, uri, length, secs = sys.argv[1:6]
    params = b"".join(pair(k, v) for k, v in (
        ("REQUEST_METHOD", method), ("REQUEST_URI", uri),
        ("SCRIPT_NAME", ""), ("QUERY_STRING", ""),
        ("CONTENT_LENGTH", length), ("CONTENT_TYPE", "application/json"),
        ("SERVER_PROTOCOL", "HTTP/1.1"), ("REMOTE_ADDR", "127.0.0.1"),
        ("HTTPS", "off")))
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sock)
    start = time.monotonic()
    s.sendall(record(BEGIN, struct.pack(">HB5x", RESPONDER, 0)) +
              record(PARAMS, params) + record(PARAMS, b"") +
              record(STDIN, b"{"))
    deadline = start + float(secs)
    data, out = b"", b""
    while True:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([s], [], [], left)[0]:
            print("none")
            return
        chunk = s.recv(65536)
        if not chunk:
            print("none")
            return
        data += chunk
        while len(data) >= 8:
            _, kind, _, clen, plen = struct.unpack(">BBHHBx", data[:8])
            if len(data) < 8 + clen + plen:
                break
            body, data = data[8:8 + clen], data[8 + clen + plen:]
            if kind == STDOUT:
                out += body
            elif kind == END:
                status = "200"
                for line in out.split(b"\r\n\r\n")[0].split(b"\r\n"):
                    if line.lower().startswith(b"status:"):
                        status = line.split()[1].decode()
                print(status, "%.3f" % (time.monotonic() - start))
                return


main()
