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

# audit_lines_of SUBJECT: the audit lines of that subject's last batch
# (every line with its request_id), one JSON object a line.
audit_lines_of() {
	local id
	id=$(grep -F "\"path\":\"$B\"" "$COFFER_STATE/audit.log" |
	    grep -F "\"subject\":\"$1\"" | grep '"status"' | tail -n 1 |
	    jq -r .request_id)
	grep -F "\"request_id\":\"$id\"" "$COFFER_STATE/audit.log"
}

# A subject with read on multi/a only; prints its token.
reader_of_multi_a() {
	local A=/acs/api/v1
	auth_json PUT $A/users/$1 "{\"password\":\"pw-$1\"}"
	auth_json PUT "$A/acls/dcos:secrets:default:%252Fmulti%252Fa" \
	    '{"description":"test"}'
	auth_req PUT "$A/acls/dcos:secrets:default:%252Fmulti%252Fa/users/$1/read"
	json_req POST $A/auth/login "{\"uid\":\"$1\",\"password\":\"pw-$1\"}"
	jq -r .token "$BODY_FILE"
}

test_a_mixed_batch_audits_every_decision() {
	local t lines
	t=$(reader_of_multi_a dora)
	req POST $B -H "Authorization: token=$t" \
	    -H 'Content-Type: application/json' \
	    --data-binary '{"paths":["multi/a","multi/b"]}'
	assert_status 200
	lines=$(audit_lines_of dora)
	assertEquals "one line" 1 "$(wc -l <<<"$lines")"
	assertEquals "both decisions, in order" \
	    '[["dcos:secrets:default:/multi/a","read",true],["dcos:secrets:default:/multi/b","read",false]]' \
	    "$(jq -c '[.decisions[] | [.resource, .action, .allowed]]' <<<"$lines")"
	assertEquals "decisions_total" 2 "$(jq .decisions_total <<<"$lines")"
	assertEquals "the last decision stays where it was" \
	    'dcos:secrets:default:/multi/b false' \
	    "$(jq -r '"\(.resource) \(.allowed)"' <<<"$lines")"
}

test_a_batch_of_many_paths_audits_every_decision_on_bounded_lines() {
	local t lines paths i
	t=$(reader_of_multi_a erin)
	paths='"multi/a"'
	for i in $(seq 1 99); do paths+=",\"many/p$i\""; done
	req POST $B -H "Authorization: token=$t" \
	    -H 'Content-Type: application/json' \
	    --data-binary "{\"paths\":[$paths]}"
	assert_status 200
	lines=$(audit_lines_of erin)
	assertTrue "several lines" "[ $(wc -l <<<"$lines") -gt 1 ]"
	assertEquals "every decision once, in order" 100 \
	    "$(jq -s '[.[].decisions[]] | length' <<<"$lines")"
	assertEquals "the first allowed" true \
	    "$(jq -s '[.[].decisions[]][0].allowed' <<<"$lines")"
	assertEquals "the 100th path" 'dcos:secrets:default:/many/p99 false' \
	    "$(jq -rs '[.[].decisions[]][99] | "\(.resource) \(.allowed)"' <<<"$lines")"
	assertEquals "all but the last line continue" \
	    "$(($(wc -l <<<"$lines") - 1))" \
	    "$(jq -s '[.[] | select(.continued == true)] | length' <<<"$lines")"
	assertEquals "the last line has the status and the total" "200 100" \
	    "$(tail -n 1 <<<"$lines" | jq -r '"\(.status) \(.decisions_total)"')"
	assertTrue "each line stays short" \
	    "[ $(awk '{ if (length > m) m = length } END { print m }' <<<"$lines") -lt 65536 ]"
}

. /usr/share/shunit2/shunit2
