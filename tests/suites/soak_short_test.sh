#!/usr/bin/env bash
# tools/soak, short: two minutes of the mixed load (reads in two dialects,
# creates, PATCHes, deletes, lists, multi-gets, CA signs) at 80% of what the
# stack sustains, on a store of 2,000 secrets, behind lighttpd (tools/soak
# starts its own stack: the suite runs once).  No answer is a 5xx or
# unexpected, and no worker's memory grows once the store's peaks are
# reached: the first minute reads the journal in one piece and builds the
# overlay from it, and checkpoints (a 4 MiB journal here, every few
# seconds) replace both many times.  In the second minute each program's
# largest private memory (RssAnon; tools/soak.py says why not RssFile)
# stays within 5% or 1 MiB of where it stood at the half: 1 MiB is the I/O
# buffer a worker may keep (BUF_KEEP in common/backend/store_io.c); a
# worker that kept each journal it read in one piece, or a heap that kept
# each overlay freed, grew by more in that minute.  Under the sanitizers the memory is
# not judged: AddressSanitizer's allocator holds freed blocks in quarantine.
# run-all: not-under-sanitizers
# run-all: gdbm-only
. "$(dirname "$0")/../lib.sh"

SOAK_OUT=

oneTimeSetUp() {
	SOAK_OUT=$(mktemp "${TMPDIR:-/tmp}/soak-short.XXXXXX")
	SOAK_FOLDERS=20 SOAK_PROBE=10 SOAK_SAMPLE=10 SOAK_SLACK_KB=1024 \
	    COFFER_BUILD=$COFFER_BUILD "$COFFER_TOP/tools/soak" --minutes=2 \
	    >"$SOAK_OUT" 2>&1
	SOAK_RC=$?
}

oneTimeTearDown() { rm -f "$SOAK_OUT"; }

# route_rows: "requests 5xx other" of every route of the report.
route_rows() {
	awk '/^route /{ on = 1; next } /^all: /{ on = 0 }
	    on && NF { print $(NF - 4), $(NF - 3), $(NF - 2) }' "$SOAK_OUT"
}

test_the_soak_ran_every_route_of_the_mix() {
	assertEquals "routes in the report: $(cat "$SOAK_OUT")" 8 \
	    "$(route_rows | awk '$1 > 0' | wc -l)"
}

test_no_request_of_the_mix_answers_a_5xx_or_an_unexpected_status() {
	assertEquals "5xx or unexpected answers: $(route_rows)" "" \
	    "$(route_rows | awk '$2 != 0 || $3 != 0')"
	assertNotEquals "tools/soak exit (1: bad answers): $(tail -n 5 "$SOAK_OUT")" \
	    1 "$SOAK_RC"
}

test_no_worker_grows_in_the_second_half_of_the_soak() {
	if grep -q -- --enable-sanitizers "$COFFER_BUILD/config.status"; then
		startSkipping
	fi
	assertEquals "programs measured" 5 \
	    "$(grep -c '^memory, last half:' "$SOAK_OUT")"
	assertEquals "growing programs: $(grep -A 200 '^worker memory' "$SOAK_OUT")" \
	    "" "$(grep '^memory, last half:.*GROWS' "$SOAK_OUT")"
	assertEquals "tools/soak exit" 0 "$SOAK_RC"
}

. /usr/share/shunit2/shunit2
