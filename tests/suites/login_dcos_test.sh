#!/usr/bin/env bash
# DC/OS IAM login (docs/apis.md#dcos): users with a password,
# service accounts with an RS256 login token signed by their own key; the
# cookie, logout and the JWKS.
. "$(dirname "$0")/../lib.sh"

A=/acs/api/v1

oneTimeSetUp() {
	# A high limit: the throttle has its own suite.
	coffer_server_start login_max_failures=1000 && coffer_init_unseal ||
	    return 1
	openssl genrsa -out "$COFFER_STATE/sa.pem" 2048 2>/dev/null
	openssl rsa -in "$COFFER_STATE/sa.pem" -pubout \
	    -out "$COFFER_STATE/sa.pub" 2>/dev/null
	openssl genrsa -out "$COFFER_STATE/other.pem" 2048 2>/dev/null
	auth_json PUT $A/users/alice '{"description":"Alice","password":"pw-alice"}'
	auth_json PUT $A/users/svc "$(jq -n --rawfile k "$COFFER_STATE/sa.pub" \
	    '{description: "a service", public_key: $k}')"
}
oneTimeTearDown() { coffer_server_stop; }

b64url() { base64 -w0 | tr '+/' '-_' | tr -d '='; }

# login_token KEY UID EXP [ALG]: a service login token.
login_token() {
	local key=$1 uid=$2 exp=$3 alg=${4:-RS256} h p sig
	h=$(printf '{"alg":"%s","typ":"JWT"}' "$alg" | b64url)
	p=$(printf '{"uid":"%s","exp":%d}' "$uid" "$exp" | b64url)
	if [ "$alg" = HS256 ]; then
		sig=$(printf '%s.%s' "$h" "$p" |
		    openssl dgst -sha256 -hmac secret -binary | b64url)
	else
		sig=$(printf '%s.%s' "$h" "$p" |
		    openssl dgst -sha256 -sign "$key" -binary | b64url)
	fi
	echo "$h.$p.$sig"
}

sa_login() {
	json_req POST $A/auth/login "$(jq -n --arg u "$1" --arg t "$2" \
	    '{uid: $u, token: $t}')"
}

assert_invalid_credentials() {
	assert_status 401 "$1"
	assert_json_eq .code ERR_INVALID_CREDENTIALS "$1"
	assert_json_eq .title "401 Unauthorized" "$1"
	assert_header WWW-Authenticate acsjwt "$1"
	assert_schema dcos-error.json "$1"
}

test_user_login_returns_a_token_and_sets_the_cookie() {
	json_req POST $A/auth/login '{"uid":"alice","password":"pw-alice"}'
	assert_status 200
	assert_schema iam-login-response.json
	assert_header Set-Cookie '^dcos-acs-auth-cookie=eyJ.*HttpOnly'
	local t
	t=$(jq -r .token "$BODY_FILE")
	req GET $A/users/alice/permissions -H "Authorization: token=$t"
	assert_status 200 "the login token authenticates"
}

test_login_cookie_alone_authenticates() {
	local t
	json_req POST $A/auth/login '{"uid":"alice","password":"pw-alice"}'
	t=$(jq -r .token "$BODY_FILE")
	req GET $A/users/alice/permissions -H "Cookie: dcos-acs-auth-cookie=$t"
	assert_status 200
}

test_wrong_password_answers_401_invalid_credentials() {
	json_req POST $A/auth/login '{"uid":"alice","password":"nope"}'
	assert_invalid_credentials "wrong password"
	assert_body_lacks nope
}

test_unknown_uid_answers_401_invalid_credentials() {
	json_req POST $A/auth/login '{"uid":"ghost","password":"pw"}'
	assert_invalid_credentials "unknown uid"
}

test_password_login_for_a_service_account_answers_401() {
	json_req POST $A/auth/login '{"uid":"svc","password":"pw"}'
	assert_invalid_credentials "password for a service account"
}

test_both_password_and_token_answer_400() {
	json_req POST $A/auth/login '{"uid":"alice","password":"a","token":"b"}'
	assert_status 400
	assert_schema dcos-error.json
	json_req POST $A/auth/login '{"uid":"alice"}'
	assert_status 400 "neither"
}

