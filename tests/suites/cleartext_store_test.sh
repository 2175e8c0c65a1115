#!/usr/bin/env bash
# Secrets never reach the disk or the logs in clear (docs/store.md#sealing):
# the gdbm file, its journal, the audit log and the server's error log
# hold no secret value and no token.
# run-all: gdbm-only
. "$(dirname "$0")/../lib.sh"

oneTimeSetUp() { coffer_server_start && coffer_init_unseal; }
oneTimeTearDown() { coffer_server_stop; }

MARK=cleartext-canary-$$-$RANDOM

# Every file the stack wrote, but the test's own request and init records.
files_holding() {
	find "$COFFER_STATE" -type f ! -name '.req.*' ! -name init.json \
	    -exec grep -laF -- "$1" {} + 2>/dev/null
}

test_secret_values_are_not_in_store_journal_or_logs() {
	auth_json PUT /secrets/v1/secret/default/canary/dcos "{\"value\":\"$MARK-dcos\"}"
	assert_status 201
	auth_json PUT /api/v1/secrets/canary/path "{\"data\":{\"k\":\"$MARK-path\"}}"
	assert_status 200
	printf '%s-bin' "$MARK" >"$COFFER_STATE/.req.binary"
	auth_req PUT /secrets/v1/secret/default/canary/bin \
	    -H 'Content-Type: application/octet-stream' \
	    --data-binary @"$COFFER_STATE/.req.binary"
	auth_json PATCH /secrets/v1/secret/default/canary/dcos "{\"value\":\"$MARK-v2\"}"
	auth_req GET /secrets/v1/secret/default/canary/dcos
	assert_json_eq .value "$MARK-v2"
	# A refused write must not log what it refused either.
	auth_json PUT /secrets/v1/secret/default/canary/bad "{\"value\":\"$MARK-bad\",\"x\":1}"
	assert_status 400
	assertTrue "the store file exists" "[ -s '$COFFER_STATE/coffer.db' ]"
	assertEquals "files holding a secret value" "" "$(files_holding "$MARK")"
}

test_store_file_holds_only_sealed_records() {
	# The value is absent, but the records are there: the secret's name
	# appears as a key.
	grep -qaF "canary/dcos" "$COFFER_STATE"/coffer.db* 
	assertTrue "the record keys are in the store" $?
}

test_tokens_and_shares_are_not_in_logs() {
	local share
	set -- $COFFER_SHARES
	share=$1
	auth_req GET /secrets/v1/secret/default/canary/dcos
	assertEquals "files holding the token" "" \
	    "$(files_holding "${COFFER_TOKEN##*.}")"
	assertEquals "files holding a share" "" "$(files_holding "$share")"
}

. /usr/share/shunit2/shunit2
