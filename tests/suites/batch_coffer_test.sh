#!/usr/bin/env bash
# Coffer's multi-get: POST /coffer/v1/secrets/{store}/batch with
# {"paths": [...]}, each path answered with its map or its own error.
. "$(dirname "$0")/../lib.sh"

B=/coffer/v1/secrets/default/batch

oneTimeSetUp() {
	coffer_server_start && coffer_init_unseal || return 1
	auth_json PUT /api/v1/secrets/multi/a '{"data":{"k":"1"}}'
	auth_json PUT /api/v1/secrets/multi/b '{"data":{"k":"2","j":"x"}}'
}
oneTimeTearDown() { coffer_server_stop; }

test_batch_answers_each_path() {
	auth_json POST $B '{"paths":["multi/a","multi/b"]}'
	assert_status 200
	assert_schema coffer-batch-response.json
	assert_json_eq '.secrets["multi/a"].data.k' 1
	assert_json_eq '.secrets["multi/b"].data' '{"k":"2","j":"x"}'
	assert_json_eq '.secrets["multi/a"].version' 1
}

test_missing_and_invalid_paths_get_their_own_errors() {
	auth_json POST $B '{"paths":["multi/a","multi/none","a/../b",""]}'
	assert_status 200
	assert_schema coffer-batch-response.json
	assert_json_eq '.secrets["multi/a"].data.k' 1
	assert_json_eq '.secrets["multi/none"].error.code' 404
	assert_json_eq '.secrets["a/../b"].error.code' 400
	assert_json_eq '.secrets[""].error.code' 400
}

test_a_forbidden_path_answers_403_and_the_granted_one_its_data() {
	local A=/acs/api/v1 carol
	auth_json PUT $A/users/carol '{"password":"pw-carol"}'
	auth_json PUT "$A/acls/dcos:secrets:default:%252Fmulti%252Fa" \
	    '{"description":"test"}'
	auth_req PUT "$A/acls/dcos:secrets:default:%252Fmulti%252Fa/users/carol/read"
	assert_status 204
	json_req POST $A/auth/login '{"uid":"carol","password":"pw-carol"}'
	carol=$(jq -r .token "$BODY_FILE")
	req POST $B -H "Authorization: token=$carol" \
	    -H 'Content-Type: application/json' \
	    --data-binary '{"paths":["multi/a","multi/b"]}'
	assert_status 200
	assert_json_eq '.secrets["multi/a"].data.k' 1
	assert_json_eq '.secrets["multi/b"].error.code' 403
	assert_body_lacks '"j"'
}

# big_secret PATH: a secret of one key holding a million bytes.
big_secret() {
	local f=$COFFER_STATE/big.json
	[ -s "$f" ] || printf '{"data":{"k":"%s"}}' \
	    "$(head -c 1000000 /dev/zero | tr '\0' x)" >"$f"
	auth_json PUT "/api/v1/secrets/$1" "@$f"
	assert_status 200 "PUT $1"
}

test_a_path_repeated_1000_times_is_read_and_answered_once() {
	local paths
	big_secret big/once
	paths=$(yes '"big/once"' | head -n 1000 | paste -sd, -)
	auth_json POST $B "{\"paths\":[$paths]}"
	assert_status 200
	assert_schema coffer-batch-response.json
	assert_json_eq '.secrets | length' 1
	# Read a thousand times, its copies filled the answer's bound and
	# the last one answered 413.
	assert_json_eq '.secrets["big/once"].data.k | length' 1000000
}

test_a_record_past_the_answer_bound_is_refused_before_it_is_decrypted() {
	local i paths
	for i in $(seq 1 17); do big_secret "big/b$i"; done
	# big/b17 no longer opens: reading it would answer 500.
	coffer_tamper s:default:/big/b17
	auth_req GET /api/v1/secrets/big/b17
	assert_status 500 "the damaged record fails to open"
	paths=$(seq 1 17 | sed 's|^|"big/b|; s|$|"|' | paste -sd, -)
	auth_json POST $B "{\"paths\":[$paths]}"
	assert_status 200
	assert_json_eq '.secrets["big/b1"].data.k | length' 1000000
	# 17 MB of values pass the 16 MiB bound: big/b17 is past it, and
	# its size alone says so, without opening it.
	assert_json_eq '.secrets["big/b17"].error.code' 413
}

test_more_than_1000_paths_answers_400() {
	local paths
	paths=$(seq 1 1001 | sed 's/^/"p/; s/$/"/' | paste -sd, -)
	auth_json POST $B "{\"paths\":[$paths]}"
	assert_status 400
	assert_schema path-error.json
}

test_bad_bodies_answer_400() {
	local body
	for body in '{"paths":[]}' '{"paths":"multi/a"}' '{"paths":[1]}' \
	    '{"paths":["multi/a"],"more":1}' '{"path":["multi/a"]}' '{"paths":['; do
		auth_json POST $B "$body"
		assert_status 400 "batch $body"
	done
}

test_wrong_content_type_answers_415() {
	auth_req POST $B -H 'Content-Type: text/plain' \
	    --data-binary '{"paths":["multi/a"]}'
	assert_status 415
}

test_wrong_method_answers_405() {
	auth_req GET $B
	assert_status 405
	assert_header Allow POST
}

test_unknown_store_or_action_answers_404() {
	auth_json POST /coffer/v1/secrets/nostore/batch '{"paths":["multi/a"]}'
	assert_status 404
	assert_schema path-error.json
	auth_json POST /coffer/v1/secrets/default/other '{"paths":["multi/a"]}'
	assert_status 404
}

test_batch_without_token_answers_401_and_reveals_nothing() {
	json_req POST $B '{"paths":["multi/a"]}'
	assert_status 401
	assert_schema path-error.json
}

. /usr/share/shunit2/shunit2
