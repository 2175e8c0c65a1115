#!/usr/bin/env bash
# Sensu API keys (/api/core/v2/apikeys, docs/apis.md#sensu): created with a
# Location, stored as hashes, accepted as "Authorization: Key" by every
# program, and dead once deleted.
. "$(dirname "$0")/../lib.sh"

A=/acs/api/v1
K=/api/core/v2/apikeys

oneTimeSetUp() {
	# Apache with an access log (tools/stack.sh); lighttpd keeps none.
	STACK_ACCESS_LOG=1 coffer_server_start && coffer_init_unseal || return 1
	auth_json PUT $A/users/kim '{"password":"pw-kim"}'
	auth_json PUT /secrets/v1/secret/default/k/s '{"value":"kv"}'
	auth_json PUT "$A/acls/dcos:secrets:default:%252Fk" '{"description":"k"}'
	auth_req PUT "$A/acls/dcos:secrets:default:%252Fk/users/kim/read"
}
oneTimeTearDown() { coffer_server_stop; }

new_key() {
	auth_json POST $K "{\"username\":\"$1\"}"
	header Location | sed 's|.*/||'
}

test_create_answers_201_with_the_key_in_location() {
	auth_json POST $K '{"username":"kim"}'
	assert_status 201
	assert_header Location '^/api/core/v2/apikeys/[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$'
}

test_the_key_authenticates_on_another_program() {
	local k
	k=$(new_key kim)
	req GET /secrets/v1/secret/default/k/s -H "Authorization: Key $k"
	assert_status 200
	assert_json_eq .value kv
	req GET /secrets/v1/secret/default/a -H "Authorization: Key $k"
	assert_status 403 "only what kim may"
}

test_list_shows_hashes_never_keys() {
	local k
	k=$(new_key kim)
	auth_req GET $K
	assert_status 200
	assert_schema sensu-apikeys.json
	assert_body_lacks "$k"
	assert_json_eq "[.[].username] | index(\"kim\") != null" true
}

test_a_user_lists_only_its_own_keys() {
	local k
	k=$(new_key kim)
	req GET $K -H "Authorization: Key $k"
	assert_status 200
	assert_json_eq '[.[].username] | unique' '["kim"]'
}

test_deleted_key_no_longer_authenticates() {
	local k
	k=$(new_key kim)
	auth_req DELETE "$K/$k"
	assert_status 204
	req GET /secrets/v1/secret/default/k/s -H "Authorization: Key $k"
	assert_status 401
	auth_req DELETE "$K/$k"
	assert_status 404 "already gone"
	assert_json_eq .code 2
}

test_a_deleted_key_is_refused_at_once_by_every_worker() {
	local k
	k=$(new_key admin)
	# Every worker authenticates the key, and keeps its record opened.
	spread_writes 6 "/secrets/v1/secret/default/kw/%i" \
	    -H "Authorization: Key $k"
	assertEquals "the key writes" 6x201 "$BURST"
	assert_spread "several workers served the key"
	auth_req DELETE "$K/$k"
	assert_status 204
	req GET /secrets/v1/secret/default/kw/1 -H "Authorization: Key $k"
	assert_status 401 "the very next request"
	burst 12 GET /secrets/v1/secret/default/kw/1 -H "Authorization: Key $k"
	assertEquals "no worker takes the key any more" 12x401 "$BURST"
}

# The server may buffer its access log (lighttpd writes it about once a
# second): wait, a few seconds at most, until a later request is in it.
access_log_flushed() {
	local mark=/hello/flush-$RANDOM i
	[ -f "$COFFER_STATE/access.log" ] || return 0
	req GET "$mark"
	for i in $(seq 1 50); do
		grep -qF -- "$mark" "$COFFER_STATE/access.log" && return 0
		sleep 0.1
	done
	fail "the access log never showed $mark"
}

