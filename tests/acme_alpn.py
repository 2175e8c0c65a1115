#!/usr/bin/env python3
"""acme_alpn.py: a tls-alpn-01 responder (RFC 8737) for
tests/suites/acme_ca_test.sh, which certbot 2.1 has no plugin for.

    acme_alpn.py PORT NAME KEYAUTH

Listens on 127.0.0.1:PORT and completes TLS handshakes that agree on
the ALPN protocol acme-tls/1, showing a self-signed certificate for NAME
(its only subjectAltName) with the critical acmeIdentifier extension
(1.3.6.1.5.5.7.1.31) holding SHA-256 of KEYAUTH; one line on stdout once
it listens.  Runs until killed.
"""
import datetime
import hashlib
import os
import socket
import ssl
import sys
import tempfile

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

ACME_ID = x509.ObjectIdentifier("1.3.6.1.5.5.7.1.31")


def cert(name, keyauth):
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.timezone.utc)
    digest = hashlib.sha256(keyauth.encode()).digest()
    crt = (x509.CertificateBuilder()
           .subject_name(subject).issuer_name(subject)
           .public_key(key.public_key())
           .serial_number(x509.random_serial_number())
           .not_valid_before(now - datetime.timedelta(minutes=5))
           .not_valid_after(now + datetime.timedelta(days=1))
           .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]),
                          critical=False)
           # The extension's value is the DER OCTET STRING of the digest.
           .add_extension(x509.UnrecognizedExtension(
               ACME_ID, b"\x04\x20" + digest), critical=True)
           .sign(key, hashes.SHA256()))
    return key, crt


def main():
    port, name, keyauth = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    key, crt = cert(name, keyauth)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    with tempfile.TemporaryDirectory() as d:
        kp, cp = os.path.join(d, "key.pem"), os.path.join(d, "cert.pem")
        with open(kp, "wb") as f:
            f.write(key.private_bytes(serialization.Encoding.PEM,
                                      serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption()))
        with open(cp, "wb") as f:
            f.write(crt.public_bytes(serialization.Encoding.PEM))
        ctx.load_cert_chain(cp, kp)
    ctx.set_alpn_protocols(["acme-tls/1"])
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port))
    s.listen(8)
    print("listening", flush=True)
    while True:
        c, _ = s.accept()
        try:
            with ctx.wrap_socket(c, server_side=True) as t:
                t.recv(1)
        except (ssl.SSLError, OSError):
            c.close()


main()
