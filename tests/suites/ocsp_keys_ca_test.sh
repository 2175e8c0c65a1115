#!/usr/bin/env bash
# The OCSP responder under a CA of each other key type (ca_key): its
# responder certificate is signed with the CA's own algorithm and digest,
# and openssl ocsp verifies the answer against the CA.  ECDSA P-256 is the
# ocsp_ca suite's.
. "$(dirname "$0")/../lib.sh"

# good_under KEY: a stack whose CA is KEY answers good, verified, for a
# certificate it issued.
good_under() {
	local w out
	coffer_server_start ca_key="$1" && coffer_init_unseal || {
		fail "a stack with ca_key=$1"
		return
	}
	w=$COFFER_STATE
	req GET /ca/dcos-ca.crt
	printf '%s\n' "$BODY" >"$w/ca.pem"
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -subj /CN=svc.example.com -keyout "$w/svc.key" -out "$w/svc.csr" \
	    2>/dev/null
	auth_json POST /api/v1/cfssl/sign \
	    "$(jq -n --rawfile c "$w/svc.csr" '{certificate_request: $c}')"
	jq -r .result.certificate "$BODY_FILE" >"$w/svc.pem"
	out=$(openssl ocsp -issuer "$w/ca.pem" -cert "$w/svc.pem" \
	    -CAfile "$w/ca.pem" -url "$COFFER_ADDR/ca/ocsp" 2>&1)
	assertContains "$1" "$out" "$w/svc.pem: good"
	assertContains "$1" "$out" "Response verify OK"
	coffer_server_stop
}

test_an_ed25519_ca_answers_verified() { good_under ed25519; }
test_an_rsa_ca_answers_verified() { good_under rsa-2048; }
test_a_p384_ca_answers_verified() { good_under ecdsa-384; }

. /usr/share/shunit2/shunit2