# assert_no_log_holds TEXT WHAT [SKIP]: neither the audit log nor the
# server's logs (error log, access log) but SKIP hold TEXT.
assert_no_log_holds() {
	local f
	access_log_flushed
	for f in "$COFFER_STATE"/*.log; do
		[ "$(basename "$f")" = "${3:-}" ] && continue
		if grep -qF -- "$1" "$f"; then
			fail "$2: $(basename "$f") holds the key"
		fi
	done
}

# The last audit line of a request to the key names it by its
# record name (the SHA-256 hex that the list shows).
assert_audited_by_name() {
	local name line
	name=$(printf '%s' "$1" | sha256sum | cut -d' ' -f1)
	line=$(grep -F "\"path\":\"$K/$name\"" "$COFFER_STATE/audit.log" |
	    tail -n 1)
	assertNotNull "$2: the audit line names the key by its name" "$line"
}

# The key still authenticates: the request that named it left it be.
assert_key_still_works() {
	req GET /secrets/v1/secret/default/k/s -H "Authorization: Key $1"
	assert_status 200 "the key still works"
}

test_apaches_access_log_keeps_the_other_requests() {
	new_key kim >/dev/null
	if [ "$COFFER_SERVER" = lighttpd ]; then
		assertFalse "lighttpd keeps no access log" \
		    "[ -e '$COFFER_STATE/access.log' ]"
		return
	fi
	access_log_flushed
	assertTrue "the access log is kept" \
	    "grep -q 'POST /api/core/v2/apikeys ' '$COFFER_STATE/access.log'"
}

test_a_delete_that_finds_no_key_of_the_caller_logs_no_key() {
	local k kim
	k=$(new_key admin)
	kim=$(new_key kim)
	req DELETE "$K/$k" -H "Authorization: Key $kim"
	assert_status 404 "another user's key"
	assert_no_log_holds "$k" "a 404 delete"
	assert_audited_by_name "$k" "a 404 delete"
	assert_key_still_works "$k"
}

test_a_delete_while_sealed_logs_no_key() {
	local k
	k=$(new_key kim)
	auth_req PUT /secrets/v1/seal/default
	assert_status 200
	auth_req DELETE "$K/$k"
	assert_status 503
	stack_unseal "$COFFER_ADDR" $COFFER_SHARES
	assert_no_log_holds "$k" "a delete while sealed"
	assert_audited_by_name "$k" "a delete while sealed"
	assert_key_still_works "$k"
}

test_a_successful_delete_logs_no_key() {
	local k
	k=$(new_key kim)
	auth_req DELETE "$K/$k"
	assert_status 204
	assert_no_log_holds "$k" "a delete"
	assert_audited_by_name "$k" "a delete"
}

test_a_key_in_a_path_no_route_takes_reaches_no_log() {
	local k
	k=$(new_key kim)
	auth_req GET "$K/$k"
	assert_status 405
	auth_req DELETE "$K/$k/more"
	assert_status 404
	req DELETE "$K/$k"
	assert_status 401 "no credential"
	assert_no_log_holds "$k" "requests no route answers"
	assert_key_still_works "$k"
}

test_a_key_in_a_path_that_does_not_decode_reaches_no_log_of_coffers() {
	local k
	k=$(new_key kim)
	auth_req DELETE "$K/$k%zz"
	assert_status 400
	# Apache refuses such a URL itself, before any configuration applies,
	# and its error log names it (AH10244): the server's own diagnostic.
	if [ "$COFFER_SERVER" = lighttpd ]; then
		assert_no_log_holds "$k" "a path that does not decode"
	else
		assert_no_log_holds "$k" "a path that does not decode" error.log
	fi
}

test_unknown_key_answers_401() {
	req GET /secrets/v1/secret/default/k/s \
	    -H "Authorization: Key 7f63b5bc-41f4-4b3e-b59b-5431afd7e6a2"
	assert_status 401
	assert_schema dcos-error.json
}

test_key_for_unknown_user_answers_400() {
	auth_json POST $K '{"username":"ghost"}'
	assert_status 400
}

. /usr/share/shunit2/shunit2
