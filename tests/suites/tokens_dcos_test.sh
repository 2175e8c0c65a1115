#!/usr/bin/env bash
# Credentials on every non-public endpoint: DC/OS "token=" and Bearer JWTs,
# refused when missing, malformed, forged, expired or for no subject
# (docs/security.md#authentication).
. "$(dirname "$0")/../lib.sh"

S=/secrets/v1/secret/default

oneTimeSetUp() {
	coffer_server_start && coffer_init_unseal || return 1
	set -- $COFFER_SHARES
	echo "$1" >"$COFFER_STATE/share"
	chmod 600 "$COFFER_STATE/share"
	auth_json PUT $S/tok/s '{"value":"guarded"}'
}
oneTimeTearDown() { coffer_server_stop; }

b64url() { base64 -w0 | tr '+/' '-_' | tr -d '='; }

# mint UID [LIFETIME]: a token signed with the store's own key.
mint() {
	"$COFFER_BUILD/tools/cofferctl" -c "$COFFER_CONFIG" token \
	    --share-file "$COFFER_STATE/share" --lifetime "${2:-3600}" "$1"
}

get_with() { req GET $S/tok/s -H "Authorization: $1"; }

assert_refused() {
	assert_status 401 "$1"
	assert_schema dcos-error.json
	assert_header WWW-Authenticate acsjwt
	assert_body_lacks guarded
}

test_dcos_token_header_is_accepted() {
	get_with "token=$COFFER_TOKEN"
	assert_status 200
	assert_json_eq .value guarded
}

test_bearer_token_is_accepted() {
	get_with "Bearer $COFFER_TOKEN"
	assert_status 200
}

test_missing_token_answers_401() {
	req GET $S/tok/s
	assert_refused "no credential"
}

test_unknown_scheme_answers_401() {
	get_with "Basic YWRtaW46YWRtaW4="
	assert_refused "basic"
}

test_garbage_token_answers_401() {
	get_with "token=not-a-jwt"
	assert_refused garbage
	get_with "token=a.b.c"
	assert_refused "three dots of nothing"
}

test_alg_none_token_answers_401() {
	local h p
	h=$(printf '{"alg":"none","typ":"JWT"}' | b64url)
	p=$(printf '{"uid":"admin","exp":%d}' $(($(date +%s) + 3600)) | b64url)
	get_with "token=$h.$p."
	assert_refused "alg none"
}

test_hs256_token_answers_401() {
	local h p sig
	h=$(printf '{"alg":"HS256","typ":"JWT"}' | b64url)
	p=$(printf '{"uid":"admin","exp":%d}' $(($(date +%s) + 3600)) | b64url)
	sig=$(printf '%s.%s' "$h" "$p" |
	    openssl dgst -sha256 -hmac secret -binary | b64url)
	get_with "token=$h.$p.$sig"
	assert_refused "HS256"
}

test_token_signed_by_another_key_answers_401() {
	local h p sig key=$COFFER_STATE/other.pem
	openssl genrsa -out "$key" 2048 2>/dev/null
	h=$(printf '{"alg":"RS256","typ":"JWT"}' | b64url)
	p=$(printf '{"uid":"admin","exp":%d}' $(($(date +%s) + 3600)) | b64url)
	sig=$(printf '%s.%s' "$h" "$p" |
	    openssl dgst -sha256 -sign "$key" -binary | b64url)
	get_with "token=$h.$p.$sig"
	assert_refused "foreign key"
}

test_tampered_payload_answers_401() {
	local h p s
	IFS=. read -r h p s <<<"$COFFER_TOKEN"
	p=$(printf '{"uid":"admin","exp":%d}' $(($(date +%s) + 999999)) | b64url)
	get_with "token=$h.$p.$s"
	assert_refused "tampered"
}

test_expired_token_answers_401() {
	local t
	t=$(mint admin -60)
	assertNotNull "cofferctl mints a token" "$t"
	get_with "token=$t"
	assert_refused "expired"
}

test_freshly_minted_token_is_accepted() {
	local t
	t=$(mint admin 600)
	get_with "token=$t"
	assert_status 200
}

test_token_for_unknown_subject_answers_401() {
	local t
	# cofferctl mints only for a user that exists: one, then gone.
	coffer_ctl user-add ghost --password-stdin <<<"pw-ghost" >/dev/null
	t=$(mint ghost 600)
	assertNotNull "cofferctl mints a token" "$t"
	coffer_ctl user-del ghost >/dev/null
	get_with "token=$t"
	assert_refused "no such subject"
}

test_path_api_answers_401_in_its_own_shape() {
	req GET /api/v1/secrets/tok/s
	assert_status 401
	assert_schema path-error.json
	assert_json_eq .code 401
	assert_header WWW-Authenticate Bearer
}

test_oversized_token_answers_401() {
	get_with "token=$(head -c 9000 /dev/zero | tr '\0' a)"
	assert_status 401
}

. /usr/share/shunit2/shunit2
