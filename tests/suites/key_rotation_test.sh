#!/usr/bin/env bash
# Keys over time (docs/store.md#rotation-rewrap-and-rekey): cofferctl rotate adds a data
# key that every program's next write seals under while older records
# still read; rewrap moves every record to it in batches, each a commit,
# so a rewrap killed half-way loses nothing and a second one finishes;
# rekey replaces the root key and its shares, and the old shares open
# nothing.  A backup from before all of it restores with its own shares.
. "$(dirname "$0")/../lib.sh"

P=/secrets/v1/secret/default
# Records the kill test writes, under the first term (fewer on
# PostgreSQL, where each batch of a rewrap is a round trip).
FOLDERS=20
EACH=50

oneTimeSetUp() {
	coffer_server_start && coffer_init_unseal || return 1
	coffer_keep_dir rotation
	ORIGINAL_SHARE=${COFFER_SHARES%% *}
	auth_json PUT $P/rot/before '{"value":"written-before-rotate"}'
	coffer_ctl backup "$KEEP/before.dump" >/dev/null
}
oneTimeTearDown() {
	coffer_server_stop
	rm -rf "$KEEP"
}

# terms DUMP: "KEY TERM" for every sealed record of a backup (gdbm's dump
# format: a "#:len=N" line, then the datum's base64; key, then value).
terms() {
	python3 - "$1" <<'PY'
import base64, sys
datums, cur = [], None
for line in open(sys.argv[1]):
    line = line.rstrip("\n")
    if line.startswith("#:len="):
        cur = []
        datums.append(cur)
    elif line.startswith("#"):
        cur = None
    elif cur is not None:
        cur.append(line)
raw = [base64.b64decode("".join(d)) for d in datums]
for key, val in zip(raw[0::2], raw[1::2]):
    if len(val) >= 34 and val[0] == 1:
        print(key.decode(), int.from_bytes(val[2:6], "big"))
PY
}

# term_of KEY: the term KEY's record names, from a fresh backup.
term_of() {
	local f
	f=$KEEP/term.$RANDOM.dump
	coffer_ctl backup "$f" >/dev/null || return 1
	terms "$f" | awk -v k="$1" '$1 == k { print $2 }'
	rm -f "$f"
}

# older_records: how many records cofferctl status counts under a term
# other than the current one.
older_records() {
	coffer_ctl status | awk '
		/^key term:/ { cur = $3 }
		/^term [0-9]+ seals:/ { n[$2] = $4 }
		END { s = 0; for (t in n) if (t != cur) s += n[t]; print s }'
}

test_a_secret_written_before_a_rotate_reads_after_it() {
	local out
	out=$(coffer_ctl rotate)
	assertEquals "cofferctl rotate exit status" 0 $?
	assertContains "the new term" "$out" "key term 2"
	auth_req GET $P/rot/before
	assert_status 200 "a running worker reads the older term"
	assert_json_eq .value written-before-rotate
}

test_new_writes_seal_under_the_new_term() {
	auth_json PUT $P/rot/after '{"value":"written-after-rotate"}'
	assert_status 201
	assertEquals "the new record's header" 2 "$(term_of s:default:/rot/after)"
	assertEquals "the older record's" 1 "$(term_of s:default:/rot/before)"
}

test_status_shows_each_term_and_the_records_it_seals() {
	local out
	out=$(coffer_ctl status)
	assertContains "$out" "key term: 2"
	assertContains "$out" "term 2 seals: "
	assertTrue "term 1 still seals records: $out" \
	    "echo '$out' | grep -Eq '^term 1 seals: [1-9][0-9]* records'"
}

# Writes until $KEEP/stop is there: "i STATUS" a line in $KEEP/loop.log.
write_loop() {
	local i=0
	while [ ! -e "$KEEP/stop" ]; do
		auth_json PUT $P/loop/k$i "{\"value\":\"v$i\"}"
		echo "$i $STATUS" >>"$KEEP/loop.log"
		i=$((i + 1))
	done
}

# loop_passes N: wait (at most 30 s) until the write loop has made N more
# writes than its log held when called.
loop_passes() {
	local want i
	want=$(($(cat "$KEEP/loop.log" 2>/dev/null | wc -l) + $1))
	for i in $(seq 300); do
		[ "$(cat "$KEEP/loop.log" 2>/dev/null | wc -l)" -ge "$want" ] &&
		    return 0
		sleep 0.1
	done
}

test_writes_during_rotate_and_rewrap_are_all_served_and_kept() {
	local i st lost=0 acked loop
	rm -f "$KEEP/stop" "$KEEP/loop.log"
	write_loop &
	loop=$!
	loop_passes 3
	coffer_ctl rotate >/dev/null
	assertEquals "rotate during writes" 0 $?
	coffer_ctl rewrap >/dev/null
	assertEquals "rewrap during writes" 0 $?
	loop_passes 3
	touch "$KEEP/stop"
	wait "$loop"
	acked=$(awk '$2 == 201' "$KEEP/loop.log" | wc -l)
	assertTrue "writes were made: $acked" "[ $acked -ge 5 ]"
	assertEquals "every write was acknowledged" "" \
	    "$(awk '$2 != 201' "$KEEP/loop.log")"
	while read -r i st; do
		[ "$st" = 201 ] || continue
		auth_req GET $P/loop/k$i
		[ "$STATUS:$(jq -r .value <<<"$BODY")" = "200:v$i" ] ||
		    lost=$((lost + 1))
	done <"$KEEP/loop.log"
	assertEquals "acknowledged writes lost" 0 "$lost"
}

