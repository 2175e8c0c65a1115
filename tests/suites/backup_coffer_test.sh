#!/usr/bin/env bash
# cofferctl backup and restore: a backup is every record as stored (gdbm's
# dump format, still ciphertext), and a restore into an empty store gives
# back a store that unseals with the original shares and serves the same
# secrets to the same credentials.  Both draw a progress bar when stderr is
# a terminal (here util-linux's script gives them one) and end with a
# summary line on stderr either way.
. "$(dirname "$0")/../lib.sh"

P=/secrets/v1/secret/default
VALUE=backup-secret-value-7f3a

oneTimeSetUp() {
	coffer_server_start && coffer_init_unseal || return 1
	auth_json PUT $P/backup/db "{\"value\":\"$VALUE\"}"
	auth_json PUT $P/backup/other '{"value":"second"}'
	coffer_keep_dir backup
}
oneTimeTearDown() {
	coffer_server_stop
	rm -rf "$KEEP"
}

test_backup_holds_the_records_and_no_secret_in_clear() {
	local f=$KEEP/one.dump
	coffer_ctl backup "$f"
	assertEquals "cofferctl backup exit status" 0 $?
	assertEquals "the backup is its owner's alone" 600 "$(stat -c %a "$f")"
	assertTrue "gdbm's dump framing" "grep -q '^#:len=' '$f'"
	assertFalse "the value in clear" "grep -qF '$VALUE' '$f'"
	assertFalse "the value base64-encoded" \
	    "grep -qF '$(printf %s "$VALUE" | base64 -w0 | cut -c1-16)' '$f'"
}

test_backup_never_overwrites_a_file() {
	local f=$KEEP/taken.dump
	echo keep >"$f"
	coffer_ctl backup "$f" 2>/dev/null
	assertNotEquals "cofferctl backup exit status" 0 $?
	assertEquals "the file is unchanged" keep "$(cat "$f")"
}

test_restore_into_a_store_with_records_is_refused() {
	local f=$KEEP/again.dump
	coffer_ctl backup "$f"
	auth_json PATCH $P/backup/db '{"value":"changed-after-backup"}'
	assert_status 204
	coffer_ctl restore "$f" 2>/dev/null
	assertNotEquals "cofferctl restore exit status" 0 $?
	auth_req GET $P/backup/db
	assert_json_eq .value changed-after-backup
	auth_json PATCH $P/backup/db "{\"value\":\"$VALUE\"}"
}

# ctl_on_tty ARGS...: coffer_ctl ARGS on a pseudo-terminal (script), what
# the terminal showed (stdout and stderr, with their carriage returns) on
# stdout; the exit status is cofferctl's.
ctl_on_tty() {
	local cmd
	cmd="$(declare -f stack_owner coffer_ctl)
COFFER_BUILD=$(printf %q "$COFFER_BUILD")
COFFER_STATE=$(printf %q "$COFFER_STATE")
COFFER_CONFIG=$(printf %q "$COFFER_CONFIG")
coffer_ctl $(printf '%q ' "$@")"
	SHELL=/bin/bash script -qec "$cmd" /dev/null </dev/null
}

# records DUMP: the dump's records, key and value on one line, sorted
# (the order of a walk is the backend's).
records() {
	awk '/^#:len=/ {
		if (++n % 2 == 1) { if (r != "") print r; r = "" } else r = r " "
		next
	    }
	    /^#/ { next }
	    { r = r $0 }
	    END { if (r != "") print r }' "$1" | sort
}

# second_config: a copy of the suite's config whose store is a new one in
# KEEP, in CONF2.
second_config() {
	CONF2=$KEEP/second.conf
	sed "s|^store = .*|store = $KEEP/second.db|" "$COFFER_CONFIG" >"$CONF2"
	chmod 644 "$CONF2"
}

