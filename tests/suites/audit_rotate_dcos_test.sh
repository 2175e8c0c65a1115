#!/usr/bin/env bash
# The audit log can be rotated as logrotate does it without copytruncate:
# rename it, and every worker (common/app/app.c, identity/audit.c
# audit_follow) writes its next lines to a new file by the old name within
# a second, whether it is busy or idle.  Each request's line is in exactly
# one of the two files, whole: none lost, split or written twice, while
# requests come from several clients through the rename.  The shipped
# logrotate file (apache-conf/logrotate/coffer) does it (tools/dev
# installs logrotate).
. "$(dirname "$0")/../lib.sh"

# Behind apache-proxy the programs run as Apache's user here, as in
# production they run as a user of their own: the log and the new file
# are that user's, and logrotate acts as that user (su).
[ "$COFFER_SERVER" = apache-proxy ] && STACK_PROGRAM_USER=$STACK_APACHE_USER

oneTimeSetUp() {
	coffer_server_start && coffer_init_unseal || return 1
	LOG=$COFFER_STATE/audit.log
}
oneTimeTearDown() { coffer_server_stop; }

# requests TAG FROM TO: GET /secrets/v1/secret/default/rot/TAG-<i> for i
# from FROM to TO, four clients at a time; each is one audit line naming
# its path.
requests() {
	local tag=$1 i
	for ((i = $2; i <= $3; i++)); do
		curl -sS --max-time 30 -o /dev/null \
		    -H "Authorization: token=$COFFER_TOKEN" \
		    "$COFFER_ADDR/secrets/v1/secret/default/rot/$tag-$i" &
		(((i - $2) % 4 == 3)) && wait
	done
	wait
}

# lines_of TAG FILE...: how many lines of FILEs name TAG's requests.
lines_of() {
	local tag=$1
	shift
	cat "$@" 2>/dev/null | grep -c "\"path\":\"/secrets/v1/secret/default/rot/$tag-"
}

# assert_whole FILE...: every line of FILEs is one JSON object.
assert_whole() {
	local f bad
	for f in "$@"; do
		bad=$(jq -c . "$f" 2>&1 >/dev/null | head -1)
		assertNull "$f: every line is whole JSON" "$bad"
	done
}

# paths_of TAG FILE...: the paths of TAG's lines in FILEs, one a line.
paths_of() {
	local tag=$1
	shift
	cat "$@" 2>/dev/null |
	    grep -o "\"path\":\"/secrets/v1/secret/default/rot/$tag-[0-9]*\"" |
	    sed 's|.*/rot/||; s|"$||'
}

# assert_each_once TAG N FILE...: TAG's requests 1..N each have exactly
# one line across FILEs.
assert_each_once() {
	local tag=$1 n=$2 dup missing
	shift 2
	dup=$(paths_of "$tag" "$@" | sort | uniq -d | head -3)
	assertNull "$tag: no line twice" "$dup"
	missing=$(comm -23 <(seq 1 "$n" | sed "s|^|$tag-|" | sort) \
	    <(paths_of "$tag" "$@" | sort -u) | head -3)
	assertNull "$tag: no line lost" "$missing"
}

test_renamed_log_is_followed_and_no_line_is_lost() {
	local n
	requests a 1 40
	assertEquals "before the rename, in the log" 40 "$(lines_of a "$LOG")"
	mv "$LOG" "$LOG.1"
	# Requests across the rename: some lines to each file.
	requests b 1 80
	sleep 1.5
	requests c 1 40
	assertEquals "the renamed file keeps the old lines" 40 \
	    "$(lines_of a "$LOG.1")"
	assertEquals "none of them in the new file" 0 "$(lines_of a "$LOG")"
	assertEquals "the lines after the rename and a second: the new file" \
	    40 "$(lines_of c "$LOG")"
	assertEquals "none of them in the renamed file" 0 \
	    "$(lines_of c "$LOG.1")"
	n=$(($(lines_of b "$LOG.1") + $(lines_of b "$LOG")))
	assertEquals "the lines across the rename, in one file or the other" \
	    80 "$n"
	assert_each_once a 40 "$LOG" "$LOG.1"
	assert_each_once b 80 "$LOG" "$LOG.1"
	assert_each_once c 40 "$LOG" "$LOG.1"
	assert_whole "$LOG" "$LOG.1"
	assertEquals "the new file is 0600" 600 "$(stat -c %a "$LOG")"
}

test_idle_workers_follow_without_a_request() {
	mv "$LOG" "$LOG.2"
	# No request: the idle tick of some worker makes the new file.
	sleep 2.5
	assertTrue "a new audit.log, with no request" "[ -e '$LOG' ]"
	requests d 1 20
	assertEquals "the next lines go to it" 20 "$(lines_of d "$LOG")"
	assertEquals "none to the renamed file" 0 "$(lines_of d "$LOG.2")"
	assert_whole "$LOG" "$LOG.2"
}

test_a_log_rotated_twice_in_a_row_loses_nothing() {
	requests e 1 20
	mv "$LOG" "$LOG.3"
	requests f 1 20
	sleep 1.5
	mv "$LOG" "$LOG.4"
	requests g 1 20
	sleep 1.5
	requests h 1 20
	assert_each_once e 20 "$LOG" "$LOG.3" "$LOG.4"
	assert_each_once f 20 "$LOG" "$LOG.3" "$LOG.4"
	assert_each_once g 20 "$LOG" "$LOG.3" "$LOG.4"
	assertEquals "the last lines in the newest file" 20 "$(lines_of h "$LOG")"
	assert_whole "$LOG" "$LOG.3" "$LOG.4"
}

test_the_shipped_logrotate_file_rotates_the_log() {
	local owner group conf=$COFFER_STATE/logrotate.conf
	if ! command -v logrotate >/dev/null; then
		fail "logrotate is not installed (tools/dev installs it)"
		return
	fi
	owner=$(stack_owner "$COFFER_STATE")
	group=$(id -gn "$owner")
	sed -e "s|/var/log/coffer/audit.log|$LOG|" \
	    -e "s|coffer coffer|$owner $group|" \
	    "$COFFER_TOP/apache-conf/logrotate/coffer" >"$conf"
	chmod 0644 "$conf"
	requests i 1 20
	rm -f "$LOG.1"
	logrotate -f -s "$COFFER_STATE/logrotate.state" "$conf"
	assertEquals "logrotate's exit status" 0 $?
	assertTrue "the old log renamed, not compressed yet" "[ -s '$LOG.1' ]"
	assertEquals "the new log: 0600, the programs' user's" "600 $owner" \
	    "$(stat -c '%a %U' "$LOG")"
	sleep 1.5
	requests j 1 20
	assertEquals "the old lines stay in the renamed file" 20 \
	    "$(lines_of i "$LOG.1")"
	assertEquals "the next lines reach the new file" 20 \
	    "$(lines_of j "$LOG")"
	assert_whole "$LOG" "$LOG.1"
}

. /usr/share/shunit2/shunit2
