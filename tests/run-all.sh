#!/usr/bin/env bash
# tests/run-all.sh BUILD_DIR: the whole test suite against one build.
#
# 1. every C unit test (tests/unit/test_*.c -> BUILD_DIR/tests/unit/test_*),
#    which ends with "RESULT <passed> <failed>": each check counts once; a
#    crash, a missing binary or a missing RESULT line counts as one failure;
# 2. every shunit2 suite tests/suites/*_test.sh, once per web server in
#    COFFER_SERVERS (default: lighttpd; also apache-proxy, apache-fcgid:
#    tools/stack.sh), each test function counting once.  A suite that never
#    calls coffer_server_start, or whose header says
#    "# run-all: one-server", runs against the first server only.  On a
#    sanitizer build, so does every suite whose header does not say
#    "# run-all: sanitizers-every-server": the servers differ in what they
#    hand the programs (parameters, headers, bodies, how a slow or broken
#    client reaches them), which those suites test; the code below that
#    is the same whatever the server, and the plain pass runs every suite
#    behind every server.
# 3. with COFFER_PG_PASS=1 (tools/dev test, plain pass), every suite that
#    starts a server once more behind lighttpd with its store in a private
#    PostgreSQL cluster (COFFER_BACKEND=postgresql), except those whose
#    header says "# run-all: gdbm-only" (they test the gdbm files),
#    "# run-all: backend-free" (what they test is above the store) or
#    "# run-all: own-postgresql" (they start their own cluster already),
#    each skip said on a line of its own.
#
# A sanitizer report (ASan, UBSan, LSan) from any process, FastCGI workers
# included, fails the unit test or suite during which it was written.
# Logs go to BUILD_DIR/test-logs/; the log of anything that failed is
# printed.  The last line is exactly "N passed, N failed"; the exit status is
# non-zero if anything failed.  `make check` runs this script.
if [ -z "${BASH_VERSION:-}" ]; then
	exec bash "$0" "$@"
fi
set -uo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:?usage: tests/run-all.sh BUILD_DIR}
build=$(cd "$build" && pwd) || exit 2
logs=$build/test-logs
rm -rf "$logs"
mkdir -p "$logs/sanitizer"
# Under Apache the programs may run as www-data (mod_fcgid): let them write
# their reports too.
chmod 1777 "$logs/sanitizer"
. "$top/tools/stack.sh"

# Sanitizer reports go to files, so a report from a worker spawned by the
# web server is seen too (its stderr is the server's error log).
export ASAN_OPTIONS=${ASAN_OPTIONS:-log_path=$logs/sanitizer/report:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-log_path=$logs/sanitizer/report:print_stacktrace=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-log_path=$logs/sanitizer/report}

passed=0
recap=()
failed=0
SHUNIT_COLOR=none
export SHUNIT_COLOR

report() { # report ok|FAIL NAME DETAIL
	printf '%-4s  %-44s %s\n' "$1" "$2" "$3"
}

show_log() { # show_log FILE...: print a failed item's logs, bounded
	local f
	for f in "$@"; do
		[ -s "$f" ] || continue
		echo "---- ${f#"$build"/} (last 200 lines) ----"
		tail -n 200 "$f"
	done
	echo "----"
}