test_empty_uid_or_password_answers_400() {
	json_req POST $A/auth/login '{"uid":"","password":"a"}'
	assert_status 400
	json_req POST $A/auth/login '{"uid":"alice","password":""}'
	assert_status 400
}

test_get_login_without_a_provider_answers_400() {
	req GET $A/auth/login
	assert_status 400
	assert_json_eq .code ERR_MISSING_QUERY_PARAMETERS
}

test_service_account_logs_in_with_a_token_signed_by_its_key() {
	sa_login svc "$(login_token "$COFFER_STATE/sa.pem" svc $(($(date +%s) + 120)))"
	assert_status 200
	assert_schema iam-login-response.json
}

test_a_token_does_not_work_for_a_service_account_created_again() {
	local body old
	body=$(jq -n --rawfile k "$COFFER_STATE/sa.pub" '{public_key: $k}')
	auth_json PUT $A/users/svc2 "$body"
	sa_login svc2 "$(login_token "$COFFER_STATE/sa.pem" svc2 \
	    $(($(date +%s) + 60)))"
	assert_status 200
	old=$(jq -r .token "$BODY_FILE")
	auth_req DELETE $A/users/svc2
	assert_status 204
	auth_json PUT $A/users/svc2 "$body"
	assert_status 201 "the same uid and key again"
	req GET $A/users/svc2/permissions -H "Authorization: token=$old"
	assert_status 401 "the token of the deleted svc2"
}

test_service_login_token_signed_by_another_key_answers_401() {
	sa_login svc "$(login_token "$COFFER_STATE/other.pem" svc $(($(date +%s) + 120)))"
	assert_invalid_credentials "wrong key"
}

test_expired_service_login_token_answers_401() {
	sa_login svc "$(login_token "$COFFER_STATE/sa.pem" svc $(($(date +%s) - 60)))"
	assert_invalid_credentials "expired"
}

test_hs256_service_login_token_answers_401() {
	sa_login svc "$(login_token "$COFFER_STATE/sa.pem" svc $(($(date +%s) + 120)) HS256)"
	assert_invalid_credentials "HS256"
}

test_service_login_token_for_another_uid_answers_401() {
	sa_login svc "$(login_token "$COFFER_STATE/sa.pem" alice $(($(date +%s) + 120)))"
	assert_invalid_credentials "uid claim differs"
}

test_forged_service_login_token_answers_401() {
	local h p
	h=$(printf '{"alg":"none","typ":"JWT"}' | b64url)
	p=$(printf '{"uid":"svc","exp":%d}' $(($(date +%s) + 120)) | b64url)
	sa_login svc "$h.$p."
	assert_invalid_credentials "alg none"
	sa_login svc "garbage"
	assert_invalid_credentials "garbage"
}

test_jwks_kid_is_computed_as_bouncer_does() {
	req GET $A/auth/jwks
	assert_status 200
	assert_schema iam-jwks.json
	local want
	want=$("$STACK_PYTHON" -c '
import base64, hashlib, json, sys
k = json.load(open(sys.argv[1]))["keys"][0]
d = lambda s: int.from_bytes(base64.urlsafe_b64decode(s + "=" * (-len(s) % 4)), "big")
print(hashlib.sha256(("%d%dRSA" % (d(k["e"]), d(k["n"]))).encode()).hexdigest())
' "$BODY_FILE")
	assert_json_eq '.keys[0].kid' "$want"
	assert_json_eq '.keys[0].alg' RS256
}

test_logout_clears_the_cookie() {
	req GET $A/auth/logout
	assert_status 200
	assert_header Set-Cookie '^dcos-acs-auth-cookie=;.*2000'
}

test_jwks_answers_while_sealed_and_login_does_not() {
	auth_req PUT /secrets/v1/seal/default
	assert_status 200
	req GET $A/auth/jwks
	assert_status 200 "jwks while sealed"
	json_req POST $A/auth/login '{"uid":"alice","password":"pw-alice"}'
	assert_status 503 "login while sealed"
	local s
	for s in $COFFER_SHARES; do
		json_req PUT /secrets/v1/unseal/default "{\"key\":\"$s\"}"
	done
	json_req POST $A/auth/login '{"uid":"alice","password":"pw-alice"}'
	assert_status 200 "login after unseal"
}

. /usr/share/shunit2/shunit2
