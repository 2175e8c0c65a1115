#!/usr/bin/env bash
# DC/OS Secrets API: init of a new store, and thresholds above one
# (docs/apis.md#dcos, with Vault's share rules).
. "$(dirname "$0")/../lib.sh"

oneTimeSetUp() { coffer_server_start; }
oneTimeTearDown() { coffer_server_stop; }

# shunit2 runs tests in the order they are defined.

test_new_store_reports_not_initialized() {
	req GET /secrets/v1/init/default
	assert_status 200
	assert_json_eq .initialized false
	assert_schema dcos-init-response.json
}

test_new_store_answers_503_for_secrets() {
	req GET /secrets/v1/secret/default/x -H 'Authorization: token=x.y.z'
	assert_status 503
	assert_schema dcos-error.json
	req GET /secrets/v1/seal-status/default
	assert_status 503
}

test_bad_init_bodies_answer_400_and_initialize_nothing() {
	local body
	for body in '{"shares":0,"threshold":0}' '{"shares":3,"threshold":4}' \
	    '{"shares":3,"threshold":1}' '{"shares":256,"threshold":2}' \
	    '{"shares":"3","threshold":2}' '{"threshold":1}' '{"shares":1}' \
	    '{"shares":1,"threshold":1,"pgp_keys":["mQIN"]}' \
	    '{"shares":1,"threshold":1,"extra":true}' '{"shares":1.5,"threshold":1}' \
	    'nope' '[]'; do
		json_req PUT /secrets/v1/init/default "$body"
		assert_status 400 "init $body"
	done
	req PUT /secrets/v1/init/default -H 'Content-Type: text/plain' \
	    --data-binary '{"shares":1,"threshold":1}'
	assert_status 415
	req GET /secrets/v1/init/default
	assert_json_eq .initialized false
}

test_init_shows_shares_once_and_a_working_root_token() {
	json_req PUT /secrets/v1/init/default '{"shares":3,"threshold":2,"pgp_keys":[]}'
	assert_status 200
	assert_schema dcos-init-response.json
	assert_json_eq '.keys | length' 3
	assert_json_eq '.keys | unique | length' 3
	cp "$BODY_FILE" "$COFFER_STATE/init3.json"
	req GET /secrets/v1/init/default
	assert_json_eq .initialized true
	assert_json_eq .keys null
	req GET /secrets/v1/seal-status/default
	assert_json_eq .sealed true
	assert_json_eq .shares 3
	assert_json_eq .threshold 2
}

test_one_share_reports_progress_and_a_repeated_share_does_not_count() {
	local k1
	k1=$(jq -r '.keys[0]' "$COFFER_STATE/init3.json")
	json_req PUT /secrets/v1/unseal/default "{\"key\":\"$k1\"}"
	assert_status 200
	assert_json_eq .sealed true
	assert_json_eq .progress 1
	json_req PUT /secrets/v1/unseal/default "{\"key\":\"$k1\"}"
	assert_json_eq .progress 1
}

test_second_share_unseals_and_root_token_works() {
	local k3 tok
	k3=$(jq -r '.keys[2]' "$COFFER_STATE/init3.json")
	tok=$(jq -r '.root_token' "$COFFER_STATE/init3.json")
	json_req PUT /secrets/v1/unseal/default "{\"key\":\"$k3\"}"
	assert_status 200
	assert_json_eq .sealed false
	assert_json_eq .progress 0
	req PUT /secrets/v1/secret/default/after/init \
	    -H "Authorization: token=$tok" -H 'Content-Type: application/json' \
	    --data-binary '{"value":"x"}'
	assert_status 201
}

test_second_init_is_refused() {
	json_req PUT /secrets/v1/init/default '{"shares":1,"threshold":1}'
	assert_status 400
	assert_json_eq .keys null
}

. /usr/share/shunit2/shunit2
