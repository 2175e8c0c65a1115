#!/usr/bin/env python3
"""validate.py: check one JSON document against a JSON Schema.

Usage: validate.py SCHEMA[#/json/pointer] DOCUMENT

SCHEMA is a JSON (or, if PyYAML is installed, YAML) file; an optional
fragment picks a subschema, e.g. schema/dcos.json#/$defs/Secret. References
($ref) resolve against the schema file's own location, so schemas in schema/
may point at each other by relative name. The draft comes from "$schema"
(default: 2020-12); "format" is checked. Exit 0 if valid; otherwise 1 and
every error (its JSON path and message) on stderr, 2 on a usage or file error.
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


def main(argv):
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
