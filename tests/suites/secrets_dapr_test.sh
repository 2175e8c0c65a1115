#!/usr/bin/env bash
# Dapr's single-secret API, health and metadata (docs/apis.md#dapr): the map as
# the body, 204 for a missing secret, daprd's error codes and statuses,
# metadata.version_id, the plain-text 401, and the scopes.
. "$(dirname "$0")/../lib.sh"

A=/acs/api/v1
S=/v1.0/secrets
TOKEN=dapr-app-token

oneTimeSetUp() {
	local h
	h=$(printf '%s' "$TOKEN" | sha256sum | cut -d' ' -f1)
	coffer_server_start "dapr_token_sha256=$h" dapr_subject=daprapp \
	    secret_stores=default,vault versions_kept=3 \
	    "dapr_scope=vault deny allowed=db" && coffer_init_unseal || return 1
	auth_json PUT $A/users/daprapp '{"password":"pw-dapr-app"}'
	auth_json PUT "$A/acls/dcos:secrets:default:%252Fapp" '{"description":"a"}'
	auth_req PUT "$A/acls/dcos:secrets:default:%252Fapp/users/daprapp/read"
	auth_json PUT "$A/acls/dcos:secrets:vault:%252F" '{"description":"v"}'
	auth_req PUT "$A/acls/dcos:secrets:vault:%252F/users/daprapp/read"
	bearer_json PUT /api/v1/secrets/app/db '{"data":{"user":"root","password":"pw1"}}'
	auth_json PUT /secrets/v1/secret/default/other '{"value":"ov"}'
}
oneTimeTearDown() { coffer_server_stop; }

bearer_json() {
	local m=$1 p=$2 j=$3
	shift 3
	COFFER_AUTH_HEADER="Authorization: Bearer $COFFER_TOKEN" \
	    auth_json "$m" "$p" "$j" "$@"
}
dapr_req() { # dapr_req PATH [curl args]
	local p=$1
	shift
	req GET "$p" -H "dapr-api-token: $TOKEN" "$@"
}

test_get_returns_the_secret_map_without_its_name() {
	dapr_req $S/default/app/db
	assert_status 200
	assert_schema dapr-secret.json
	assert_json_eq 'to_entries | sort_by(.key) | from_entries' '{"password":"pw1","user":"root"}'
	assert_header Content-Type '^application/json'
}

test_a_dcos_secret_reads_as_its_value_key() {
	req GET $S/default/other -H "Authorization: Bearer $COFFER_TOKEN"
	assert_status 200
	assert_json_eq .value ov
}

test_get_missing_answers_204_with_an_empty_body() {
	dapr_req $S/default/app/nosuch
	assert_status 204
	assertEquals "empty body" "" "$BODY"
}

test_unknown_store_answers_401_err_secret_store_not_found() {
	dapr_req $S/mystore/db-secret
	assert_status 401
	assert_schema dapr-error.json
	assert_json_eq .errorCode ERR_SECRET_STORE_NOT_FOUND
	assert_body_lacks mystore
}

test_a_secret_outside_the_grants_answers_403_err_permission_denied() {
	dapr_req $S/default/other
	assert_status 403
	assert_schema dapr-error.json
	assert_json_eq .errorCode ERR_PERMISSION_DENIED
	assert_body_lacks ov
}

test_a_secret_outside_the_scope_answers_403() {
	dapr_req $S/vault/redis
	assert_status 403
	assert_json_eq .errorCode ERR_PERMISSION_DENIED
	dapr_req $S/vault/db
	assert_status 204 "an allowed name that does not exist"
}

test_a_wrong_token_answers_401_invalid_api_token_in_plain_text() {
	req GET $S/default/app/db -H "dapr-api-token: wrong"
	assert_status 401
	assertEquals "invalid api token" "$(tr -d '\n' <"$BODY_FILE")"
	assert_header Content-Type '^text/plain'
	req GET $S/default/app/db
	assert_status 401 "no token"
	assert_body_lacks pw1
}

test_the_superuser_jwt_reads_too() {
	req GET $S/default/other -H "Authorization: Bearer $COFFER_TOKEN"
	assert_status 200
	assert_json_eq .value ov
}

test_version_id_reads_an_older_version() {
	bearer_json PUT /api/v1/secrets/app/ver '{"data":{"k":"one"}}'
	bearer_json PUT /api/v1/secrets/app/ver '{"data":{"k":"two"}}'
	dapr_req "$S/default/app/ver?metadata.version_id=1"
	assert_status 200
	assert_json_eq .k one
	dapr_req "$S/default/app/ver?metadata.version_id=2"
	assert_json_eq .k two
	dapr_req $S/default/app/ver
	assert_json_eq .k two
}

