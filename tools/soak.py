#!/usr/bin/python3
"""tools/soak.py: the load generator and report of tools/soak.

One asyncio client over keep-alive HTTP/1.1 connections to 127.0.0.1 sends
the soak's mix of requests (MIX below), unthrottled for --probe seconds to
measure what the stack sustains, then at --load (0.8) of that rate, paced
by one schedule shared by every connection (the n-th request leaves at
start + n / rate), for --minutes.  Every minute it samples the RSS, RssAnon,
RssFile and PSS of every worker (--workers-cmd prints "pid rss program"
lines).  At the end it prints requests, 5xx and p50/p99 per route, the
memory of each program minute by minute, and whether the last half of the
run is flat within --flat (5%, or --slack KiB: flat_check says what is
judged); it exits 1 on any 5xx, unexpected status
or failed connection, 3 when memory is not flat, 0 otherwise.

Writes really write: the DC/OS PUT is create-only, so each create names a
new secret (201), and deletes remove secrets created before (204), which
keeps the store's size level; PATCHes add versions to a hundred secrets.
"""
import argparse
import asyncio
import collections
import json
import math
import os
import random
import subprocess
import sys
import time

DCOS = "/secrets/v1/secret/default/"
# Relative weights; a delete with nothing to delete creates instead.
MIX = [
    ("read DC/OS", 20),
    ("read path API", 10),
    ("create DC/OS PUT", 8),
    ("PATCH DC/OS", 8),
    ("delete DC/OS", 7),
    ("list folder", 5),
    ("batch 10 paths", 7),
    ("CA sign", 5),
]
EXPECT = {
    "read DC/OS": 200,
    "read path API": 200,
    "create DC/OS PUT": 201,
    "PATCH DC/OS": 204,
    "delete DC/OS": 204,
    "list folder": 200,
    "batch 10 paths": 200,
    "CA sign": 200,
}
HIST_BASE = 1.02  # latency histogram: buckets 2% apart
SAMPLE_SECONDS = 60
CONNECT_TIMEOUT = 10
REQUEST_TIMEOUT = 60
CLIENT_BEHIND = 0.95  # below this share of the target rate, say so
NO_BODY = (204, 304)  # answers without a body, whatever their headers


class Route:
    def __init__(self):
        self.n = 0
        self.s5xx = 0
        self.other = collections.Counter()
        self.hist = collections.Counter()

    def add(self, status, seconds, expect):
        self.n += 1
        if status >= 500:
            self.s5xx += 1
        elif status != expect:
            self.other[status] += 1
        us = max(seconds * 1e6, 1.0)
        self.hist[int(math.log(us, HIST_BASE))] += 1

    def pct(self, p):
        want, seen = self.n * p / 100.0, 0
        for b in sorted(self.hist):
            seen += self.hist[b]
            if seen >= want:
                return HIST_BASE ** (b + 1) / 1000.0  # ms, upper bound
        return 0.0


