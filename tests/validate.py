#!/usr/bin/env python3
"""validate.py: check one JSON document against a JSON Schema.

Usage: validate.py SCHEMA[#/json/pointer] DOCUMENT
       validate.py --spec METHOD PATH STATUS CONTENT_TYPE DOCUMENT
       validate.py --serve

SCHEMA is a JSON (or, if PyYAML is installed, YAML) file; an optional
fragment picks a subschema, e.g. schema/dcos.json#/$defs/Secret. References
($ref) resolve against the schema file's own location, so schemas in schema/
may point at each other by relative name. The draft comes from "$schema"
(default: 2020-12); "format" is checked. Exit 0 if valid; otherwise 1 and
every error (its JSON path and message) on stderr, 2 on a usage or file error.

--spec checks an answer against the published OpenAPI spec of its API, in
tests/specs/ (Swagger 2.0 or OpenAPI 3): PATH (the request's, query and all)
picks the spec by its base path and the operation by its path template,
METHOD and STATUS pick the response, whose schema the body must match, with
the spec's $refs resolved in the spec itself and the errata of
tests/specs/errata.json applied.  Exit 0 if valid, 1 if not, 3 if the spec
documents no schema for this answer (no such operation or status, or a
body that is not JSON). --serve does the same for requests read from stdin,
one JSON object a line ({"method", "path", "status", "ctype", "body"}),
and answers each with one line: "ok", "skip REASON" or "fail ERRORS".
"""
import datetime
import json
import pathlib
import re
import sys
import warnings

import jsonschema


def load(path):
    text = pathlib.Path(path).read_text(encoding="utf-8")
    if str(path).endswith((".yaml", ".yml")):
        import yaml  # python3-yaml; only the OpenAPI files need it

        return yaml.safe_load(text)
    return json.loads(text)


def yaml_loader_base():
    """PyYAML's C loader where it is built, else the Python one."""
    import yaml  # python3-yaml; only the OpenAPI files need it

    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


RFC3339 = re.compile(
    r"\d{4}-\d\d-\d\d[Tt]\d\d:\d\d:\d\d(\.\d+)?([Zz]|[+-]\d\d:\d\d)"
)


def format_checker(cls):
    """The draft's format checker; date-time checked even without the
    rfc3339-validator module that Debian does not package."""
    checker = jsonschema.FormatChecker(cls.FORMAT_CHECKER.checkers)

    @checker.checks("date-time", raises=ValueError)
    def date_time(value):
        if not isinstance(value, str):
            return True
        if not RFC3339.fullmatch(value):
            return False
        datetime.datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
        return True

    return checker


SPEC_DIR = pathlib.Path(__file__).resolve().parent / "specs"

# Which spec answers which requests: the API's base path (as the spec gives
# it) and, where that is shared, the part of it Coffer serves.
SPEC_PREFIXES = (
    ("/secrets/v1/", "dcos-secrets"),
    ("/ca/api/v2/", "dcos-certificate-authority"),
    ("/acs/api/v1/", "dcos-ent-iam"),
    ("/api/v1/secrets/", "crossid-openapi"),
)


class SpecLoader(yaml_loader_base()):
    """YAML without timestamps: the specs' examples hold dates that are no
    dates, and a schema has none."""


SpecLoader.yaml_implicit_resolvers = {
    k: [r for r in v if r[0] != "tag:yaml.org,2002:timestamp"]
    for k, v in SpecLoader.yaml_implicit_resolvers.items()
}


def pointer_parts(pointer):
    return [p.replace("~1", "/").replace("~0", "~") for p in pointer.split("/")[1:]]


def apply_erratum(doc, erratum):
    """Replace the value at the erratum's JSON pointer; the parent must
    exist, so an erratum that no longer applies is an error, not a no-op."""
    *parents, last = pointer_parts(erratum["pointer"])
    node = doc
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[yaml_key(node, part)]
    if isinstance(node, list):
        node[int(last)] = erratum["value"]
    else:
        node[yaml_key(node, last)] = erratum["value"]


def yaml_key(mapping, part):
    """YAML keys may be integers (response codes written 200, not '200')."""
    if part not in mapping and part.isdigit() and int(part) in mapping:
        return int(part)
    return part


_specs = {}


def load_spec(name):
    if name not in _specs:
        import yaml

        with open(SPEC_DIR / f"{name}.yaml", encoding="utf-8") as f:
            doc = yaml.load(f, Loader=SpecLoader)
        errata = json.loads((SPEC_DIR / "errata.json").read_text(encoding="utf-8"))
        for erratum in errata:
            if erratum["spec"] == name:
                apply_erratum(doc, erratum)
        _specs[name] = doc
    return _specs[name]


def base_path(doc):
    if "basePath" in doc:
        return doc["basePath"].rstrip("/")
    url = doc.get("servers", [{}])[0].get("url", "")
    return re.sub(r"^[a-z]+://[^/]*", "", url).rstrip("/")


def template_regex(template):
    """A path template as a regex: each {param} one segment, but a last
    one that names a path may span several, or none (DC/OS's
    {path/to/secret}, CrossID's {path})."""
    parts = re.split(r"(\{[^}]*\})", template)
    out = ""
    for i, p in enumerate(parts):
        if p.startswith("{"):
            greedy = i == len(parts) - 2 and not parts[-1] and "path" in p
            out += ".*" if greedy else "[^/]+"
        else:
            out += re.escape(p)
    return re.compile(out + "/?")