test_rewrap_leaves_no_record_under_an_older_term() {
	local out f=$KEEP/rewrapped.dump
	coffer_ctl rotate >/dev/null
	out=$(coffer_ctl rewrap 2>&1)
	assertEquals "cofferctl rewrap exit status" 0 $?
	assertContains "a one-line summary" "$out" "none is left under an older term"
	assertEquals "records under older terms" 0 "$(older_records)"
	coffer_ctl backup "$f" >/dev/null
	assertEquals "every sealed record names term 4 (m:keyring: 0)" \
	    "$(printf '0\n4')" "$(terms "$f" | awk '{ print $2 }' | sort -u)"
	auth_req GET $P/rot/before
	assert_json_eq .value written-before-rotate
}

# The pid of the running `cofferctl rewrap` of this suite (not runuser's).
rewrap_pid() {
	local p
	for p in $(pgrep -f -- "-c $COFFER_CONFIG rewrap"); do
		case $(cat "/proc/$p/comm" 2>/dev/null) in
		ctl | cofferctl) echo "$p" ;;
		esac
	done
}

test_a_rewrap_killed_mid_way_leaves_every_record_readable_and_a_rerun_finishes() {
	local total left pid='' i out job
	[ "$STACK_BACKEND" = gdbm ] || { FOLDERS=6; EACH=50; }
	coffer_fillstore fill default kill/f /s $FOLDERS $EACH value >/dev/null
	coffer_ctl rotate >/dev/null
	total=$(older_records)
	assertTrue "records to rewrap: $total" "[ $total -ge $((FOLDERS * EACH)) ]"
	coffer_ctl rewrap --batch 1 >/dev/null 2>&1 &
	job=$!
	for i in $(seq 100); do
		pid=$(rewrap_pid)
		[ -n "$pid" ] && break
		sleep 0.05
	done
	assertNotNull "rewrap runs" "$pid"
	# Until some records moved, and not all.
	for i in $(seq 200); do
		left=$(older_records)
		[ "$left" -lt "$total" ] && break
	done
	[ -n "$pid" ] && kill -9 "$pid"
	wait "$job"
	left=$(older_records)
	assertTrue "killed mid-way: $left of $total left" \
	    "[ $left -gt 0 ] && [ $left -lt $total ]"
	for i in 0 $((FOLDERS / 2)) $((FOLDERS - 1)); do
		auth_req GET $P/kill/f$i/s$((EACH - 1))
		assert_json_eq .value "v-$i-$((EACH - 1))"
	done
	out=$(coffer_ctl rewrap 2>&1)
	assertEquals "the rerun's exit status" 0 $?
	assertContains "it moved what was left" "$out" "rewrapped $left records"
	assertEquals "records under older terms" 0 "$(older_records)"
	auth_req GET $P/kill/f0/s0
	assert_json_eq .value v-0-0
}

test_rekey_refuses_bad_counts_and_a_wrong_share_and_changes_nothing() {
	local out wrong
	wrong=$(head -c 33 /dev/urandom | od -An -tx1 | tr -d ' \n')
	out=$(echo "$ORIGINAL_SHARE" | coffer_ctl rekey -n 2 -t 3 2>&1)
	assertEquals "T > N" 2 $?
	assertContains "$out" "at most the shares"
	out=$(echo "$ORIGINAL_SHARE" | coffer_ctl rekey -n 2 -t 0 2>&1)
	assertEquals "T < 1" 2 $?
	out=$(echo "$wrong" | coffer_ctl rekey -n 3 -t 2 2>&1)
	assertEquals "a wrong share" 2 $?
	assertContains "$out" "do not combine to the store's key; nothing changed"
	req GET /secrets/v1/seal-status/default
	assert_json_eq .threshold 1 "the threshold is unchanged"
	assert_json_eq .sealed false
}

unseal_with() { json_req PUT /secrets/v1/unseal/default "{\"key\":\"$1\"}"; }

test_rekey_prints_new_shares_that_unseal_and_the_old_one_is_refused() {
	local out new
	out=$(echo "$ORIGINAL_SHARE" | coffer_ctl rekey -n 3 -t 2)
	assertEquals "cofferctl rekey exit status" 0 $?
	new=$(sed -n 's/^key share [0-9]*: //p' <<<"$out")
	assertEquals "three new shares" 3 "$(grep -c . <<<"$new")"
	auth_req GET $P/rot/before
	assert_status 200 "the programs keep serving through a rekey"
	coffer_ctl seal >/dev/null
	# The old share is x = 1: with the new x = 2 it makes the threshold.
	unseal_with "$ORIGINAL_SHARE"
	unseal_with "$(sed -n 2p <<<"$new")"
	assert_status 400 "the old share does not combine with a new one"
	req GET /secrets/v1/seal-status/default
	assert_json_eq .sealed true
	out=$(echo "$ORIGINAL_SHARE" | coffer_ctl rekey -n 1 -t 1 2>&1)
	assertNotEquals "the old share rekeys no more" 0 $?
	unseal_with "$(sed -n 1p <<<"$new")"
	unseal_with "$(sed -n 3p <<<"$new")"
	assert_status 200
	assert_json_eq .sealed false
	auth_req GET $P/rot/after
	assert_json_eq .value written-after-rotate
}

# Last: it replaces the suite's server by one on the restored store.
test_a_backup_from_before_the_rotate_restores_and_unseals_with_its_shares() {
	coffer_server_stop
	coffer_server_start || fail "a new server on an empty store"
	req GET /secrets/v1/seal-status/default
	coffer_ctl restore "$KEEP/before.dump" >/dev/null
	assertEquals "cofferctl restore exit status" 0 $?
	unseal_with "$ORIGINAL_SHARE"
	assert_status 200
	assert_json_eq .sealed false
	auth_req GET $P/rot/before
	assert_status 200
	assert_json_eq .value written-before-rotate
}

. /usr/share/shunit2/shunit2
