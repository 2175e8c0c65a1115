#!/usr/bin/env bash
# cofferctl backup and restore: a backup is every record as stored (gdbm's
# dump format, still ciphertext), and a restore into an empty store gives
# back a store that unseals with the original shares and serves the same
# secrets to the same credentials.
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