class Client:
    def __init__(self, args):
        self.a = args
        self.token = open(args.token_file).read().strip()
        self.csr = json.dumps({"certificate_request": open(args.csr).read()})
        self.routes = collections.defaultdict(Route)
        self.created = collections.deque()
        self.seq = 0
        self.errors = 0
        self.tag = "%x" % int(time.time())
        names, weights = zip(*MIX)
        self.names, self.cum = names, []
        total = 0
        for w in weights:
            total += w
            self.cum.append(total)

    def pick(self):
        x = random.uniform(0, self.cum[-1])
        for name, c in zip(self.names, self.cum):
            if x <= c:
                return name
        return self.names[-1]

    def build(self, name):
        """(route, method, path, body, on_success) of one request."""
        r = random.randint(1, self.a.secrets)
        if name == "delete DC/OS" and not self.created:
            name = "create DC/OS PUT"
        if name == "read DC/OS":
            return name, "GET", DCOS + "soak/r%d" % r, None, None
        if name == "read path API":
            return name, "GET", "/api/v1/secrets/soak/r%d" % r, None, None
        if name == "create DC/OS PUT":
            self.seq += 1
            p = DCOS + "soak/new/%s-%d" % (self.tag, self.seq)
            body = '{"value":"soak-%d"}' % self.seq
            return name, "PUT", p, body, lambda: self.created.append(p)
        if name == "PATCH DC/OS":
            body = '{"value":"soak-patch-%d"}' % random.getrandbits(32)
            return name, "PATCH", DCOS + "soak/p%d" % r, body, None
        if name == "delete DC/OS":
            return name, "DELETE", self.created.popleft(), None, None
        if name == "list folder":
            f = random.randint(1, self.a.folders)
            return name, "GET", DCOS + "f%d?list=true" % f, None, None
        if name == "batch 10 paths":
            paths = ["soak/r%d" % random.randint(1, self.a.secrets)
                     for _ in range(10)]
            body = json.dumps({"paths": paths})
            return (name, "POST", "/coffer/v1/secrets/default/batch", body,
                    None)
        return name, "POST", "/api/v1/cfssl/sign", self.csr, None

    def request_bytes(self, method, path, body):
        h = ["%s %s HTTP/1.1" % (method, path), "Host: 127.0.0.1",
             "Authorization: token=" + self.token]
        data = (body or "").encode()
        if body is not None or method in ("POST", "PUT", "PATCH"):
            h += ["Content-Type: application/json",
                  "Content-Length: %d" % len(data)]
        return ("\r\n".join(h) + "\r\n\r\n").encode() + data

    async def connect(self):
        return await asyncio.wait_for(
            asyncio.open_connection("127.0.0.1", self.a.port),
            CONNECT_TIMEOUT)

    async def one(self, conn, name):
        route, method, path, body, ok = self.build(name)
        reader, writer = conn
        t0 = time.monotonic()
        writer.write(self.request_bytes(method, path, body))
        status, close = await asyncio.wait_for(read_response(reader),
                                               REQUEST_TIMEOUT)
        self.routes[route].add(status, time.monotonic() - t0, EXPECT[route])
        if status == EXPECT[route] and ok is not None:
            ok()
        return close

    async def setup(self):
        """The secrets the mix reads (soak/r<i>) and PATCHes (soak/p<i>)."""
        conn = await self.connect()
        for i in range(1, self.a.secrets + 1):
            for name in ("r", "p"):
                body = '{"value":"soak-%s%d"}' % (name, i)
                conn[1].write(self.request_bytes(
                    "PUT", DCOS + "soak/%s%d" % (name, i), body))
                status, close = await read_response(conn[0])
                if close:  # Apache: MaxKeepAliveRequests
                    conn[1].close()
                    conn = await self.connect()
                if status != EXPECT["create DC/OS PUT"]:
                    raise SystemExit("soak: PUT soak/%s%d answered %d" % (
                        name, i, status))
        conn[1].close()

    async def worker(self, until, pace):
        conn = None
        while time.monotonic() < until:
            if pace is not None and not await pace():
                break
            try:
                if conn is None:
                    conn = await self.connect()
                if await self.one(conn, self.pick()):
                    conn[1].close()
                    conn = None
            except (OSError, asyncio.TimeoutError, ValueError,
                    asyncio.IncompleteReadError) as e:
                self.errors += 1
                if self.errors <= 5:
                    print("soak: connection error: %r" % (e,),
                          file=sys.stderr)
                if conn is not None:
                    conn[1].close()
                conn = None
                await asyncio.sleep(0.1)
        if conn is not None:
            conn[1].close()

    async def run(self, seconds, rate, on_minute=None):
        start = time.monotonic()
        until = start + seconds
        state = {"n": 0}

        async def pace():
            state["n"] += 1
            at = start + state["n"] / rate
            if at >= until:
                return False
            delay = at - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            return True

        tasks = [asyncio.ensure_future(
            self.worker(until, pace if rate else None))
            for _ in range(self.a.connections)]
        if on_minute is not None:
            tasks.append(asyncio.ensure_future(on_minute(start, until)))
        await asyncio.gather(*tasks)
        return time.monotonic() - start


