#!/usr/bin/env bash
# Dapr's bulk read, GET /v1.0/secrets/{store}/bulk (docs/apis.md#dapr):
# every readable secret's map by name; keys the ACL or the scopes deny are
# left out silently, never a 403.
. "$(dirname "$0")/../lib.sh"

A=/acs/api/v1
S=/v1.0/secrets
TOKEN=dapr-bulk-token

oneTimeSetUp() {
	local h i
	h=$(printf '%s' "$TOKEN" | sha256sum | cut -d' ' -f1)
	coffer_server_start "dapr_token_sha256=$h" dapr_subject=daprapp \
	    secret_stores=default,empty \
	    "dapr_scope=default allow denied=app/hidden" &&
	    coffer_init_unseal || return 1
	auth_json PUT $A/users/daprapp '{"password":"pw-dapr-app"}'
	auth_json PUT "$A/acls/dcos:secrets:default:%252Fapp" '{"description":"a"}'
	auth_req PUT "$A/acls/dcos:secrets:default:%252Fapp/users/daprapp/read"
	for i in 1 2 3; do
		auth_json PUT /secrets/v1/secret/default/app/s$i "{\"value\":\"v$i\"}"
	done
	auth_json PUT /secrets/v1/secret/default/app/hidden '{"value":"h"}'
	auth_json PUT /secrets/v1/secret/default/other '{"value":"ov"}'
	auth_json PUT /secrets/v1/secret/default/bulk '{"value":"named bulk"}'
}
oneTimeTearDown() { coffer_server_stop; }

test_bulk_returns_every_secret_map_by_name() {
	req GET $S/default/bulk -H "Authorization: Bearer $COFFER_TOKEN"
	assert_status 200
	assert_schema dapr-bulk.json
	assert_json_eq '.["app/s1"].value' v1
	assert_json_eq '.other.value' ov
	# The scopes bind every caller; app/hidden is denied by them.
	assert_json_eq 'keys | join(",")' app/s1,app/s2,app/s3,bulk,other
}

test_bulk_leaves_out_what_the_acl_and_the_scopes_deny() {
	req GET $S/default/bulk -H "dapr-api-token: $TOKEN"
	assert_status 200
	assert_schema dapr-bulk.json
	assert_json_eq 'keys | join(",")' app/s1,app/s2,app/s3
	assert_body_lacks ov
}

test_bulk_audits_every_decision() {
	local line
	req GET $S/default/bulk -H "dapr-api-token: $TOKEN"
	assert_status 200
	line=$(grep -F '"path":"/v1.0/secrets/default/bulk"' \
	    "$COFFER_STATE/audit.log" | grep -F '"subject":"daprapp"' |
	    grep '"status"' | tail -n 1)
	assertEquals "the store, the scope's denial, then each secret" \
	    '[["dcos:secrets:default:/",false,null],["dcos:secrets:default:/app/hidden",false,"dapr_scope"],["dcos:secrets:default:/app/s1",true,null],["dcos:secrets:default:/app/s2",true,null],["dcos:secrets:default:/app/s3",true,null],["dcos:secrets:default:/bulk",false,null],["dcos:secrets:default:/other",false,null]]' \
	    "$(jq -c '[.decisions[] | [.resource, .allowed, .by]]' <<<"$line")"
}

test_bulk_of_an_empty_store_is_an_empty_map() {
	req GET $S/empty/bulk -H "Authorization: Bearer $COFFER_TOKEN"
	assert_status 200
	assert_json_eq . '{}'
}

test_bulk_of_an_unknown_store_answers_401() {
	req GET $S/nostore/bulk -H "dapr-api-token: $TOKEN"
	assert_status 401
	assert_schema dapr-error.json
	assert_json_eq .errorCode ERR_SECRET_STORE_NOT_FOUND
}

test_bulk_of_a_store_name_that_is_not_a_name_answers_4xx_in_the_dapr_shape() {
	req GET $S/no%2Fstore/bulk -H "dapr-api-token: $TOKEN"
	assert_status 400 "an encoded slash"
	assert_schema dapr-error.json
	assert_json_eq .errorCode ERR_MALFORMED_REQUEST
	req GET "$S/$(printf 's%.0s' $(seq 1 65))/bulk" -H "dapr-api-token: $TOKEN"
	assert_status 401 "65 bytes"
	assert_json_eq .errorCode ERR_SECRET_STORE_NOT_FOUND
	req GET $S/../default/bulk -H "dapr-api-token: $TOKEN" --path-as-is
	assert_status 4xx "a dot segment"
	assert_body_lacks '"app/s1"'
}

test_bulk_without_a_token_answers_401_in_plain_text() {
	req GET $S/default/bulk
	assert_status 401
	assertEquals "invalid api token" "$(tr -d '\n' <"$BODY_FILE")"
}

test_bulk_spans_several_chunks() {
	local i
	# More secrets than one store section reads (DAPR_BULK_CHUNK, 256).
	# One curl over one connection writes them: a curl each costs seconds.
	for i in $(seq 1 300); do
		printf '%s\n' "url = \"$COFFER_ADDR/secrets/v1/secret/default/many/m$i\"" \
		    'request = "PUT"' \
		    "header = \"Authorization: token=$COFFER_TOKEN\"" \
		    'header = "Content-Type: application/json"' \
		    "data = \"{\\\"value\\\":\\\"$i\\\"}\"" \
		    'output = "/dev/null"' 'write-out = "%{http_code}\n"' next
	done >"$COFFER_STATE/many.curl"
	assertEquals "every PUT answered 201" 300 \
	    "$(curl -sS -K "$COFFER_STATE/many.curl" | grep -c '^201$')"
	req GET $S/default/bulk -H "Authorization: Bearer $COFFER_TOKEN"
	assert_status 200
	assert_json_eq '[keys[] | select(startswith("many/"))] | length' 300
	assert_json_eq '.["many/m300"].value' 300
}

. /usr/share/shunit2/shunit2
