#!/usr/bin/env python3
"""promcheck.py: a strict check of Prometheus's text exposition format 0.0.4.

Reads the text on stdin; prints each problem as "line N: why" and exits 1
if there is any, else exits 0 silently.  What it holds the text to, beyond
the grammar (metric and label names, escaped label values, float values,
an optional integer timestamp, a final newline):

  - a family's # HELP and # TYPE come at most once, before its samples,
    and its samples are together: no family is split or repeated;
  - no series (name and label set) appears twice, and no label twice;
  - a counter's samples are named <family> and the family ends in _total
    (what promtool's lint asks); a counter is not negative;
  - a histogram has only <family>_bucket (with le), _sum and _count; per
    label set its buckets rise in le, are cumulative, end with le="+Inf",
    and that bucket equals _count;
  - no blank line, and no comment other than HELP and TYPE.

tests/suites/metrics_test.sh runs it on GET /metrics; it stands in for
promtool check metrics, whose Debian package is a whole Prometheus server.
"""
import math
import re
import sys

NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
LABEL = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
VALUE = re.compile(r"[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?|[-+]?Inf|NaN")
TYPES = {"counter", "gauge", "histogram", "summary", "untyped"}


class Problem(Exception):
    pass


def parse_labels(s, i):
    """Labels from s[i] == '{': (dict, index after '}')."""
    labels = {}
    i += 1
    while True:
        if s.startswith("}", i):
            return labels, i + 1
        m = LABEL.match(s, i)
        if not m:
            raise Problem("bad label name at column %d" % (i + 1))
        name = m.group(0)
        i = m.end()
        if not s.startswith('="', i):
            raise Problem("label %s: expected =\"" % name)
        i += 2
        val = []
        while True:
            if i >= len(s):
                raise Problem("label %s: unterminated value" % name)
            c = s[i]
            if c == "\\":
                if i + 1 >= len(s) or s[i + 1] not in '\\"n':
                    raise Problem("label %s: bad escape" % name)
                val.append({"n": "\n"}.get(s[i + 1], s[i + 1]))
                i += 2
            elif c == '"':
                i += 1
                break
            else:
                val.append(c)
                i += 1
        if name in labels:
            raise Problem("label %s twice" % name)
        labels[name] = "".join(val)
        if s.startswith(",", i):
            i += 1
        elif not s.startswith("}", i):
            raise Problem("expected , or } after label %s" % name)


def parse_value(text):
    if not VALUE.fullmatch(text):
        raise Problem("bad value %r" % text)
    return float(text.replace("Inf", "inf").replace("NaN", "nan"))


def parse_sample(line):
    m = NAME.match(line)
    if not m:
        raise Problem("bad metric name")
    name, i, labels = m.group(0), m.end(), {}
    if line.startswith("{", i):
        labels, i = parse_labels(line, i)
    rest = line[i:]
    if not rest.startswith(" "):
        raise Problem("expected one space before the value")
    parts = rest[1:].split(" ")
    if len(parts) > 2 or "" in parts:
        raise Problem("expected a value and at most a timestamp")
    value = parse_value(parts[0])
    if len(parts) == 2 and not re.fullmatch(r"-?\d+", parts[1]):
        raise Problem("bad timestamp %r" % parts[1])
    return name, labels, value


def family_of(name, types):
    for suffix in ("_bucket", "_sum", "_count"):
        base = name[: -len(suffix)]
        if name.endswith(suffix) and types.get(base) in ("histogram",
                                                         "summary"):
            return base
    return name


def check_family(name, kind, samples, problems):
    """samples: [(lineno, sample name, labels, value)]."""
    if kind == "counter":
        if not name.endswith("_total"):
            problems.append((samples[0][0], "counter %s: name does not end "
                             "in _total" % name))
        for n, sname, _, v in samples:
            if sname != name:
                problems.append((n, "counter %s: sample named %s" %
                                 (name, sname)))
            if v < 0 or math.isnan(v):
                problems.append((n, "counter %s: value %r" % (name, v)))
    if kind != "histogram":
        return
    series = {}
    for n, sname, labels, v in samples:
        suffix = sname[len(name):]
        if suffix not in ("_bucket", "_sum", "_count"):
            problems.append((n, "histogram %s: sample named %s" %
                             (name, sname)))
            continue
        key = tuple(sorted((k, x) for k, x in labels.items() if k != "le"))
        s = series.setdefault(key, {"buckets": [], "count": None, "n": n})
        if suffix == "_bucket":
            if "le" not in labels:
                problems.append((n, "histogram %s: bucket without le" % name))
                continue
            try:
                le = parse_value(labels["le"])
            except Problem as e:
                problems.append((n, "histogram %s: le: %s" % (name, e)))
                continue
            s["buckets"].append((n, le, v))
        elif "le" in labels:
            problems.append((n, "histogram %s: le on %s" % (name, sname)))
        elif suffix == "_count":
            s["count"] = v
    for key, s in series.items():
        b = s["buckets"]
        if not b or b[-1][1] != math.inf:
            problems.append((s["n"], "histogram %s%s: no le=\"+Inf\" "
                             "bucket last" % (name, dict(key))))
            continue
        for (n0, le0, v0), (n1, le1, v1) in zip(b, b[1:]):
            if le1 <= le0:
                problems.append((n1, "histogram %s: le not rising" % name))
            if v1 < v0:
                problems.append((n1, "histogram %s: buckets not "
                                 "cumulative" % name))
        if s["count"] is None or s["count"] != b[-1][2]:
            problems.append((s["n"], "histogram %s%s: _count is not the "
                             "+Inf bucket" % (name, dict(key))))


def check(text):
    problems = []
    if text and not text.endswith("\n"):
        problems.append((text.count("\n") + 1, "no final newline"))
    types, helps, seen_series = {}, set(), set()
    done, current, samples = set(), None, []

    def close():
        if current is not None:
            check_family(current, types.get(current, "untyped"), samples,
                         problems)
            done.add(current)

    for n, line in enumerate(text.split("\n")[:-1], 1):
        try:
            if line == "":
                raise Problem("blank line")
            if line.startswith("#"):
                m = re.fullmatch(r"# (HELP|TYPE) (\S+) ?(.*)", line)
                if not m:
                    raise Problem("a comment other than HELP or TYPE")
                what, name, rest = m.groups()
                if not NAME.fullmatch(name):
                    raise Problem("bad metric name %r" % name)
                if name in done or (name == current and samples):
                    raise Problem("%s of %s after its samples" % (what, name))
                if name != current:
                    close()
                    current, samples = name, []
                if what == "TYPE":
                    if name in types:
                        raise Problem("TYPE of %s twice" % name)
                    if rest not in TYPES:
                        raise Problem("unknown type %r" % rest)
                    types[name] = rest
                else:
                    if name in helps:
                        raise Problem("HELP of %s twice" % name)
                    helps.add(name)
                continue
            sname, labels, value = parse_sample(line)
            fam = family_of(sname, types)
            if fam != current:
                if fam in done:
                    raise Problem("family %s split" % fam)
                close()
                current, samples = fam, []
            key = (sname, tuple(sorted(labels.items())))
            if key in seen_series:
                raise Problem("series %s%s twice" % (sname, labels))
            seen_series.add(key)
            samples.append((n, sname, labels, value))
        except Problem as e:
            problems.append((n, str(e)))
    close()
    return problems


def main():
    problems = check(sys.stdin.read())
    for n, why in sorted(problems):
        print("line %d: %s" % (n, why))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