test_a_backup_on_a_terminal_draws_a_bar_to_100_percent_and_holds_the_same_records() {
	local out
	coffer_ctl backup "$KEEP/plain.dump" >/dev/null 2>&1
	out=$(ctl_on_tty backup "$KEEP/tty.dump")
	assertEquals "cofferctl backup exit status" 0 $?
	assertContains "a bar" "$out" "backup ["
	assertContains "that ends full" "$out" "[$(printf '#%.0s' $(seq 30))] 100%"
	assertContains "then the summary" "$out" "backup: "
	assertEquals "the same records as a backup without a terminal" \
	    "$(records "$KEEP/plain.dump")" "$(records "$KEEP/tty.dump")"
}

test_a_backup_without_a_terminal_says_only_its_summary_on_stderr() {
	local err
	err=$(coffer_ctl backup "$KEEP/quiet.dump" 2>&1 >/dev/null)
	assertEquals "cofferctl backup exit status" 0 $?
	assertEquals "one line" 1 "$(printf '%s\n' "$err" | wc -l)"
	assertTrue "count, time and rate: $err" \
	    "echo '$err' | grep -Eq '^backup: [0-9]+ records in [0-9.]+ s \([0-9]+ records/s\)$'"
}

test_a_restore_on_a_terminal_draws_a_bar_to_100_percent_and_loads_the_same_records() {
	local out
	second_config
	rm -f "$KEEP"/second.db*
	coffer_ctl backup "$KEEP/from.dump" >/dev/null 2>&1
	out=$(COFFER_CONFIG=$CONF2 ctl_on_tty restore "$KEEP/from.dump")
	assertEquals "cofferctl restore exit status" 0 $?
	assertContains "a bar" "$out" "restore ["
	assertContains "that ends full" "$out" "[$(printf '#%.0s' $(seq 30))] 100%"
	COFFER_CONFIG=$CONF2 coffer_ctl backup "$KEEP/back.dump" >/dev/null 2>&1
	assertEquals "the restored store holds its source's records" \
	    "$(records "$KEEP/from.dump")" "$(records "$KEEP/back.dump")"
}

test_a_restore_without_a_terminal_says_only_its_summary_on_stderr() {
	local err
	second_config
	rm -f "$KEEP"/second.db*
	coffer_ctl backup "$KEEP/src.dump" >/dev/null 2>&1
	err=$(COFFER_CONFIG=$CONF2 coffer_ctl restore "$KEEP/src.dump" 2>&1 >/dev/null)
	assertEquals "cofferctl restore exit status" 0 $?
	assertEquals "one line" 1 "$(printf '%s\n' "$err" | wc -l)"
	assertTrue "size, time and rate: $err" \
	    "echo '$err' | grep -Eq '^restore: [0-9.]+ (B|KiB|MiB) in [0-9.]+ s \([0-9.]+ (B|KiB|MiB)/s\)$'"
}

# Last: it replaces the suite's server by one on the restored store.
test_restore_into_an_empty_store_unseals_with_the_original_shares() {
	local f=$KEEP/full.dump shares=$COFFER_SHARES token=$COFFER_TOKEN
	coffer_ctl backup "$f"
	coffer_server_stop # seals: the key leaves the keyring
	coffer_server_start || fail "a new server on an empty store"
	# A first request: behind mod_fcgid no program ran yet to make the
	# store file, whose owner cofferctl runs as.
	req GET /secrets/v1/seal-status/default
	coffer_ctl restore "$f"
	assertEquals "cofferctl restore exit status" 0 $?
	req GET /secrets/v1/seal-status/default
	assert_json_eq .sealed true
	json_req PUT /secrets/v1/unseal/default "{\"key\":\"${shares%% *}\"}"
	assert_status 200
	assert_json_eq .sealed false
	COFFER_TOKEN=$token
	auth_req GET $P/backup/db
	assert_status 200 "the original token reads the restored secret"
	assert_json_eq .value "$VALUE"
	auth_req GET $P/backup/other
	assert_json_eq .value second
}

. /usr/share/shunit2/shunit2
