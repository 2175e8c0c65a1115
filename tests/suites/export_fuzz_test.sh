#!/usr/bin/env bash
# The gdbm dump reader (common/backend/dumpfmt.c), which parses every import body
# and every restored backup, under libFuzzer with ASan and UBSan, from the
# seed corpus in tests/fuzz/corpus/dumpfmt/, for COFFER_FUZZ_SECONDS
# (default 5): short, so every test run exercises it; `make fuzz` runs
# longer.
# run-all: not-under-sanitizers
. "$(dirname "$0")/../lib.sh"

test_fuzzing_the_dump_reader_and_writer_finds_nothing() {
	assert_fuzz_finds_nothing dumpfmt 5
}

. /usr/share/shunit2/shunit2