async def read_response(reader):
    """(status, connection closes) of one response, body read and dropped."""
    line = await reader.readline()
    if not line:
        raise asyncio.IncompleteReadError(b"", None)
    status = int(line.split()[1])
    length, chunked, close = None, False, False
    while True:
        h = await reader.readline()
        if h in (b"\r\n", b"\n", b""):
            break
        k, _, v = h.decode("latin-1").partition(":")
        k, v = k.strip().lower(), v.strip().lower()
        if k == "content-length":
            length = int(v)
        elif k == "transfer-encoding" and "chunked" in v:
            chunked = True
        elif k == "connection" and v == "close":
            close = True
    if status in NO_BODY:
        pass
    elif chunked:
        while True:
            size = int((await reader.readline()).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    elif length is not None:
        await reader.readexactly(length)
    else:
        await reader.read()
        close = True
    return status, close


def proc_memory(pid):
    """KiB: rss, anon, file, pss of one process, or None if it is gone."""
    m = {}
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                k, _, v = line.partition(":")
                if k in ("VmRSS", "RssAnon", "RssFile"):
                    m[k] = int(v.split()[0])
        with open("/proc/%d/smaps_rollup" % pid) as f:
            for line in f:
                if line.startswith("Pss:"):
                    m["Pss"] = int(line.split()[1])
    except (OSError, ValueError):
        return None
    return (m.get("VmRSS", 0), m.get("RssAnon", 0), m.get("RssFile", 0),
            m.get("Pss", 0))


def sample(cmd):
    """{program: [(rss, anon, file, pss) per worker]} now."""
    out = subprocess.run(["bash", "-c", cmd], capture_output=True, text=True)
    progs = collections.defaultdict(list)
    for line in out.stdout.splitlines():
        f = line.split()
        if len(f) < 3 or not f[0].isdigit():
            continue
        m = proc_memory(int(f[0]))
        if m is not None:
            progs[f[2]].append(m)
    return progs


def mean(xs):
    return sum(xs) / len(xs) if xs else 0.0


def report(c, seconds, rate, samples, sample_s, flat, slack):
    bad = c.errors
    print("\nroute                 requests   5xx  other    p50 ms    p99 ms")
    for name, _ in MIX:
        r = c.routes.get(name)
        if r is None:
            continue
        other = " ".join("%dx%d" % (n, s) for s, n in r.other.items())
        bad += r.s5xx + sum(r.other.values())
        print("%-20s %9d %5d %6s %9.2f %9.2f" % (
            name, r.n, r.s5xx, other or "0", r.pct(50), r.pct(99)))
    total = sum(r.n for r in c.routes.values())
    print("all: %d requests in %.0f s (%.0f/s, target %.0f/s), "
          "%d connection errors" % (total, seconds, total / seconds, rate,
                                    c.errors))
    if total / seconds < CLIENT_BEHIND * rate:
        print("(below the target: the stack or this client ran slower than "
              "during the probe, a busy machine; see the p99s)")
    progs = sorted({p for s in samples for p in s})
    print("\nworker memory (MB) every %g s: RSS mean and max over the program's"
          " workers, the means of RssAnon and RssFile, the largest RssAnon,"
          " the mean PSS" % sample_s)
    for p in progs:
        print("%-8s %4s %8s %8s %8s %8s %8s %8s" % (
            p, "n", "rss", "max", "anon", "file", "maxanon", "pss"))
        for i, s in enumerate(samples):
            w = s.get(p, [])
            if w:
                print("%8d %4d %8.1f %8.1f %8.1f %8.1f %8.1f %8.1f" % (
                    i, len(w), mean([x[0] for x in w]) / 1024,
                    max(x[0] for x in w) / 1024,
                    mean([x[1] for x in w]) / 1024,
                    mean([x[2] for x in w]) / 1024,
                    max(x[1] for x in w) / 1024,
                    mean([x[3] for x in w]) / 1024))
    grew = flat_check(samples, progs, flat, slack)
    if bad:
        print("FAIL: %d requests answered 5xx or an unexpected status, or "
              "failed" % bad)
        return 1
    return 3 if grew else 0


def median(xs):
    xs = sorted(xs)
    n = len(xs)
    return (xs[n // 2] + xs[(n - 1) // 2]) / 2.0 if n else 0.0


def trend(ys):
    """(start, rise): the Theil-Sen line through ys (one per sample): its
    value at the first sample, and how much it rises to the last.  The
    median of the slopes between every two samples, so that a peak or two
    (see flat_check) does not tilt it, as it would a least-squares line."""
    n = len(ys)
    slope = median([(ys[j] - ys[i]) / (j - i)
                    for i in range(n) for j in range(i + 1, n)])
    start = median([y - slope * x for x, y in enumerate(ys)])
    return start, slope * (n - 1)


def flat_check(samples, progs, flat, slack):
    """Print and return the programs whose private memory (RssAnon) rose
    over the last half of the samples by more than flat (a share) and more
    than slack (KiB).  RssAnon is what a worker owns: a leak, a cache, a
    heap that keeps what was freed.  RssFile, the rest of RSS, is the page
    cache of the libraries and of the mapped gdbm file, shared by every
    worker and bounded by the files: it rises and falls as a checkpoint
    replaces the file.

    Growth is a trend, not a peak: a worker holds the journal's overlay,
    which grows until a checkpoint folds it and shrinks then, and the one
    folding it holds a copy for the seconds that takes; a sample catches
    each at any point of that cycle.  So the trend line of the last half
    (trend) must rise by at most the bound, for both the mean over the
    program's workers and the largest of them (a leak in a few workers,
    or a server that starts workers as load comes, would hide in the
    mean).  The peak is printed too."""
    half = samples[len(samples) // 2:]
    grew = []
    if len(half) < 3:
        print("memory: too few samples for the last half")
        return grew
    for p in progs:
        per = [[x[1] for x in s.get(p, [])] for s in half]
        if not all(per):
            continue
        bad = False
        shown = []
        for label, series in (("mean", [mean(w) for w in per]),
                              ("largest", [max(w) for w in per])):
            a, rise = trend(series)
            if a > 0 and rise > flat * a and rise > slack:
                bad = True
            shown.append("%s %.1f -> %.1f MB (%+.1f%%)" % (
                label, a / 1024, (a + rise) / 1024,
                rise * 100.0 / a if a > 0 else 0))
        peak = max(max(w) for w in per)
        print("memory, last half: %-8s RssAnon %s; peak %.1f MB %s" % (
            p, ", ".join(shown), peak / 1024, "GROWS" if bad else "flat"))
        if bad:
            grew.append(p)
    return grew


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--token-file", required=True)
    ap.add_argument("--csr", required=True)
    ap.add_argument("--workers-cmd", required=True)
    ap.add_argument("--secrets", type=int, default=100)
    ap.add_argument("--folders", type=int, default=1000)
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument("--probe", type=float, default=20)
    ap.add_argument("--load", type=float, default=0.8)
    ap.add_argument("--minutes", type=float, default=60)
    ap.add_argument("--sample", type=float, default=SAMPLE_SECONDS)
    ap.add_argument("--flat", type=float, default=0.05)
    ap.add_argument("--slack", type=float, default=0)
    a = ap.parse_args()

    probe = Client(a)
    await probe.setup()
    took = await probe.run(a.probe, 0)
    capacity = sum(r.n for r in probe.routes.values()) / took
    bad = probe.errors + sum(r.s5xx + sum(r.other.values())
                             for r in probe.routes.values())
    print("capacity of the mix: %.0f requests/s over %.0f s (%d connections,"
          " %d bad answers)" % (capacity, took, a.connections, bad))
    rate = capacity * a.load
    print("soak: %.0f requests/s (%.0f%%) for %g minutes" % (
        rate, a.load * 100, a.minutes), flush=True)

    c = Client(a)
    c.created = probe.created  # its secrets are deleted too
    samples = []

    async def sampler(start, until):
        n = 0
        while True:
            samples.append(await asyncio.get_running_loop().run_in_executor(
                None, sample, a.workers_cmd))
            n += 1
            at = start + n * a.sample
            if at > until + 1:
                return
            await asyncio.sleep(max(0, at - time.monotonic()))

    took = await c.run(a.minutes * 60, rate, sampler)
    rc = report(c, took, rate, samples, a.sample, a.flat, a.slack)
    if bad and rc == 0:
        print("FAIL: the capacity probe had %d bad answers" % bad)
        rc = 1
    return rc


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
