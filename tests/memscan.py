#!/usr/bin/env python3
"""memscan.py: look for byte strings in the memory of processes.

Usage: memscan.py PIDS LABEL=HEX [LABEL=HEX...]

PIDS is a comma-separated list.  Every readable mapping of each process
(/proc/PID/maps, read through /proc/PID/mem: run as root, which may read a
process that is not dumpable) is searched for each string.  Prints one line
"PID LABEL ADDRESS MAPPING" per place found, and nothing when none is;
exits 2 if a process could not be read at all.
"""
import sys

# Mappings the kernel provides that read as errors or hold no user data.
SKIP = ("[vvar]", "[vsyscall]", "[vvar_vclock]")
CHUNK = 1 << 20
# AddressSanitizer's shadow is terabytes of mostly untouched mappings that
# hold no user data; a worker's own mappings are far smaller than this.
MAX_MAPPING = 1 << 32


def mappings(pid):
    with open(f"/proc/{pid}/maps") as f:
        for line in f:
            parts = line.split(None, 5)
            start, end = (int(x, 16) for x in parts[0].split("-"))
            name = parts[5].strip() if len(parts) > 5 else ""
            if "r" in parts[1] and name not in SKIP:
                yield start, end, name


def read_mapping(mem, start, end):
    """The mapping's bytes, CHUNK at a time; pages that cannot be read
    (guard pages, a mapping gone meanwhile) end it."""
    parts = []
    at = start
    while at < end:
        try:
            mem.seek(at)
            part = mem.read(min(CHUNK, end - at))
        except (OSError, ValueError, OverflowError):
            break
        if not part:
            break
        parts.append(part)
        at += len(part)
    return b"".join(parts)


def scan(pid, wanted):
    found = []
    with open(f"/proc/{pid}/mem", "rb", 0) as mem:
        for start, end, name in mappings(pid):
            if end - start > MAX_MAPPING:
                continue
            data = read_mapping(mem, start, end)
            for label, needle in wanted:
                at = data.find(needle)
                while at != -1:
                    found.append(f"{pid} {label} {start + at:#x} {name or '[anon]'}")
                    at = data.find(needle, at + 1)
    return found


def main():
    pids = [p for p in sys.argv[1].split(",") if p]
    wanted = []
    for arg in sys.argv[2:]:
        label, _, hexstr = arg.partition("=")
        wanted.append((label, bytes.fromhex(hexstr)))
    rc = 0
    for pid in pids:
        try:
            for line in scan(pid, wanted):
                print(line)
        except OSError as e:
            print(f"{pid} unreadable: {e}", file=sys.stderr)
            rc = 2
    return rc


if __name__ == "__main__":
    sys.exit(main())
