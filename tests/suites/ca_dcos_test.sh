#!/usr/bin/env bash
# The DC/OS CA API under /ca/api/v2/ (docs/apis.md#dcos): CFSSL's
# handlers and envelope behind DC/OS tokens and ca:ro / ca:rw.
. "$(dirname "$0")/../lib.sh"

A=/ca/api/v2

oneTimeSetUp() {
	coffer_server_start && coffer_init_unseal || return 1
	W=$COFFER_STATE/ca
	mkdir -p "$W"
}
oneTimeTearDown() { coffer_server_stop; }

NEWCERT='{"request": {"hosts": ["www.example.com"],
  "names": [{"C":"US","ST":"California","L":"San Francisco","O":"example.com"}],
  "CN": "www.example.com"}}'

test_ca_certificate_is_served_without_a_token() {
	req GET /ca/dcos-ca.crt
	assert_status 200
	assert_header Content-Type '^application/x-pem-file'
	printf '%s\n' "$BODY" >"$W/ca.pem"
	assertContains "$(openssl x509 -in "$W/ca.pem" -noout -text)" "CA:TRUE"
	assertContains "$(openssl x509 -in "$W/ca.pem" -noout -text)" \
	    "ASN1 OID: prime256v1"
}

test_info_needs_no_token_and_answers_the_same_ca() {
	json_req POST $A/info '{"label":"primary"}'
	assert_status 200
	assert_schema cfssl-info-response.json
	assert_json_eq '.result.usages | index("signing") != null' true
	assertEquals "same CA" "$(openssl x509 -in "$W/ca.pem" -noout -fingerprint)" \
	    "$(jq -r .result.certificate "$BODY_FILE" | openssl x509 -noout -fingerprint)"
}

test_newcert_returns_key_csr_and_a_certificate_that_chains() {
	auth_json POST $A/newcert "$NEWCERT"
	assert_status 200
	assert_schema cfssl-response.json
	jq -r .result.certificate "$BODY_FILE" >"$W/www.pem"
	jq -r .result.private_key "$BODY_FILE" >"$W/www.key"
	assertEquals "chains" "$W/www.pem: OK" \
	    "$(openssl verify -CAfile "$W/ca.pem" "$W/www.pem" 2>&1)"
	assertEquals "the key matches the certificate" \
	    "$(openssl pkey -in "$W/www.key" -pubout)" \
	    "$(openssl x509 -in "$W/www.pem" -noout -pubkey)"
	assert_json_eq '.result.sums.certificate["sha-1"] | test("^[0-9A-F]{40}$")' true
	assertContains "$(openssl x509 -in "$W/www.pem" -noout -subject)" \
	    "O = example.com"
}

test_newkey_returns_a_csr_signed_by_its_key() {
	auth_json POST $A/newkey '{"CN":"k.example.com","hosts":["k.example.com"],
	    "names":[{"O":"example"}],"key":{"algo":"rsa","size":2048}}'
	assert_status 200
	jq -r .result.certificate_request "$BODY_FILE" >"$W/k.csr"
	assertContains "$(openssl req -in "$W/k.csr" -verify -noout 2>&1)" \
	    "verify OK"
	assert_json_eq '.result.private_key | startswith("-----BEGIN RSA PRIVATE KEY")' true
}

test_newkey_rsa_1024_is_2400() {
	auth_json POST $A/newkey '{"CN":"w","hosts":["w.example.com"],"key":{"algo":"rsa","size":1024}}'
	assert_status 400
	assert_schema cfssl-error.json
	assert_json_eq '.errors[0].code' 2400
}

test_newkey_ed25519_and_p384_are_accepted() {
	auth_json POST $A/newkey '{"CN":"e","hosts":["e.example.com"],"key":{"algo":"ed25519"}}'
	assert_status 200
	auth_json POST $A/newkey '{"CN":"p","hosts":["p.example.com"],"key":{"algo":"ecdsa","size":384}}'
	assert_status 200
}

test_sign_without_a_token_is_401_in_the_envelope() {
	json_req POST $A/sign '{"certificate_request":"x"}'
	assert_status 401
	assert_schema cfssl-error.json
	auth_req POST $A/newcert -H 'Authorization: token=garbage' -d '{}'
	assert_status 401
}