def find_operation(doc, method, path):
    """The operation for METHOD and PATH (below the base path); literal
    templates before those with parameters (/ping/backends/all)."""
    candidates = []
    for template, item in doc.get("paths", {}).items():
        if template_regex(template).fullmatch(path):
            literal = len(re.sub(r"\{[^}]*\}", "", template))
            candidates.append((literal, template, item))
    for _, template, item in sorted(candidates, key=lambda c: -c[0]):
        op = item.get(method.lower())
        if op is not None:
            return template, op
    return None, None


def response_schema(doc, op, status):
    """The schema of the answer STATUS of OP, or None and why not."""
    responses = op.get("responses", {})
    resp = responses.get(str(status), responses.get(int(status), responses.get("default")))
    if resp is None:
        return None, f"no response {status} documented"
    if "$ref" in resp:
        resp = resolve_local(doc, resp["$ref"])
    if "schema" in resp:  # Swagger 2.0
        return resp["schema"], None
    content = resp.get("content", {})  # OpenAPI 3
    for ctype in ("application/json", *content.keys()):
        if "schema" in content.get(ctype, {}):
            return content[ctype]["schema"], None
    return None, f"response {status} has no schema"


def resolve_local(doc, ref):
    node = doc
    for part in pointer_parts(ref.partition("#")[2]):
        node = node[yaml_key(node, part)]
    return node


def openapi_nullable(schema):
    """OpenAPI 3's nullable as JSON Schema: null is one more type."""
    if isinstance(schema, list):
        return [openapi_nullable(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: openapi_nullable(v) for k, v in schema.items() if k != "nullable"}
    if schema.get("nullable") is True and "type" in schema:
        out["type"] = [schema["type"], "null"]
    return out


def check_answer(method, path, status, ctype, body_path):
    """("ok" | "skip" | "fail", message) for one answer."""
    path = path.partition("?")[0]
    name = next((n for prefix, n in SPEC_PREFIXES if path.startswith(prefix)), None)
    if name is None:
        return "skip", "no spec for this path"
    doc = load_spec(name)
    template, op = find_operation(doc, method, path[len(base_path(doc)):])
    if op is None:
        return "skip", f"{name} documents no {method} {path}"
    schema, why = response_schema(doc, op, status)
    if schema is None:
        return "skip", f"{name} {method} {template}: {why}"
    where = f"{name} {method} {template} {status}"
    body = pathlib.Path(body_path).read_bytes()
    try:
        document = json.loads(body)
    except ValueError:
        if "json" in ctype or not body:
            return "fail", f"{where}: the body is not JSON"
        return "skip", f"{where}: a {ctype} body"
    if "openapi" in doc:
        schema = openapi_nullable(schema)
        doc = openapi_nullable(doc)
    warnings.simplefilter("ignore", DeprecationWarning)
    validator = jsonschema.Draft4Validator(
        schema, resolver=jsonschema.RefResolver("", doc)
    )
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.path))
    if errors:
        return "fail", f"{where}: " + "; ".join(
            f"{e.json_path}: {e.message}" for e in errors
        )
    return "ok", where


def serve():
    for line in sys.stdin:
        try:
            r = json.loads(line)
            verdict, msg = check_answer(
                r["method"], r["path"], r["status"], r["ctype"], r["body"]
            )
        except Exception as e:  # one bad request must not end the server
            verdict, msg = "fail", f"validate.py: {e!r}"
        print(verdict, msg.replace("\n", " "), flush=True)
    return 0


def main_spec(argv):
    if len(argv) != 7:
        print(__doc__.strip().splitlines()[3], file=sys.stderr)
        return 2
    verdict, msg = check_answer(*argv[2:7])
    if verdict != "ok":
        print(msg, file=sys.stderr)
    return {"ok": 0, "fail": 1, "skip": 3}[verdict]


def main(argv):
    if len(argv) > 1 and argv[1] == "--serve":
        return serve()
    if len(argv) > 1 and argv[1] == "--spec":
        return main_spec(argv)
    if len(argv) != 3:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    file_part, _, pointer = argv[1].partition("#")
    schema_path = pathlib.Path(file_part).resolve()
    try:
        root = load(schema_path)
        document = json.loads(pathlib.Path(argv[2]).read_bytes())
    except (OSError, ValueError) as e:
        print(f"validate.py: {e}", file=sys.stderr)
        return 2

    # RefResolver is what Debian 12's jsonschema (4.10) has; later versions
    # still run it, with a deprecation warning.
    warnings.simplefilter("ignore", DeprecationWarning)
    uri = schema_path.as_uri()
    cls = jsonschema.validators.validator_for(
        root, default=jsonschema.Draft202012Validator
    )
    resolver = jsonschema.RefResolver(
        base_uri=uri,
        referrer=root,
        handlers={"file": lambda u: load(u[len("file://"):])},
    )
    # Always go through a $ref, so relative references resolve against the
    # schema file even when a fragment picks a subschema.
    validator = cls(
        {"$ref": f"{uri}#{pointer}"},
        resolver=resolver,
        format_checker=format_checker(cls),
    )
    try:
        errors = sorted(validator.iter_errors(document), key=lambda e: list(e.path))
    except jsonschema.exceptions.RefResolutionError as e:
        print(f"validate.py: {e}", file=sys.stderr)
        return 2
    for e in errors:
        print(f"{e.json_path}: {e.message}", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
