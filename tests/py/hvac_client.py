#!/usr/bin/python3
"""One hvac call against Coffer's Vault KV API, for tests/suites/hvac_vault_test.sh.

Run with Debian's /usr/bin/python3 (python3-hvac 0.11.2).  The address is
COFFER_ADDR, the token VAULT_TOKEN (none when unset); HVAC_STRICT=1 makes
hvac send GET ?list=true instead of the LIST verb (strict_http), for a web
server that refuses unknown methods (lighttpd).  Prints one JSON line: the
call's answer as hvac returns it, or {"exception": class, "errors": [...]}
when hvac raised, and exits 0 either way (2 for a usage error).
"""
import json
import os
import sys

import hvac
from hvac import exceptions


def client():
    return hvac.Client(url=os.environ["COFFER_ADDR"],
                       token=os.environ.get("VAULT_TOKEN"),
                       strict_http=os.environ.get("HVAC_STRICT") == "1")


def call(c, action, args):
    kv = c.secrets.kv.v2
    if action == "read":
        version = int(args[1]) if len(args) > 1 else None
        return kv.read_secret_version(path=args[0], version=version)
    if action == "write":
        cas = int(args[2]) if len(args) > 2 else None
        return kv.create_or_update_secret(path=args[0],
                                          secret=json.loads(args[1]), cas=cas)
    if action == "patch":
        return kv.patch(path=args[0], secret=json.loads(args[1]))
    if action == "list":
        return kv.list_secrets(path=args[0])
    if action == "metadata":
        return kv.read_secret_metadata(path=args[0])
    if action == "update-metadata":
        cas_required = args[2] == "true" if len(args) > 2 else None
        return kv.update_metadata(path=args[0], max_versions=int(args[1]),
                                  cas_required=cas_required)
    if action == "delete-latest":
        return kv.delete_latest_version_of_secret(path=args[0])
    if action == "delete-versions":
        return kv.delete_secret_versions(path=args[0], versions=[int(args[1])])
    if action == "undelete":
        return kv.undelete_secret_versions(path=args[0],
                                           versions=[int(args[1])])
    if action == "destroy":
        return kv.destroy_secret_versions(path=args[0],
                                          versions=[int(args[1])])
    if action == "delete-all":
        return kv.delete_metadata_and_all_versions(path=args[0])
    if action == "is-authenticated":
        return c.is_authenticated()
    if action == "seal-status":
        return c.sys.read_seal_status()
    if action == "is-sealed":
        return c.sys.is_sealed()
    if action == "seal":
        return c.sys.seal()
    if action == "unseal":
        return c.sys.submit_unseal_key(key=args[0])
    raise SystemExit("hvac_client.py: unknown action " + action)


def answer(r):
    """hvac returns dicts, booleans, or a requests Response (204)."""
    if hasattr(r, "status_code"):
        return {"status": r.status_code}
    return r


def main():
    if len(sys.argv) < 2:
        sys.stderr.write("usage: hvac_client.py ACTION [ARGS...]\n")
        return 2
    try:
        out = answer(call(client(), sys.argv[1], sys.argv[2:]))
    except exceptions.VaultError as e:
        out = {"exception": type(e).__name__, "errors": e.errors}
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
