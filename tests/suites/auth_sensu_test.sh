#!/usr/bin/env bash
# Sensu Go authentication (docs/apis.md#sensu):
# GET /auth with Basic, refresh, /auth/test, logout, Bearer tokens on
# other programs, and Sensu's error shapes.
. "$(dirname "$0")/../lib.sh"

A=/acs/api/v1

oneTimeSetUp() {
	coffer_server_start login_max_failures=1000 && coffer_init_unseal ||
	    return 1
	auth_json PUT $A/users/sam '{"password":"pw-sam"}'
	auth_json PUT /secrets/v1/secret/default/sensu/s '{"value":"sv"}'
	auth_json PUT "$A/acls/dcos:secrets:default:%252Fsensu" '{"description":"s"}'
	auth_req PUT "$A/acls/dcos:secrets:default:%252Fsensu/users/sam/read"
}
oneTimeTearDown() { coffer_server_stop; }

test_basic_auth_answers_access_and_refresh_tokens() {
	req GET /auth -u sam:pw-sam
	assert_status 200
	assert_schema sensu-auth-response.json
	local exp now
	exp=$(jq -r .expires_at "$BODY_FILE")
	now=$(date +%s)
	assertTrue "expires in about 5 minutes" \
	    "[ $exp -gt $((now + 200)) ] && [ $exp -le $((now + 301)) ]"
}

test_bearer_access_token_works_on_another_program() {
	req GET /auth -u sam:pw-sam
	req GET /secrets/v1/secret/default/sensu/s \
	    -H "Authorization: Bearer $(jq -r .access_token "$BODY_FILE")"
	assert_status 200
	assert_json_eq .value sv
}

test_bad_basic_credentials_answer_plain_401_unauthorized() {
	req GET /auth -u sam:wrong
	assert_status 401
	assertEquals "plain text" "Unauthorized" "$BODY"
	assert_header Content-Type '^text/plain'
	req GET /auth
	assert_status 401 "no credentials"
}

test_auth_test_answers_200_or_plain_401() {
	req GET /auth/test -u sam:pw-sam
	assert_status 200
	req GET /auth/test -u sam:nope
	assert_status 401
	assertEquals "Request unauthorized" "$BODY"
}

test_refresh_gives_new_tokens_once() {
	local at rt
	req GET /auth -u sam:pw-sam
	at=$(jq -r .access_token "$BODY_FILE")
	rt=$(jq -r .refresh_token "$BODY_FILE")
	req POST /auth/token -H "Authorization: Bearer $at" \
	    -H 'Content-Type: application/json' -d "{\"refresh_token\":\"$rt\"}"
	assert_status 200
	assert_schema sensu-auth-response.json
	req POST /auth/token -H "Authorization: Bearer $at" \
	    -H 'Content-Type: application/json' -d "{\"refresh_token\":\"$rt\"}"
	assert_status 401 "a refresh token is used once"
	assertEquals "Request unauthorized" "$BODY"
}

test_refresh_with_a_bad_access_token_answers_400() {
	req POST /auth/token -H "Authorization: Bearer not.a.jwt" \
	    -H 'Content-Type: application/json' -d '{"refresh_token":"x"}'
	assert_status 400
	assert_json_eq .code 1
}

test_logout_revokes_the_refresh_token() {
	local at rt
	req GET /auth -u sam:pw-sam
	at=$(jq -r .access_token "$BODY_FILE")
	rt=$(jq -r .refresh_token "$BODY_FILE")
	req POST /auth/logout -H "Authorization: Bearer $at" \
	    -H 'Content-Type: application/json' -d "{\"refresh_token\":\"$rt\"}"
	assert_status 200
	req POST /auth/token -H "Authorization: Bearer $at" \
	    -H 'Content-Type: application/json' -d "{\"refresh_token\":\"$rt\"}"
	assert_status 401
}

test_sensu_routes_answer_401_in_the_middleware_shape() {
	req GET /api/core/v2/apikeys
	assert_status 401
	assert_schema sensu-middleware-error.json
	assert_json_eq .Code 5
	assert_json_eq .Message "bad credentials"
	req GET /api/core/v2/apikeys -H "Authorization: Bearer a.b.c"
	assert_status 401
	assert_json_eq .Message "invalid credentials"
}

test_sensu_denial_answers_403_in_the_middleware_shape() {
	req GET /auth -u sam:pw-sam
	req POST /api/core/v2/apikeys \
	    -H "Authorization: Bearer $(jq -r .access_token "$BODY_FILE")" \
	    -H 'Content-Type: application/json' -d '{"username":"admin"}'
	assert_status 403
	assert_schema sensu-middleware-error.json
	assert_json_eq .Code 4
	assert_json_eq .Message "unauthorized to perform action"
}

. /usr/share/shunit2/shunit2