test_version_id_beyond_those_kept_answers_204() {
	local i
	for i in 1 2 3 4 5; do
		bearer_json PUT /api/v1/secrets/app/old "{\"data\":{\"k\":\"v$i\"}}"
	done
	dapr_req "$S/default/app/old?metadata.version_id=1"
	assert_status 204 "version 1 fell out of the 3 kept"
	dapr_req "$S/default/app/old?metadata.version_id=3"
	assert_status 200
	assert_json_eq .k v3
	dapr_req "$S/default/app/old?metadata.version_id=99"
	assert_status 204
}

# daprd hands metadata to the store unread and answers any error of the
# store with 500 ERR_SECRET_GET; Coffer is the store too, and knows the
# client sent it a bad version.
test_a_bad_version_id_answers_400_err_malformed_request() {
	local v
	for v in abc 0 -1 1x '' 99999999999999999999999; do
		dapr_req "$S/default/app/db?metadata.version_id=$v"
		assert_status 400 "version_id=$v"
		assert_schema dapr-error.json
		assert_json_eq .errorCode ERR_MALFORMED_REQUEST
		assert_body_lacks pw1
	done
}

test_a_name_with_an_encoded_slash_answers_400_err_malformed_request() {
	dapr_req $S/default/app%2Fdb
	assert_status 400
	assert_schema dapr-error.json
	assert_json_eq .errorCode ERR_MALFORMED_REQUEST
	assert_body_lacks pw1
	# (Apache refuses a bad escape itself, lighttpd passes it on.)
	dapr_req $S/default/app%zzdb
	assert_status 400 "a bad escape"
	assert_body_lacks pw1
}

test_dot_segments_are_refused_without_the_secret() {
	local p
	# The web server refuses these itself (400), whichever it is.
	for p in default/x/../app/db default/app/./db default/app/%2e%2e/app/db \
	    vault/../default/app/db default/app//db; do
		dapr_req "$S/$p" --path-as-is
		assert_status 4xx "$p"
		assert_body_lacks pw1
	done
}

test_a_name_outside_the_path_rules_answers_400() {
	local long
	long=$(printf 'n%.0s' $(seq 1 513))
	dapr_req "$S/default/$long"
	assert_status 400 "a 513-byte segment"
	assert_schema dapr-error.json
	assert_json_eq .errorCode ERR_MALFORMED_REQUEST
	dapr_req "$S/default/a%20b"
	assert_status 400 "a space"
	assert_json_eq .errorCode ERR_MALFORMED_REQUEST
	dapr_req "$S/default/$(printf 'a/%.0s' $(seq 1 17))x"
	assert_status 404 "more segments than a path may have"
	assert_schema dapr-error.json
}

test_a_store_name_that_cannot_exist_answers_401_err_secret_store_not_found() {
	local s
	for s in no%20store .hidden "$(printf 's%.0s' $(seq 1 65))"; do
		dapr_req "$S/$s/app/db"
		assert_status 401 "store $s"
		assert_schema dapr-error.json
		assert_json_eq .errorCode ERR_SECRET_STORE_NOT_FOUND
	done
}

test_too_many_query_parameters_answer_400_in_the_dapr_shape() {
	local q
	q=$(seq 1 65 | sed 's/^/metadata.p/; s/$/=1/' | paste -sd'&' -)
	dapr_req "$S/default/app/db?$q"
	assert_status 400
	assert_schema dapr-error.json
	assert_body_lacks pw1
}

test_other_methods_answer_405() {
	req PUT $S/default/app/db -H "dapr-api-token: $TOKEN" -d x
	assert_status 405
	assert_header Allow GET
}

test_healthz_answers_204_without_a_token() {
	req GET /v1.0/healthz
	assert_status 204
	req GET /v1.0/healthz/outbound
	assert_status 204
}

test_metadata_lists_each_store_as_a_coffer_component() {
	dapr_req /v1.0/metadata
	assert_status 200
	assert_schema dapr-metadata.json
	assert_json_eq '[.components[].name] | join(",")' default,vault
	assert_json_eq '.components[0].type' secretstores.coffer
}

test_metadata_needs_the_token() {
	req GET /v1.0/metadata
	assert_status 401
	assertEquals "invalid api token" "$(tr -d '\n' <"$BODY_FILE")"
}

. /usr/share/shunit2/shunit2
