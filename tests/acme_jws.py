#!/usr/bin/env python3
"""acme_jws.py: sign one ACME request body (RFC 8555 6.2), for the curl
tests of tests/suites/acme_ca_test.sh, which check what certbot never
sends: replayed nonces, bad signatures, names out of bounds, key changes.

    acme_jws.py KEYFILE URL NONCE PAYLOAD [KID]
    acme_jws.py --key-change OLDKEY NEWKEY URL NONCE KID

KEYFILE holds an EC P-256 private key (PEM; made when missing), or is a
certbot account's private_key.json (an RSA JWK; signed RS256).  PAYLOAD
is JSON, or "" for a POST-as-GET.  Without KID the protected header
carries the key as a jwk (newAccount).  ACME_JWS_BAD_SIG=1 flips a bit of
the signature (with --key-change, of the inner one).  Prints the
flattened JWS; with --thumbprint KEYFILE, the key's RFC 7638 thumbprint
instead.  --key-change prints keyChange's body (RFC 8555 7.3.5): signed
by OLDKEY with KID, its payload the inner JWS signed by NEWKEY with a
jwk, whose payload names KID and OLDKEY's jwk.
"""
import base64
import hashlib
import json
import os
import sys

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import \
    decode_dss_signature


def b64(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def unb64(s):
    return int.from_bytes(base64.urlsafe_b64decode(s + "=" * (-len(s) % 4)),
                          "big")


def load(path):
    if path.endswith(".json"):
        with open(path) as f:
            j = json.load(f)
        pub = rsa.RSAPublicNumbers(unb64(j["e"]), unb64(j["n"]))
        return rsa.RSAPrivateNumbers(
            unb64(j["p"]), unb64(j["q"]), unb64(j["d"]), unb64(j["dp"]),
            unb64(j["dq"]), unb64(j["qi"]), pub).private_key()
    if not os.path.exists(path):
        k = ec.generate_private_key(ec.SECP256R1())
        with open(path, "wb") as f:
            f.write(k.private_bytes(serialization.Encoding.PEM,
                                    serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption()))
    with open(path, "rb") as f:
        return serialization.load_pem_private_key(f.read(), None)


def jwk(k):
    n = k.public_key().public_numbers()
    if isinstance(k, rsa.RSAPrivateKey):
        return {"e": b64(n.e.to_bytes((n.e.bit_length() + 7) // 8, "big")),
                "kty": "RSA",
                "n": b64(n.n.to_bytes((n.n.bit_length() + 7) // 8, "big"))}
    return {"crv": "P-256", "kty": "EC",
            "x": b64(n.x.to_bytes(32, "big")),
            "y": b64(n.y.to_bytes(32, "big"))}


def sign(k, hdr, payload, bad):
    """The flattened JWS of payload (a string; "" for none) under hdr."""
    hdr["alg"] = "RS256" if isinstance(k, rsa.RSAPrivateKey) else "ES256"
    prot = b64(json.dumps(hdr).encode())
    pay = b64(payload.encode()) if payload else ""
    data = (prot + "." + pay).encode()
    if isinstance(k, rsa.RSAPrivateKey):
        sig = bytearray(k.sign(data, padding.PKCS1v15(), hashes.SHA256()))
    else:
        r, s = decode_dss_signature(k.sign(data, ec.ECDSA(hashes.SHA256())))
        sig = bytearray(r.to_bytes(32, "big") + s.to_bytes(32, "big"))
    if bad:
        sig[10] ^= 1
    return json.dumps({"protected": prot, "payload": pay,
                       "signature": b64(bytes(sig))})


def main():
    bad = os.environ.get("ACME_JWS_BAD_SIG") == "1"
    if sys.argv[1] == "--thumbprint":
        j = json.dumps(jwk(load(sys.argv[2])), sort_keys=True,
                       separators=(",", ":"))
        print(b64(hashlib.sha256(j.encode()).digest()))
        return
    if sys.argv[1] == "--key-change":
        old, new, url, nonce, kid = sys.argv[2:7]
        old, new = load(old), load(new)
        inner = sign(new, {"jwk": jwk(new), "url": url},
                     json.dumps({"account": kid, "oldKey": jwk(old)}), bad)
        print(sign(old, {"nonce": nonce, "url": url, "kid": kid}, inner,
                   False))
        return
    keyfile, url, nonce, payload = sys.argv[1:5]
    k = load(keyfile)
    hdr = {"nonce": nonce, "url": url}
    if len(sys.argv) > 5:
        hdr["kid"] = sys.argv[5]
    else:
        hdr["jwk"] = jwk(k)
    print(sign(k, hdr, payload, bad))

main()
