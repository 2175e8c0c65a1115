#! /bin/sh
# store_crash_test.sh: kill -9 store writers at random moments and check
# that every write they acknowledged is still there, that a reader running
# alongside (lock-free while its view is current) only ever sees whole
# transactions and never goes back, and that the store opens cleanly
# afterwards.  Runs against the store alone, no web server.
#
# The crashwriter binary is $COFFER_BUILD/tests/crashwriter (/tmp for a
# hand-built one).

CRASHWRITER=${COFFER_BUILD:-/tmp}/tests/crashwriter
WRITERS=4
RUN_SECONDS=10
MAX_KILLS=1000

# A random number in 0..65535 (dash has no $RANDOM).
rand() {
	od -An -N2 -tu2 /dev/urandom | tr -d ' '
}

# sleep 0.01 .. 0.09
short_nap() {
	sleep "0.0$(($(rand) % 9 + 1))"
}

start_writer() { # slot [checkpoint-bytes]
	"$CRASHWRITER" write "$STORE" "w$1" $2 \
	    >>"$WORK/acks.$1" 2>>"$WORK/err.$1" &
	eval "pid_$1=$!"
}

# Kill a writer; count it as failed if it had already died on its own.
kill_writer() { # slot
	eval "_pid=\$pid_$1"
	kill -9 "$_pid" 2>/dev/null
	wait "$_pid" 2>/dev/null
	[ $? -eq 137 ] || failures=$((failures + 1))
}

oneTimeSetUp() {
	if [ ! -x "$CRASHWRITER" ]; then
		echo "no $CRASHWRITER (set COFFER_BUILD)" >&2
		exit 1
	fi
}

setUp() {
	WORK=$(mktemp -d /tmp/store_crash.XXXXXX)
	STORE=$WORK/store.db
	failures=0
	kills=0
}

tearDown() {
	for _s in $(seq 1 $WRITERS); do
		eval "_pid=\${pid_$_s:-}"
		[ -n "$_pid" ] && kill -9 "$_pid" 2>/dev/null
		unset "pid_$_s"
	done
	wait 2>/dev/null
	rm -rf "$WORK"
}

acked() {
	cat "$WORK"/acks.* | wc -l
}

# What the writers logged besides the repairs a kill calls for.
unexpected_logs() {
	cat "$WORK"/err.* 2>/dev/null | grep -v -e 'torn tail' \
	    -e 'rebuilding the shared header' | head -5
}

test_killed_writers_lose_no_acknowledged_write() {
	for s in $(seq 1 $WRITERS); do
		start_writer "$s"
	done
	"$CRASHWRITER" read "$STORE" $RUN_SECONDS $WRITERS \
	    >"$WORK/reader.out" 2>>"$WORK/err.reader" &
	reader=$!
	end=$(($(date +%s) + RUN_SECONDS))
	while [ "$(date +%s)" -lt $end ] && [ $kills -lt $MAX_KILLS ]; do
		short_nap
		s=$(($(rand) % WRITERS + 1))
		kill_writer "$s"
		kills=$((kills + 1))
		start_writer "$s"
	done
	for s in $(seq 1 $WRITERS); do
		kill_writer "$s"
	done
	wait "$reader"
	rc=$?
	read_out=$(cat "$WORK/reader.out")
	assertEquals "the reader saw only whole, newer states: $read_out" 0 $rc
	assertTrue "the reader ran sections ($read_out)" \
	    "grep -q '^read [1-9][0-9]* sections' \"$WORK/reader.out\""

	assertTrue "writers were killed ($kills)" "[ $kills -gt 20 ]"
	assertEquals "no writer failed on its own" 0 "$failures"
	n=$(acked)
	echo "  $kills kills, $n acknowledged writes, $read_out," \
	    "$(cat "$WORK"/err.* | grep -c 'torn tail') torn tails zeroed," \
	    "$(cat "$WORK"/err.* | grep -c 'died in its append') appends" \
	    "recovered," \
	    "$(cat "$WORK"/err.* | grep -c 'died in a checkpoint')" \
	    "checkpoints recovered"
	assertTrue "writers acknowledged writes ($n)" "[ $n -gt 200 ]"
	assertTrue "checkpoints folded the journal into gdbm" \
	    "[ $(stat -c %s "$STORE") -gt 16384 ]"
	assertEquals "writers logged only repairs" "" "$(unexpected_logs)"
	out=$("$CRASHWRITER" verify "$STORE" "$WORK"/acks.*)
	assertEquals "every acknowledged write is readable: $out" 0 $?
	assertEquals "verified $n" "$out"
}

# A commit raises the header's busy flag while it writes its record: a
# writer killed there leaves bytes past the published end, and the next
# opener rebuilds the header and zeroes them.  Transactions of 8 MiB make
# the write long enough for kills to land in it.
test_writer_killed_in_its_append_loses_nothing() {
	while ! grep -q 'died in its append' "$WORK/err.1" 2>/dev/null &&
	    [ $kills -lt 300 ]; do
		start_writer 1 "16777216 8388608"
		# Past its start, which reads up to 16 MiB of journal.
		sleep "0.$(($(rand) % 4 + 1))"
		kill_writer 1
		kills=$((kills + 1))
	done

	echo "  a kill landed in an append after $kills"
	assertTrue "a kill landed in an append" \
	    "grep -q 'died in its append' \"$WORK/err.1\""
	assertEquals "no writer failed on its own" 0 "$failures"
	out=$("$CRASHWRITER" verify "$STORE" "$WORK/acks.1")
	assertEquals "the store opens and holds every write: $out" 0 $?
	assertEquals "verified $(acked)" "$out"
	assertEquals "writers logged only repairs" "" "$(unexpected_logs)"
}

# Checkpoint after every commit, on a store large enough that copying it
# takes a while, and kill until kills have landed in both halves of a
# checkpoint: the copy (the half-built <store>.tmp is there) and the swap
# under the write lock (the next opener says it rebuilt the header).
test_store_opens_cleanly_after_kill_during_checkpoint() {
	assertTrue "prefill" "\"$CRASHWRITER\" fill \"$STORE\" 4000"
	in_copy=0
	in_swap=0
	while [ $((in_copy * in_swap)) -eq 0 ] && [ $kills -lt 400 ]; do
		start_writer 1 1
		short_nap
		kill_writer 1
		kills=$((kills + 1))
		[ -e "$STORE.tmp" ] && in_copy=1
		grep -q 'died in a checkpoint' "$WORK/err.1" && in_swap=1
	done

	echo "  kills landed in a checkpoint's copy and swap after $kills"
	assertEquals "a kill landed in a checkpoint's copy" 1 $in_copy
	assertEquals "a kill landed in a checkpoint's swap" 1 $in_swap
	assertEquals "no writer failed on its own" 0 "$failures"
	out=$("$CRASHWRITER" verify "$STORE" "$WORK/acks.1")
	assertEquals "the store opens and holds every write: $out" 0 $?
	assertEquals "verified $(acked)" "$out"
	assertFalse "opening removed the half-built copy" "[ -e \"$STORE.tmp\" ]"

	# Writers go on where the dead one stopped.
	start_writer 1 1
	sleep 0.3
	kill_writer 1
	out=$("$CRASHWRITER" verify "$STORE" "$WORK/acks.1")
	assertEquals "writes after recovery are kept: $out" 0 $?
	assertEquals "no writer failed after recovery" 0 "$failures"
	assertEquals "writers logged only repairs" "" "$(unexpected_logs)"
}

. /usr/share/shunit2/shunit2