test_sign_with_sdk_empty_profile_signs() {
	auth_json POST $A/newkey '{"CN":"sdk","hosts":["sdk.example.com"]}'
	jq -r .result.certificate_request "$BODY_FILE" >"$W/sdk.csr"
	auth_json POST $A/sign "$(jq -n --rawfile c "$W/sdk.csr" '{certificate_request: $c, profile: ""}')"
	assert_status 200
	assert_schema cfssl-sign-response.json
}

test_certificates_lists_issued_and_filters_by_serial_and_aki() {
	local serial aki
	auth_json POST /api/v1/cfssl/certinfo "$(jq -n --rawfile c "$W/www.pem" '{certificate: $c}')"
	serial=$(jq -r .result.serial_number "$BODY_FILE")
	aki=$(jq -r .result.authority_key_id "$BODY_FILE")
	auth_json POST $A/certificates '{"authority_key_id":"","serial":"","expired_ok":false}'
	assert_status 200
	assert_schema cfssl-certificates-response.json
	assert_json_eq '.result | length >= 2' true
	auth_json POST $A/certificates "{\"serial\":\"$serial\",\"authority_key_id\":\"$aki\"}"
	assert_json_eq '.result | length' 1
	assert_json_eq '.result[0].status' good
	assert_json_eq '.result[0].sans' '["www.example.com"]'
	auth_json POST $A/certificates '{"serial":"1"}'
	assert_json_eq '.result | length' 0
}

test_a_good_certificate_is_listed_with_reason_and_revoked_at_as_cfssl_records_it() {
	local serial
	auth_json POST /api/v1/cfssl/certinfo "$(jq -n --rawfile c "$W/www.pem" '{certificate: $c}')"
	serial=$(jq -r .result.serial_number "$BODY_FILE")
	auth_json POST $A/certificates "{\"serial\":\"$serial\"}"
	assert_status 200
	assert_json_eq '.result[0].status' good
	assert_json_eq '.result[0].reason' unspecified
	assert_json_eq '.result[0].revoked_at' 0001-01-01T00:00:00Z
	assert_json_eq '.result[0].ca_label' ''
	assert_spec
}

test_certificates_with_a_malformed_aki_is_400() {
	auth_json POST $A/certificates '{"authority_key_id":"zz:yy"}'
	assert_status 400
	assert_schema cfssl-error.json
}

test_bundle_chains_a_certificate_to_the_root() {
	auth_json POST $A/bundle "$(jq -n --rawfile c "$W/www.pem" '{certificate: $c}')"
	assert_status 200
	assertEquals "root is the CA" "$(openssl x509 -in "$W/ca.pem" -noout -fingerprint)" \
	    "$(jq -r .result.root "$BODY_FILE" | openssl x509 -noout -fingerprint)"
	assert_json_eq '.result.hostnames' '["www.example.com"]'
}

test_bundle_of_a_foreign_certificate_is_1220() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -subj /CN=foreign -keyout "$W/f.key" -out "$W/f.pem" 2>/dev/null
	auth_json POST $A/bundle "$(jq -n --rawfile c "$W/f.pem" '{certificate: $c}')"
	assert_status 400
	assert_json_eq '.errors[0].code' 1220
}

test_unused_cfssl_endpoints_are_404_under_the_dcos_path() {
	auth_json POST $A/certinfo '{}'
	assert_status 404
	auth_json POST $A/revoke '{}'
	assert_status 404
}

test_sealed_store_cannot_sign_but_serves_the_ca_certificate() {
	auth_json POST $A/newkey '{"CN":"s","hosts":["s.example.com"]}'
	jq -r .result.certificate_request "$BODY_FILE" >"$W/s.csr"
	auth_req PUT /secrets/v1/seal/default
	assert_status 200
	auth_json POST $A/sign "$(jq -n --rawfile c "$W/s.csr" '{certificate_request: $c}')"
	assert_status 503
	assert_schema cfssl-error.json
	req GET /ca/dcos-ca.crt
	assert_status 200
	json_req POST $A/info '{}'
	assert_status 200
	json_req PUT /secrets/v1/unseal/default "{\"key\":\"${COFFER_SHARES%% *}\"}"
	assert_status 200
	auth_json POST $A/sign "$(jq -n --rawfile c "$W/s.csr" '{certificate_request: $c}')"
	assert_status 200
}

test_no_private_key_reaches_the_logs() {
	auth_json POST $A/newcert "$NEWCERT"
	assertFalse "no key in the error log" \
	    "grep -q 'PRIVATE KEY' $COFFER_STATE/error.log"
}

. /usr/share/shunit2/shunit2
