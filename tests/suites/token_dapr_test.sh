#!/usr/bin/env bash
# The Dapr API token (docs/apis.md#dapr): dapr-api-token, compared by hash
# with the configured one, acts as the configured subject with its grants
# on Dapr's own routes (/v1.0/...), and only there: daprd's token guards
# Dapr's API, so every other API answers as if it were absent.  (The
# plain-text 401 and the scoping are unit-tested in test_acl.)
. "$(dirname "$0")/../lib.sh"

A=/acs/api/v1
TOKEN=dapr-s3cret-token

oneTimeSetUp() {
	local h
	h=$(printf '%s' "$TOKEN" | sha256sum | cut -d' ' -f1)
	coffer_server_start "dapr_token_sha256=$h" dapr_subject=daprapp \
	    "dapr_scope=default allow denied=app/a/y" &&
	    coffer_init_unseal || return 1
	auth_json PUT $A/users/daprapp '{"password":"pw-dapr-app"}'
	auth_json PUT /secrets/v1/secret/default/app/db '{"value":"dbv"}'
	auth_json PUT /secrets/v1/secret/default/app/a/y '{"value":"yv"}'
	auth_json PUT /secrets/v1/secret/default/other '{"value":"ov"}'
	auth_json PUT "$A/acls/dcos:secrets:default:%252Fapp" '{"description":"a"}'
	auth_req PUT "$A/acls/dcos:secrets:default:%252Fapp/users/daprapp/read"
}
oneTimeTearDown() { coffer_server_stop; }

dapr() { req "$@" -H "dapr-api-token: $TOKEN"; }

test_the_dapr_token_acts_as_the_configured_subject() {
	dapr GET /v1.0/secrets/default/app/db
	assert_status 200
	assert_json_eq .value dbv
	local line
	line=$(grep '"path":"/v1.0/secrets/default/app/db"' \
	    "$COFFER_STATE/audit.log" | tail -1)
	assertEquals "audited as the subject" daprapp "$(jq -r .subject <<<"$line")"
}

test_the_dapr_subject_gets_only_its_grants() {
	dapr GET /v1.0/secrets/default/other
	assert_status 403
}

test_the_dapr_scope_denies_what_it_names() {
	dapr GET /v1.0/secrets/default/app/a/y
	assert_status 403
	assert_body_lacks yv
	local line
	line=$(grep '"path":"/v1.0/secrets/default/app/a/y"' 	    "$COFFER_STATE/audit.log" | tail -1)
	assertEquals "the scope's denial is audited" 	    '[["dcos:secrets:default:/app/a/y","read",false,"dapr_scope"]]' 	    "$(jq -c '[.decisions[] | [.resource, .action, .allowed, .by]]' <<<"$line")"
}

test_a_wrong_dapr_token_answers_401() {
	req GET /v1.0/secrets/default/app/db -H "dapr-api-token: wrong"
	assert_status 401
	assert_body_lacks dbv
	req GET /v1.0/secrets/default/app/db -H "dapr-api-token: ${TOKEN}x"
	assert_status 401 "a longer token"
}

test_the_dapr_token_does_not_open_the_dcos_api() {
	dapr GET /secrets/v1/secret/default/app/a/y
	assert_status 401
	assert_body_lacks yv
	dapr GET /secrets/v1/secret/default/app/db
	assert_status 401 "not even what the subject may read"
	assert_body_lacks dbv
}

test_the_dapr_token_does_not_open_the_path_api() {
	dapr GET /api/v1/secrets/app/a/y
	assert_status 401
	assert_body_lacks yv
}

test_the_dapr_token_does_not_open_the_batch() {
	dapr POST /coffer/v1/secrets/default/batch \
	    -H 'Content-Type: application/json' \
	    --data-binary '{"paths":["app/a/y","app/db"]}'
	assert_status 401
	assert_body_lacks yv
	assert_body_lacks dbv
}

test_the_dapr_token_does_not_open_sensus_api() {
	dapr GET /api/enterprise/secrets/v1/namespaces/default/secrets
	assert_status 401
}

test_the_dapr_token_cannot_make_a_sensu_api_key() {
	dapr POST /api/core/v2/apikeys -H 'Content-Type: application/json' \
	    --data-binary '{"username":"daprapp"}'
	assert_status 401
	assertEquals "no Location" "" "$(header Location)"
	auth_req GET /api/core/v2/apikeys
	assert_status 200
	assertEquals "no key for the Dapr subject" 0 \
	    "$(jq '[.[] | select(.username == "daprapp")] | length' "$BODY_FILE")"
}

test_outside_dapr_the_login_cookie_answers_as_if_the_dapr_token_were_absent() {
	dapr GET /secrets/v1/secret/default/other \
	    -H "Cookie: dcos-acs-auth-cookie=$COFFER_TOKEN"
	assert_status 200
	assert_json_eq .value ov
}

. /usr/share/shunit2/shunit2
