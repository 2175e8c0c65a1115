#!/usr/bin/env bash
# authsign with CFSSL's own auth_keys (docs/apis.md#cfssl), without
# Coffer's ca_auth_key: each profile's named key checks the tokens for it,
# a profile without a key cannot be authsigned, and sign refuses one with.
. "$(dirname "$0")/../lib.sh"

C=/api/v1/cfssl
OPS_KEY=8899aabbccddeeff8899aabbccddeeff

oneTimeSetUp() {
	PDIR=$(mktemp -d "${TMPDIR:-/tmp}/coffer-authkeys.XXXXXX") || return 1
	chmod 0755 "$PDIR"
	cat >"$PDIR/cfssl.json" <<-EOF
		{"signing": {
		  "default": {"usages": ["signing", "server auth"], "expiry": "24h"},
		  "profiles": {
		    "ops": {"usages": ["signing", "client auth"], "expiry": "2h",
		            "auth_key": "ops-key"}}},
		 "auth_keys": {"ops-key": {"type": "standard", "key": "$OPS_KEY"}}}
	EOF
	chmod 0644 "$PDIR/cfssl.json"
	coffer_server_start "ca_profiles=$PDIR/cfssl.json" &&
	    coffer_init_unseal || return 1
	W=$COFFER_STATE/ca
	mkdir -p "$W"
	cat >"$W/client.json" <<-EOF
		{"signing": {"default": {"auth_remote": {"remote": "coffer",
		  "auth_key": "k"}},
		  "profiles": {"ops": {"auth_remote": {"remote": "coffer",
		  "auth_key": "k"}}}},
		 "auth_keys": {"k": {"type": "standard", "key": "$OPS_KEY"}},
		 "remotes": {"coffer": "$COFFER_ADDR"}}
	EOF
	req GET /ca/dcos-ca.crt
	printf '%s\n' "$BODY" >"$W/ca.pem"
}
oneTimeTearDown() {
	coffer_server_stop
	rm -rf "$PDIR"
}

new_csr() { # new_csr NAME: an ECDSA P-256 key and CSR for NAME by cfssl
	echo "{\"CN\":\"$1\",\"hosts\":[\"$1\"],\"key\":{\"algo\":\"ecdsa\",\"size\":256}}" \
	    >"$W/$1.json"
	(cd "$W" && cfssl genkey "$1.json" 2>/dev/null | cfssljson -bare "$1")
}

# authsign_body REQUEST_JSON [KEY]: CFSSL's AuthenticatedRequest, now.
authsign_body() {
	"$STACK_PYTHON" - "$1" "$(date +%s)" "${2:-$OPS_KEY}" <<-'EOF'
		import base64, hashlib, hmac, json, sys
		req, ts, key = sys.argv[1].encode(), int(sys.argv[2]), sys.argv[3]
		tok = hmac.new(bytes.fromhex(key), req, hashlib.sha256).digest()
		print(json.dumps({"token": base64.b64encode(tok).decode(),
		    "request": base64.b64encode(req).decode(), "timestamp": ts}))
	EOF
}

sign_body() { # sign_body CSR_FILE [PROFILE]
	jq -nc --rawfile csr "$1" --arg p "${2:-}" \
	    '{certificate_request: $csr, profile: $p}'
}

cert_count() {
	auth_json POST /ca/api/v2/certificates '{"expired_ok": true}'
	jq '.result | length' "$BODY_FILE"
}

test_cfssl_sign_through_authsign_with_the_profiles_named_key() {
	local out
	new_csr ops.example.com
	out=$(cd "$W" && cfssl sign -config client.json -profile ops \
	    ops.example.com.csr 2>&1 >"$W/ops.json")
	jq -r '.cert // empty' "$W/ops.json" >"$W/ops.pem"
	assertTrue "cfssl wrote the certificate ($out)" "[ -s $W/ops.pem ]"
	assertEquals "chains" "$W/ops.pem: OK" \
	    "$(openssl verify -CAfile "$W/ca.pem" "$W/ops.pem" 2>&1)"
	assertContains "the ops profile's usages" \
	    "$(openssl x509 -in "$W/ops.pem" -noout -ext extendedKeyUsage)" \
	    "TLS Web Client Authentication"
}

test_authsign_of_a_profile_without_a_key_is_no_authentication_provider() {
	local before
	before=$(cert_count)
	new_csr d.example.com
	json_req POST $C/authsign \
	    "$(authsign_body "$(sign_body "$W/d.example.com.csr")")"
	assert_status 400
	assert_schema cfssl-error.json
	assert_json_eq '.errors[0].code' 400
	assert_json_eq '.errors[0].message' 'no authentication provider'
	assertEquals "nothing recorded" "$before" "$(cert_count)"
}

test_authsign_with_another_key_is_invalid_token() {
	new_csr w.example.com
	json_req POST $C/authsign "$(authsign_body \
	    "$(sign_body "$W/w.example.com.csr" ops)" "${OPS_KEY/88/77}")"
	assert_status 400
	assert_json_eq '.errors[0].code' 400
	assert_json_eq '.errors[0].message' 'invalid token'
}

test_authsign_replay_is_still_refused_with_a_profile_key() {
	local body
	new_csr r.example.com
	body=$(authsign_body "$(sign_body "$W/r.example.com.csr" ops)")
	json_req POST $C/authsign "$body"
	assert_status 200
	assert_schema cfssl-sign-response.json
	json_req POST $C/authsign "$body"
	assert_status 400
	assert_json_eq '.errors[0].message' 'invalid token: replayed'
}

test_sign_of_the_profile_with_a_key_is_authentication_required() {
	new_csr s.example.com
	auth_json POST $C/sign "$(sign_body "$W/s.example.com.csr" ops)"
	assert_status 400
	assert_json_eq '.errors[0].message' 'authentication required'
}

test_sign_of_the_default_profile_without_a_key_signs() {
	new_csr p.example.com
	auth_json POST $C/sign "$(sign_body "$W/p.example.com.csr")"
	assert_status 200
	assert_schema cfssl-sign-response.json
}

. /usr/share/shunit2/shunit2
