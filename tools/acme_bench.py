#!/usr/bin/env python3
"""acme_bench.py: ACME issuances per second against Coffer, end to end,
for tools/bench's ACME row.

    acme_bench.py DIRECTORY_URL RESPONDER_PORT SECONDS CLIENTS [NAME]

Why not certbot: one certbot run spends about a second starting Python,
reading its plugins and registering before it sends a request, so
certbots in parallel would measure certbot.  This client is what an ACME
client does on the wire, and nothing more: CLIENTS threads, each with
its own P-256 account key and keep-alive connection, register once
(untimed), then loop until SECONDS have passed: newOrder for NAME
(default localhost) -> POST-as-GET the authorization -> POST the http-01
challenge, which Coffer validates while the POST waits, by fetching the
key authorization from this process's responder on RESPONDER_PORT (the
stack's acme_http_port) -> finalize with a CSR -> download the
certificate.  Five signed requests and one validation fetch an issuance;
each thread makes one CSR (a P-256 key of its own) and sends it each
time, as a renewal with --reuse-key would.

Prints one line: "ACME <issued> <seconds> <p50 us> <p99 us> <errors>".
Needs python3-cryptography.
"""
import base64
import hashlib
import http.client
import http.server
import json
import sys
import threading
import time
import urllib.parse

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import \
    decode_dss_signature
from cryptography.x509.oid import NameOID

TOKENS = {}  # http-01 token -> key authorization


def b64(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


class Responder(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        tok = self.path.rsplit("/", 1)[-1]
        body = TOKENS.get(tok, "").encode()
        self.send_response(200 if body else 404)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class Client:
    def __init__(self, directory, name):
        u = urllib.parse.urlsplit(directory)
        self.conn = http.client.HTTPConnection(u.netloc, timeout=30)
        self.key = ec.generate_private_key(ec.SECP256R1())
        nums = self.key.public_key().public_numbers()
        self.jwk = {"crv": "P-256", "kty": "EC",
                    "x": b64(nums.x.to_bytes(32, "big")),
                    "y": b64(nums.y.to_bytes(32, "big"))}
        canon = json.dumps(self.jwk, sort_keys=True, separators=(",", ":"))
        self.thumb = b64(hashlib.sha256(canon.encode()).digest())
        self.name = name
        self.kid = None
        self.nonce = None
        self.dir = json.loads(self.call("GET", directory)[2])
        certkey = ec.generate_private_key(ec.SECP256R1())
        csr = x509.CertificateSigningRequestBuilder().subject_name(
            x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
        ).add_extension(
            x509.SubjectAlternativeName([x509.DNSName(name)]),
            critical=False).sign(certkey, hashes.SHA256())
        self.csr = b64(csr.public_bytes(serialization.Encoding.DER))

    def call(self, method, url, body=None):
        u = urllib.parse.urlsplit(url)
        hdrs = {"Content-Type": "application/jose+json"} if body else {}
        self.conn.request(method, u.path, body=body, headers=hdrs)
        r = self.conn.getresponse()
        data = r.read()
        if r.getheader("Replay-Nonce"):
            self.nonce = r.getheader("Replay-Nonce")
        return r.status, r.getheader("Location"), data

    def post(self, url, payload):
        if self.nonce is None:
            self.call("HEAD", self.dir["newNonce"])
        prot = {"alg": "ES256", "nonce": self.nonce, "url": url}
        if self.kid:
            prot["kid"] = self.kid
        else:
            prot["jwk"] = self.jwk
        p = b64(json.dumps(prot).encode())
        pay = "" if payload is None else b64(json.dumps(payload).encode())
        der = self.key.sign(f"{p}.{pay}".encode(),
                            ec.ECDSA(hashes.SHA256()))
        r, s = decode_dss_signature(der)
        sig = b64(r.to_bytes(32, "big") + s.to_bytes(32, "big"))
        self.nonce = None
        status, loc, data = self.call("POST", url, json.dumps(
            {"protected": p, "payload": pay, "signature": sig}))
        if status >= 300:
            raise RuntimeError(f"{url}: {status} {data[:200]!r}")
        return loc, data

    def register(self):
        self.kid, _ = self.post(self.dir["newAccount"],
                                {"termsOfServiceAgreed": True})

    def issue(self):
        loc, data = self.post(self.dir["newOrder"], {
            "identifiers": [{"type": "dns", "value": self.name}]})
        order = json.loads(data)
        _, data = self.post(order["authorizations"][0], None)
        ch = next(c for c in json.loads(data)["challenges"]
                  if c["type"] == "http-01")
        TOKENS[ch["token"]] = f"{ch['token']}.{self.thumb}"
        _, data = self.post(ch["url"], {})
        del TOKENS[ch["token"]]
        if json.loads(data).get("status") != "valid":
            raise RuntimeError(f"challenge: {data[:200]!r}")
        _, data = self.post(order["finalize"], {"csr": self.csr})
        done = json.loads(data)
        if done.get("status") != "valid":
            raise RuntimeError(f"finalize: {data[:200]!r}")
        _, pem = self.post(done["certificate"], None)
        if b"BEGIN CERTIFICATE" not in pem:
            raise RuntimeError("no certificate")


def main():
    directory, port, secs, n = sys.argv[1], int(sys.argv[2]), \
        float(sys.argv[3]), int(sys.argv[4])
    name = sys.argv[5] if len(sys.argv) > 5 else "localhost"
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", port), Responder)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    clients = [Client(directory, name) for _ in range(n)]
    for c in clients:
        c.register()
    lat, errors, lock = [], [0], threading.Lock()
    start = time.monotonic()
    deadline = start + secs

    def loop(c):
        while time.monotonic() < deadline:
            t = time.monotonic()
            try:
                c.issue()
            except Exception as e:  # counted; the first few said
                with lock:
                    errors[0] += 1
                    if errors[0] <= 3:
                        print(f"acme_bench: {e}", file=sys.stderr)
                c.nonce = None
                continue
            with lock:
                lat.append(time.monotonic() - t)

    threads = [threading.Thread(target=loop, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    took = time.monotonic() - start
    srv.shutdown()
    lat.sort()

    def pct(p):
        return int(lat[min(len(lat) - 1, int(len(lat) * p))] * 1e6) \
            if lat else 0
    print(f"ACME {len(lat)} {took:.3f} {pct(0.5)} {pct(0.99)} {errors[0]}")


if __name__ == "__main__":
    main()
