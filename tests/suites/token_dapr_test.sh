#!/usr/bin/env bash
# The Dapr API token (reference §B.4): dapr-api-token, compared by hash
# with the configured one, acts as the configured subject with its grants.
# Dapr's own routes arrive later; the mapping is tested through a secrets
# route (the plain-text 401 and the scoping are unit-tested in test_acl).
. "$(dirname "$0")/../lib.sh"

A=/acs/api/v1
TOKEN=dapr-s3cret-token

oneTimeSetUp() {
	local h
	h=$(printf '%s' "$TOKEN" | sha256sum | cut -d' ' -f1)
	coffer_server_start "dapr_token_sha256=$h" dapr_subject=daprapp \
	    "dapr_scope=vault deny allowed=db" && coffer_init_unseal || return 1
	auth_json PUT $A/users/daprapp '{"password":"pw-dapr-app"}'
	auth_json PUT /secrets/v1/secret/default/app/db '{"value":"dbv"}'
	auth_json PUT /secrets/v1/secret/default/other '{"value":"ov"}'
	auth_json PUT "$A/acls/dcos:secrets:default:%252Fapp" '{"description":"a"}'
	auth_req PUT "$A/acls/dcos:secrets:default:%252Fapp/users/daprapp/read"
}
oneTimeTearDown() { coffer_server_stop; }

test_the_dapr_token_acts_as_the_configured_subject() {
	req GET /secrets/v1/secret/default/app/db -H "dapr-api-token: $TOKEN"
	assert_status 200
	assert_json_eq .value dbv
	local line
	line=$(grep '"path":"/secrets/v1/secret/default/app/db"' \
	    "$COFFER_STATE/audit.log" | tail -1)
	assertEquals "audited as the subject" daprapp "$(jq -r .subject <<<"$line")"
}

test_the_dapr_subject_gets_only_its_grants() {
	req GET /secrets/v1/secret/default/other -H "dapr-api-token: $TOKEN"
	assert_status 403
}

test_a_wrong_dapr_token_answers_401() {
	req GET /secrets/v1/secret/default/app/db -H "dapr-api-token: wrong"
	assert_status 401
	assert_body_lacks dbv
	req GET /secrets/v1/secret/default/app/db -H "dapr-api-token: ${TOKEN}x"
	assert_status 401 "a longer token"
}

. /usr/share/shunit2/shunit2