# sanitizer_reports NAME: move the reports written since the last call
# next to NAME's log; true if there were any.
sanitizer_reports() {
	local f found=1
	for f in "$logs"/sanitizer/*.*; do
		[ -e "$f" ] || continue
		{
			echo "==== sanitizer report $(basename "$f")"
			cat "$f"
		} >>"$logs/$1.sanitizer.log"
		rm -f "$f"
		found=0
	done
	return $found
}

run_unit() { # run_unit NAME
	local name=$1 bin=$build/tests/unit/$1 log=$logs/unit-$1.log
	local tmp rc p=0 f=0 result
	if [ ! -x "$bin" ]; then
		report FAIL "unit/$name" "not built"
		failed=$((failed + 1))
		return
	fi
	tmp=$(mktemp -d)
	# (The braces keep bash's "Aborted" notice out of the summary.)
	{ (cd "$tmp" && TMPDIR=$tmp timeout -k 10 300 "$bin") >"$log" 2>&1; } \
	    2>/dev/null
	rc=$?
	rm -rf "$tmp"
	result=$(grep -E '^RESULT [0-9]+ [0-9]+$' "$log" | tail -n 1)
	if [ -n "$result" ]; then
		read -r _ p f <<<"$result"
	fi
	local why=
	[ -z "$result" ] && why="no RESULT line (exit $rc)"
	[ -n "$result" ] && [ "$rc" -ne 0 ] && [ "$f" -eq 0 ] &&
	    why="exit status $rc after RESULT"
	sanitizer_reports "unit-$name" && why="${why:+$why; }sanitizer report"
	[ -n "$why" ] && f=$((f + 1))
	passed=$((passed + p))
	failed=$((failed + f))
	if [ "$f" -eq 0 ]; then
		report ok "unit/$name" "($p checks)"
	else
		report FAIL "unit/$name" "($f of $((p + f)) checks failed${why:+; $why})"
		recap+=("unit/$name: $f checks failed${why:+; $why}")
		show_log "$log" "$logs/unit-$name.sanitizer.log"
	fi
}

# stop_leftovers: stop servers a dead suite left running.
stop_leftovers() {
	local state
	[ -s "$COFFER_RUN_STATES" ] || return 0
	while read -r state; do
		[ -d "$state" ] || continue
		if stack_pid "$state"; then
			echo "      (stopping the server the suite left in $state)"
			stack_stop "$state"
		fi
		[ "${COFFER_KEEP_STATE:-0}" = 1 ] || rm -rf "$state"
	done <"$COFFER_RUN_STATES"
	: >"$COFFER_RUN_STATES"
}

# count_shunit LOG: "tests failed reason" from a shunit2 log.  A test starts
# at its SHUNIT_TEST_PREFIX line and fails if an ASSERT or a shunit2 error
# follows before the next test.  Tests shunit2 counted but never started
# (the suite died before them) fail too; a suite that died before any test
# or without its report fails as one.
count_shunit() {
	awk '
		/^@@ / { n++; cur = n; name[n] = $2; next }
		/^ASSERT:/ || /^shunit2:ERROR/ { if (cur) bad[cur] = 1 }
		/^shunit2:FATAL/ && !why { why = substr($0, 15) }
		/^Ran [0-9]+ tests?\./ { ran = $2 }
		/^FAILED \(/ { failedline = 1 }
		END {
			for (i in bad)
				f++
			if (ran == "") {
				why = why ? why : "suite died"
				f++
			} else if (ran > n) {
				f += ran - n
				why = why ? why : (ran - n) " never ran"
				n = ran
			}
			if (failedline && !f) f = 1
			if (!n && f) n = 1
			printf "%d %d %s\n", n, f + 0, why
		}' "$1"
}

# failed_tests LOG: the tests of a shunit2 log that failed, each with its
# first assertion, on one line (the recap at the end of the run).
failed_tests() {
	awk '
		/^@@ / { cur = $2; next }
		(/^ASSERT:/ || /^shunit2:ERROR/) && cur != "" && !(cur in seen) {
			seen[cur] = 1
			out = out (out ? "; " : "") cur " (" substr($0, 1, 160) ")"
		}
		END { print out }' "$1"
}

run_suite() { # run_suite FILE SERVER [BACKEND]
	local file=$1 server=$2 backend=${3:-gdbm} name rc log n f why t0
	name=$(basename "$file" .sh)
	t0=$SECONDS
	# A suite's name says its backend when it is not gdbm.
	[ "$backend" = gdbm ] || server=$server+$backend
	log=$logs/$name.$server.log
	COFFER_BUILD=$build COFFER_SERVER=${server%+*} COFFER_LOG_DIR=$logs \
	    COFFER_BACKEND=$backend SHUNIT_TEST_PREFIX='@@ ' \
	    timeout -k 10 900 bash "$file" >"$log" 2>&1
	rc=$?
	stop_leftovers
	read -r n f why <<<"$(count_shunit "$log")"
	[ "$rc" -eq 124 ] && why="timed out after 900 s"
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		why="exit status $rc"
		f=1
	fi
	if sanitizer_reports "$name.$server"; then
		why="${why:+$why; }sanitizer report"
		f=$((f + 1))
	fi
	[ "$f" -gt "$n" ] && n=$f
	passed=$((passed + n - f))
	failed=$((failed + f))
	if [ "$f" -eq 0 ]; then
		report ok "$name [$server]" \
		    "($n tests, $((SECONDS - t0)) s${why:+; $why})"
	else
		report FAIL "$name [$server]" \
		    "($f of $n tests failed, $((SECONDS - t0)) s${why:+; $why})"
		show_log "$log" "$logs/$name.$server.server.log" \
		    "$logs/$name.$server.sanitizer.log"
		recap+=("$name [$server]: ${why:+$why; }$(failed_tests "$log")")
	fi
}

echo "== tests of ${build}"
for src in "$top"/tests/unit/test_*.c; do
	[ -e "$src" ] || continue
	run_unit "$(basename "$src" .c)"
done

# One list per run: two runs on one build must not stop each other's servers.
COFFER_RUN_STATES=$(mktemp "$logs/.states.XXXXXX")
export COFFER_RUN_STATES
servers=${COFFER_SERVERS:-lighttpd}
first=${servers%% *}
# A sanitizer build (configure --enable-sanitizers) skips the suites whose
# header says "# run-all: not-under-sanitizers": what they run is
# sanitized already (the fuzz targets build their own ASan copy of
# common/) or measures what ASan's allocator distorts (the soak's memory).
sanitized=0
grep -q -- '-fsanitize=address' "$build/Makefile" 2>/dev/null && sanitized=1
for server in $servers; do
	for file in "$top"/tests/suites/*_test.sh; do
		[ -e "$file" ] || continue
		if [ "$sanitized" = 1 ] &&
		    grep -q '^# run-all: not-under-sanitizers$' "$file"; then
			continue
		fi
		# A suite that starts no server of its own (style, the store
		# alone, tools/dev) says the same behind every server: once.
		# Nor does one whose header says "# run-all: one-server":
		# what it tests is below the web server (a database's
		# failover).  Under the sanitizers only the suites that say
		# "# run-all: sanitizers-every-server" run behind every
		# server: what the others reach below the FastCGI request is
		# the same C code whatever the server.
		if [ "$server" != "$first" ] &&
		    { ! grep -q coffer_server_start "$file" ||
			grep -q '^# run-all: one-server$' "$file" ||
			{ [ "$sanitized" = 1 ] &&
			    ! grep -q '^# run-all: sanitizers-every-server$' \
				"$file"; }; }; then
			continue
		fi
		run_suite "$file" "$server"
	done
done
# The PostgreSQL pass: behind lighttpd only, what differs is the store.
if [ "${COFFER_PG_PASS:-0}" = 1 ]; then
	for file in "$top"/tests/suites/*_test.sh; do
		[ -e "$file" ] || continue
		grep -q coffer_server_start "$file" || continue
		if grep -q '^# run-all: gdbm-only$' "$file"; then
			report skip "$(basename "$file" .sh) [lighttpd+postgresql]" \
			    "(skipped: gdbm only)"
			continue
		fi
		if grep -q '^# run-all: backend-free$' "$file"; then
			report skip "$(basename "$file" .sh) [lighttpd+postgresql]" \
			    "(skipped: nothing it tests depends on the backend)"
			continue
		fi
		if grep -q '^# run-all: own-postgresql$' "$file"; then
			report skip "$(basename "$file" .sh) [lighttpd+postgresql]" \
			    "(skipped: runs its own cluster in every pass)"
			continue
		fi
		run_suite "$file" lighttpd postgresql
	done
fi
rm -f "$COFFER_RUN_STATES"

# The failures again, last: a long log is often read from its end.
for line in "${recap[@]}"; do
	echo "failed: $line"
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
