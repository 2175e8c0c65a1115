#!/usr/bin/env bash
# The path API: /api/v1/secrets/{path} with {"data": {...}}
# (docs/apis.md#the-path-api-crossid).
# run-all: sanitizers-every-server
. "$(dirname "$0")/../lib.sh"

P=/api/v1/secrets

oneTimeSetUp() { coffer_server_start && coffer_init_unseal; }
oneTimeTearDown() { coffer_server_stop; }

bearer_json() {
	local m=$1 p=$2 j=$3
	shift 3
	COFFER_AUTH_HEADER="Authorization: Bearer $COFFER_TOKEN" \
	    auth_json "$m" "$p" "$j" "$@"
}

test_put_answers_200_with_the_secret() {
	bearer_json PUT $P/secret/db_user '{"data":{"secret":"passwd","user":"root"}}'
	assert_status 200
	assert_schema path-secret.json
	assert_json_eq .data '{"secret":"passwd","user":"root"}'
}

test_get_returns_the_data_map() {
	bearer_json PUT $P/get/me '{"data":{"a":"1","b":"2"}}'
	auth_req GET $P/get/me
	assert_status 200
	assert_schema path-secret.json
	assert_json_eq .data.a 1
	assert_json_eq .data.b 2
}

test_put_replaces_the_whole_map() {
	bearer_json PUT $P/repl/s '{"data":{"a":"1","b":"2"}}'
	bearer_json PUT $P/repl/s '{"data":{"c":"3"}}'
	assert_status 200
	auth_req GET $P/repl/s
	assert_json_eq .data '{"c":"3"}'
}

test_get_missing_answers_404_in_path_error_shape() {
	auth_req GET $P/no/such
	assert_status 404
	assert_schema path-error.json
	assert_json_eq .code 404
	assert_json_eq .status 'Not Found'
}

test_error_bodies_carry_the_code_as_an_integer_as_the_spec_types_it() {
	req GET $P/no/token
	assert_status 401
	assert_json_eq '.code | type' number
	assert_json_eq .code 401
	assert_spec
	auth_req GET $P/no/such
	assert_status 404
	assert_json_eq '.code | type' number
	assert_spec
	bearer_json PUT $P/bad/int '{"data":{"port":5432}}'
	assert_status 400
	assert_json_eq '.code | type' number
	assert_json_eq .code 400
	assert_spec
}

test_put_non_string_value_answers_400_and_changes_nothing() {
	bearer_json PUT $P/bad/num '{"data":{"port":5432}}'
	assert_status 400
	assert_schema path-error.json
	auth_req GET $P/bad/num
	assert_status 404
}

test_put_without_data_answers_400() {
	bearer_json PUT $P/bad/nodata '{"secret":"x"}'
	assert_status 400
	assert_schema path-error.json
	bearer_json PUT $P/bad/nodata '{"data":"x"}'
	assert_status 400
	bearer_json PUT $P/bad/nodata '{"data":{},"more":1}'
	assert_status 400
}

test_put_bad_json_answers_400() {
	bearer_json PUT $P/bad/json '{"data":{'
	assert_status 400
	assert_schema path-error.json
}

test_put_wrong_content_type_answers_415() {
	auth_req PUT $P/bad/ct -H 'Content-Type: text/plain' \
	    --data-binary '{"data":{"a":"b"}}'
	assert_status 415
	assert_schema path-error.json
}

test_a_map_over_10000_keys_answers_413_and_changes_nothing() {
	local f=$COFFER_STATE/keys.json
	keys_body 10000 "$f"
	bearer_json PUT $P/many/keys "@$f"
	assert_status 200 "a map of 10,000 keys is taken"
	keys_body 10001 "$f"
	bearer_json PUT $P/many/keys "@$f"
	assert_status 413
	assert_schema path-error.json
	assert_json_eq .message "a secret holds at most 10000 keys"
	# 60,000 keys once cost 20 s of CPU to take: now refused at once.
	keys_body 60000 "$f"
	bearer_json PUT $P/many/keys "@$f"
	assert_status 413 "60,000 keys"
	auth_req GET $P/many/keys
	assert_status 200
	assert_json_eq '.data | length' 10000
	assert_json_eq .data.k10000 v
}

test_put_over_body_limit_answers_413() {
	local big
	big=$(head -c 1048600 /dev/zero | tr '\0' a)
	printf '{"data":{"a":"%s"}}' "$big" >"$COFFER_STATE/big.json"
	auth_req PUT $P/bad/big -H 'Content-Type: application/json' \
	    --data-binary @"$COFFER_STATE/big.json"
	assert_status 413
	assert_schema path-error.json
	auth_req GET $P/bad/big
	assert_status 404
}

test_dotdot_segment_answers_400() {
	auth_req GET $P/a/../b --path-as-is
	assert_status 400
}

test_wrong_method_answers_405_with_allow() {
	auth_req DELETE $P/any/s
	assert_status 405
	assert_header Allow '^GET, PUT$'
	assert_schema path-error.json
}

test_dcos_and_path_dialects_read_the_same_secret() {
	auth_json PUT /secrets/v1/secret/default/both/s '{"value":"shared"}'
	auth_req GET $P/both/s
	assert_json_eq .data '{"value":"shared"}'
	bearer_json PUT $P/both/s '{"data":{"value":"changed","user":"u"}}'
	auth_req GET /secrets/v1/secret/default/both/s
	assert_json_eq .value changed
}

test_dcos_view_of_a_map_without_value_is_its_json_text() {
	bearer_json PUT $P/mapview/s '{"data":{"user":"root"}}'
	auth_req GET /secrets/v1/secret/default/mapview/s
	assert_status 200
	assert_json_eq '.value | fromjson | .user' root
}

test_secret_written_by_path_api_is_listed_by_dcos() {
	bearer_json PUT $P/listed/x '{"data":{"a":"b"}}'
	auth_req GET "/secrets/v1/secret/default/listed?list=true"
	assert_json_eq .array '["x"]'
}

. /usr/share/shunit2/shunit2
