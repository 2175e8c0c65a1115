#!/usr/bin/env bash
# CFSSL's own API under /api/v1/cfssl/ (docs/apis.md#cfssl), with
# Debian's cfssl CLI as the client and openssl/certtool as the judges.
. "$(dirname "$0")/../lib.sh"

C=/api/v1/cfssl
AUTH_KEY=0123456789ABCDEF0123456789ABCDEF

oneTimeSetUp() {
	coffer_server_start ca_auth_key=$AUTH_KEY && coffer_init_unseal || return 1
	W=$COFFER_STATE/ca
	mkdir -p "$W"
	req GET /ca/dcos-ca.crt
	printf '%s\n' "$BODY" >"$W/ca.pem"
	# The cfssl client: a profile with auth_remote makes it use authsign.
	cat >"$W/client.json" <<-EOF
		{"signing": {"default": {"auth_remote": {"remote": "coffer",
		  "auth_key": "k1"}}},
		 "auth_keys": {"k1": {"type": "standard", "key": "$AUTH_KEY"}},
		 "remotes": {"coffer": "$COFFER_ADDR"}}
	EOF
	cat >"$W/wrongkey.json" <<-EOF
		{"signing": {"default": {"auth_remote": {"remote": "coffer",
		  "auth_key": "k1"}}},
		 "auth_keys": {"k1": {"type": "standard",
		  "key": "FFFF456789ABCDEF0123456789ABCDEF"}},
		 "remotes": {"coffer": "$COFFER_ADDR"}}
	EOF
}
oneTimeTearDown() { coffer_server_stop; }

# new_csr NAME HOSTS...: an ECDSA P-256 key and CSR made by cfssl genkey.
new_csr() {
	local name=$1 hosts
	shift
	hosts=$(printf '"%s",' "$@")
	echo "{\"CN\":\"$name\",\"hosts\":[${hosts%,}],\"key\":{\"algo\":\"ecdsa\",\"size\":256}}" \
	    >"$W/$name.json"
	(cd "$W" && cfssl genkey "$name.json" 2>/dev/null | cfssljson -bare "$name")
}

# sign_body CSR_FILE [EXTRA_JQ]: a sign request body.
sign_body() {
	jq -n --rawfile csr "$1" "{certificate_request: \$csr} ${2:-}"
}

cert_count() {
	auth_json POST /ca/api/v2/certificates '{"expired_ok": true}'
	jq '.result | length' "$BODY_FILE"
}

test_health_answers_healthy_without_a_token() {
	req GET $C/health
	assert_status 200
	assert_json_eq .result.healthy true
	assert_schema cfssl-response.json
}

test_cfssl_info_remote_prints_the_ca_certificate() {
	local out
	out=$(cfssl info -remote "$COFFER_ADDR" 2>/dev/null)
	assertEquals "cfssl info -remote gives our CA" \
	    "$(openssl x509 -in "$W/ca.pem" -noout -fingerprint)" \
	    "$(jq -r .certificate <<<"$out" | openssl x509 -noout -fingerprint)"
	assertEquals "usages" '["signing","key encipherment","server auth","client auth"]' \
	    "$(jq -c .usages <<<"$out")"
	assertEquals "expiry" 8760h "$(jq -r .expiry <<<"$out")"
}

test_info_post_answers_in_the_cfssl_envelope() {
	json_req POST $C/info '{"label":"primary"}'
	assert_status 200
	assert_schema cfssl-info-response.json
	assert_json_eq .result.expiry 8760h
}

test_info_with_an_unknown_profile_is_5400() {
	json_req POST $C/info '{"profile":"nope"}'
	assert_status 400
	assert_schema cfssl-error.json
	assert_json_eq '.errors[0].code' 5400
}

test_cfssl_sign_through_authsign_issues_a_certificate_that_chains() {
	new_csr svc1 svc1.example.com 10.1.2.3
	(cd "$W" && cfssl sign -config client.json svc1.csr 2>/dev/null |
	    cfssljson -bare svc1)
	assertTrue "cfssl wrote the certificate" "[ -s $W/svc1.pem ]"
	assertEquals "openssl verifies the chain" "$W/svc1.pem: OK" \
	    "$(openssl verify -CAfile "$W/ca.pem" "$W/svc1.pem" 2>&1)"
	certtool --verify --load-ca-certificate "$W/ca.pem" \
	    --infile "$W/svc1.pem" >/dev/null 2>&1
	assertEquals "certtool verifies the chain" 0 $?
	openssl x509 -in "$W/svc1.pem" -noout -ext subjectAltName \
	    >"$W/svc1.san"
	assertTrue "DNS SAN" "grep -q 'DNS:svc1.example.com' $W/svc1.san"
	assertTrue "IP SAN" "grep -q 'IP Address:10.1.2.3' $W/svc1.san"
}

test_issued_certificate_carries_profile_usages_and_key_ids() {
	local text ski aki
	new_csr svc2 svc2.example.com
	sign_body "$W/svc2.csr" >"$W/svc2.req"
	auth_req POST $C/sign -H 'Content-Type: application/json' \
	    --data-binary "@$W/svc2.req"
	assert_status 200
	assert_schema cfssl-sign-response.json
	jq -r .result.certificate "$BODY_FILE" >"$W/svc2.pem"
	text=$(openssl x509 -in "$W/svc2.pem" -noout -text)
	assertContains "$text" "Digital Signature, Key Encipherment"
	assertContains "$text" "TLS Web Server Authentication, TLS Web Client Authentication"
	assertContains "$text" "CA:FALSE"
	ski=$(openssl x509 -in "$W/ca.pem" -noout -ext subjectKeyIdentifier | tail -1 | tr -d ' ')
	aki=$(openssl x509 -in "$W/svc2.pem" -noout -ext authorityKeyIdentifier | tail -1 | tr -d ' ')
	assertEquals "AKI is the CA's SKI" "$ski" "${aki#keyid:}"
	# 20 random bytes, positive.
	assertEquals "serial bytes" 40 \
	    "$(openssl x509 -in "$W/svc2.pem" -noout -serial | cut -d= -f2 | tr -d '\n' | wc -c)"
	assertContains "$(certtool -i --infile "$W/svc2.pem")" "Not After"
}

test_cfssl_gencert_remote_makes_key_and_certificate() {
	echo '{"CN":"gen.example.com","hosts":["gen.example.com"],"key":{"algo":"ecdsa","size":256}}' \
	    >"$W/gen.json"
	(cd "$W" && cfssl gencert -config client.json gen.json 2>/dev/null |
	    cfssljson -bare gen)
	assertEquals "gencert certificate verifies" "$W/gen.pem: OK" \
	    "$(openssl verify -CAfile "$W/ca.pem" "$W/gen.pem" 2>&1)"
}

test_authsign_with_a_wrong_key_is_refused_and_records_nothing() {
	local before out
	before=$(cert_count)
	new_csr svc3 svc3.example.com
	out=$(cd "$W" && cfssl sign -config wrongkey.json svc3.csr 2>&1)
	assertContains "$out" "invalid token"
	assertEquals "nothing recorded" "$before" "$(cert_count)"
}

test_authsign_replayed_token_is_refused() {
	local out
	new_csr svc4 svc4.example.com
	(cd "$W" && cfssl sign -config client.json svc4.csr >/dev/null 2>&1)
	out=$(cd "$W" && cfssl sign -config client.json svc4.csr 2>&1)
	assertContains "$out" "replayed"
}

# authsign_body REQUEST_JSON TIMESTAMP [KEY]: CFSSL's AuthenticatedRequest.
authsign_body() {
	"$STACK_PYTHON" - "$1" "$2" "${3:-$AUTH_KEY}" <<-'EOF'
		import base64, hashlib, hmac, json, sys
		req, ts, key = sys.argv[1].encode(), int(sys.argv[2]), sys.argv[3]
		tok = hmac.new(bytes.fromhex(key), req, hashlib.sha256).digest()
		print(json.dumps({"token": base64.b64encode(tok).decode(),
		    "request": base64.b64encode(req).decode(), "timestamp": ts}))
	EOF
}

test_authsign_with_a_stale_timestamp_is_refused() {
	local body
	new_csr svc5 svc5.example.com
	body=$(authsign_body "$(sign_body "$W/svc5.csr" | jq -c .)" \
	    $(($(date +%s) - 600)))
	json_req POST $C/authsign "$body"
	assert_status 400
	assert_schema cfssl-error.json
	assert_json_eq '.errors[0].message | test("invalid token")' true
}

test_authsign_with_a_fresh_hand_made_token_signs() {
	local body
	new_csr svc6 svc6.example.com
	body=$(authsign_body "$(sign_body "$W/svc6.csr" | jq -c .)" "$(date +%s)")
	json_req POST $C/authsign "$body"
	assert_status 200
	assert_schema cfssl-sign-response.json
	json_req POST $C/authsign "$body"
	assert_status 400
	assert_json_eq '.errors[0].message' 'invalid token: replayed'
}

test_sign_without_a_token_is_401() {
	new_csr svc7 svc7.example.com
	json_req POST $C/sign "$(sign_body "$W/svc7.csr")"
	assert_status 401
	assert_schema cfssl-error.json
	assert_json_eq '.errors[0].code' 7100
}

test_sign_malformed_pem_is_9002_and_records_nothing() {
	local before
	before=$(cert_count)
	auth_json POST $C/sign '{"certificate_request":"not a pem"}'
	assert_status 400
	assert_schema cfssl-error.json
	assert_json_eq '.errors[0].code' 9002
	assertEquals "nothing recorded" "$before" "$(cert_count)"
}

test_sign_csr_with_a_bad_signature_is_9300_and_records_nothing() {
	local before
	before=$(cert_count)
	new_csr bad1 bad1.example.com
	# Flip the last byte: inside the signature's integer s.
	openssl req -in "$W/bad1.csr" -outform DER -out "$W/bad1.der"
	"$STACK_PYTHON" - "$W/bad1.der" <<-'EOF'
		import sys
		b = bytearray(open(sys.argv[1], "rb").read()); b[-1] ^= 1
		open(sys.argv[1], "wb").write(b)
	EOF
	{
		echo '-----BEGIN CERTIFICATE REQUEST-----'
		base64 -w 64 "$W/bad1.der"
		echo '-----END CERTIFICATE REQUEST-----'
	} >"$W/bad1.bad.csr"
	auth_json POST $C/sign "$(sign_body "$W/bad1.bad.csr")"
	assert_status 400
	assert_json_eq '.errors[0].code' 9300
	assertEquals "nothing recorded" "$before" "$(cert_count)"
}

test_sign_rsa_1024_csr_is_refused_and_records_nothing() {
	local before
	before=$(cert_count)
	openssl req -new -newkey rsa:1024 -nodes -subj /CN=weak \
	    -keyout "$W/weak.key" -out "$W/weak.csr" 2>/dev/null
	auth_json POST $C/sign "$(sign_body "$W/weak.csr")"
	assert_status 400
	assert_json_eq '.errors[0].code' 5300
	assert_json_eq '.errors[0].message' 'RSA key is too weak'
	assertEquals "nothing recorded" "$before" "$(cert_count)"
}

test_sign_rsa_2048_csr_is_accepted() {
	openssl req -new -newkey rsa:2048 -nodes -subj /CN=rsa.example.com \
	    -keyout "$W/rsa.key" -out "$W/rsa.csr" 2>/dev/null
	auth_json POST $C/sign "$(sign_body "$W/rsa.csr" '+ {hosts: ["rsa.example.com"]}')"
	assert_status 200
	jq -r .result.certificate "$BODY_FILE" >"$W/rsa.pem"
	assertEquals "verifies" "$W/rsa.pem: OK" \
	    "$(openssl verify -CAfile "$W/ca.pem" "$W/rsa.pem" 2>&1)"
}

test_sign_unknown_profile_is_5400_and_records_nothing() {
	local before
	before=$(cert_count)
	new_csr prof prof.example.com
	auth_json POST $C/sign "$(sign_body "$W/prof.csr" '+ {profile: "nope"}')"
	assert_status 400
	assert_json_eq '.errors[0].code' 5400
	assertEquals "nothing recorded" "$before" "$(cert_count)"
}

test_sign_bad_hosts_are_5300_and_record_nothing() {
	local before h
	before=$(cert_count)
	new_csr hosts hosts.example.com
	for h in 'bad host' '-x.example.com' 'a..b' 'http://x/' 'x_y.example.com'; do
		auth_json POST $C/sign "$(sign_body "$W/hosts.csr" \
		    "+ {hosts: [\"$h\"]}")"
		assert_status 400 "host '$h'"
		assert_json_eq '.errors[0].code' 5300 "host '$h'"
	done
	assertEquals "nothing recorded" "$before" "$(cert_count)"
}

test_sign_hosts_override_the_csr_sans() {
	new_csr over over.example.com
	auth_json POST $C/sign "$(sign_body "$W/over.csr" \
	    '+ {hosts: ["a.example.com", "192.0.2.7", "ops@example.com", "::1"]}')"
	assert_status 200
	jq -r .result.certificate "$BODY_FILE" >"$W/over.pem"
	assertEquals "SANs" \
	    "DNS:a.example.com, IP Address:192.0.2.7, email:ops@example.com, IP Address:0:0:0:0:0:0:0:1" \
	    "$(openssl x509 -in "$W/over.pem" -noout -ext subjectAltName | tail -1 | sed 's/^ *//')"
}

test_sign_subject_override_is_what_openssl_and_certtool_read() {
	new_csr subj subj.example.com
	auth_json POST $C/sign "$(sign_body "$W/subj.csr" \
	    '+ {subject: {CN: "override.example.com", names: [{C: "DE", ST: "Berlin", L: "Mitte", O: "Ops Ünited", OU: "CA"}]}}')"
	assert_status 200
	jq -r .result.certificate "$BODY_FILE" >"$W/subj.pem"
	assertEquals "subject" \
	    "subject=C = DE, ST = Berlin, L = Mitte, O = Ops \\C3\\9Cnited, OU = CA, CN = override.example.com" \
	    "$(openssl x509 -in "$W/subj.pem" -noout -subject)"
	assertEquals "the CSR's SANs stay" "DNS:subj.example.com" \
	    "$(openssl x509 -in "$W/subj.pem" -noout -ext subjectAltName | tail -1 | sed 's/^ *//')"
	assertContains "$(certtool -i --infile "$W/subj.pem")" \
	    "Subject: CN=override.example.com,OU=CA,O=Ops Ünited,L=Mitte,ST=Berlin,C=DE"
	assertEquals "verifies" "$W/subj.pem: OK" \
	    "$(openssl verify -CAfile "$W/ca.pem" "$W/subj.pem" 2>&1)"
}

test_sign_copies_dns_ip_and_email_sans_from_an_openssl_csr() {
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$W/osan.key" -out "$W/osan.csr" -subj "/O=Ops/CN=osan.example.com" \
	    -addext "subjectAltName=DNS:osan.example.com,IP:10.9.8.7,email:ops@example.com,IP:2001:db8::1" \
	    2>/dev/null
	auth_json POST $C/sign "$(sign_body "$W/osan.csr")"
	assert_status 200
	jq -r .result.certificate "$BODY_FILE" >"$W/osan.pem"
	assertEquals "SANs" \
	    "DNS:osan.example.com, IP Address:10.9.8.7, email:ops@example.com, IP Address:2001:DB8:0:0:0:0:0:1" \
	    "$(openssl x509 -in "$W/osan.pem" -noout -ext subjectAltName | tail -1 | sed 's/^ *//')"
	assertEquals "the CSR's subject, verbatim" \
	    "$(openssl req -in "$W/osan.csr" -noout -subject | sed 's/^subject=//')" \
	    "$(openssl x509 -in "$W/osan.pem" -noout -subject | sed 's/^subject=//')"
	assertEquals "the CSR's key" "$(openssl pkey -in "$W/osan.key" -pubout)" \
	    "$(openssl x509 -in "$W/osan.pem" -noout -pubkey)"
	certtool --verify --load-ca-certificate "$W/ca.pem" \
	    --infile "$W/osan.pem" >/dev/null 2>&1
	assertEquals "certtool verifies the chain" 0 $?
}

test_sign_p384_and_ed25519_csrs_chain_to_the_ca() {
	local k
	for k in "ec -pkeyopt ec_paramgen_curve:P-384" ed25519; do
		# shellcheck disable=SC2086
		openssl req -new -newkey $k -nodes -keyout "$W/k.key" \
		    -out "$W/k.csr" -subj /CN=k.example.com 2>/dev/null
		auth_json POST $C/sign "$(sign_body "$W/k.csr")"
		assert_status 200 "$k"
		jq -r .result.certificate "$BODY_FILE" >"$W/k.pem"
		assertEquals "$k verifies" "$W/k.pem: OK" \
		    "$(openssl verify -CAfile "$W/ca.pem" "$W/k.pem" 2>&1)"
		assertEquals "$k: the CSR's key" \
		    "$(openssl pkey -in "$W/k.key" -pubout)" \
		    "$(openssl x509 -in "$W/k.pem" -noout -pubkey)"
	done
}

test_no_worker_signs_after_a_seal_and_all_sign_after_the_unseal() {
	local body
	new_csr sealed sealed.example.com
	body=$(sign_body "$W/sealed.csr")
	# Requests at once, so that several workers parse the CA key.
	burst 12 POST $C/sign -H "Authorization: token=$COFFER_TOKEN" \
	    -H 'Content-Type: application/json' --data-binary "$body"
	assertEquals "before the seal" 12x200 "$BURST"
	auth_req PUT /secrets/v1/seal/default
	assert_status 200
	auth_json POST $C/sign "$body"
	assert_status 503 "the very next request"
	burst 12 POST $C/sign -H "Authorization: token=$COFFER_TOKEN" \
	    -H 'Content-Type: application/json' --data-binary "$body"
	assertEquals "sealed" 12x503 "$BURST"
	json_req PUT /secrets/v1/unseal/default "{\"key\":\"${COFFER_SHARES%% *}\"}"
	assert_status 200
	burst 12 POST $C/sign -H "Authorization: token=$COFFER_TOKEN" \
	    -H 'Content-Type: application/json' --data-binary "$body"
	assertEquals "after the unseal" 12x200 "$BURST"
}

test_a_seal_drops_the_ca_key_of_workers_that_stay_idle() {
	local body held mark
	new_csr idle idle.example.com
	body=$(sign_body "$W/idle.csr")
	served_by ca burst 12 POST $C/sign \
	    -H "Authorization: token=$COFFER_TOKEN" \
	    -H 'Content-Type: application/json' --data-binary "$body"
	assertEquals "before the seal" 12x200 "$BURST"
	held=$SERVED
	assertNotNull "some ca worker parsed the CA key" "$held"
	mark=$(wc -l <"$COFFER_STATE/error.log")
	auth_req PUT /secrets/v1/seal/default
	assert_status 200
	# The seal is the secrets program's: no ca worker sees a request.
	sleep 3
	assert_dropped_keys "$mark" "$held" "within 3 s of the seal"
	json_req PUT /secrets/v1/unseal/default "{\"key\":\"${COFFER_SHARES%% *}\"}"
	assert_status 200
	auth_json POST $C/sign "$body"
	assert_status 200 "signing after the unseal"
}

test_oversized_request_is_413_in_the_envelope() {
	head -c 1100000 /dev/zero | tr '\0' a >"$W/big.txt"
	jq -n --rawfile s "$W/big.txt" '{certificate_request: $s}' >"$W/big.json"
	auth_req POST $C/sign -H 'Content-Type: application/json' \
	    --data-binary "@$W/big.json"
	assert_status 413
	assert_schema cfssl-error.json
}

test_revoke_puts_the_certificate_on_the_signed_crl() {
	local serial aki out
	new_csr rev rev.example.com
	auth_json POST $C/sign "$(sign_body "$W/rev.csr")"
	jq -r .result.certificate "$BODY_FILE" >"$W/rev.pem"
	auth_json POST $C/certinfo "$(jq -n --rawfile c "$W/rev.pem" '{certificate: $c}')"
	assert_status 200
	serial=$(jq -r .result.serial_number "$BODY_FILE")
	aki=$(jq -r .result.authority_key_id "$BODY_FILE" | tr -d : | tr A-F a-f)
	auth_json POST $C/revoke "{\"serial\":\"$serial\",\"authority_key_id\":\"$aki\",\"reason\":\"keyCompromise\"}"
	assert_status 200
	assert_json_eq .result '{}'
	auth_req GET $C/crl
	assert_status 200
	assert_schema cfssl-response.json
	jq -r .result "$BODY_FILE" | base64 -d >"$W/crl.der"
	openssl crl -inform DER -in "$W/crl.der" -out "$W/crl.pem"
	assertEquals "the CRL is signed by the CA" "verify OK" \
	    "$(openssl crl -in "$W/crl.pem" -CAfile "$W/ca.pem" -noout 2>&1)"
	assertContains "$(openssl crl -in "$W/crl.pem" -noout -crlnumber)" \
	    "crlNumber=0x"
	out=$(openssl verify -crl_check -CRLfile "$W/crl.pem" -CAfile "$W/ca.pem" \
	    "$W/rev.pem" 2>&1)
	assertContains "$out" "certificate revoked"
	assertEquals "an unrevoked certificate still verifies" "$W/svc2.pem: OK" \
	    "$(openssl verify -crl_check -CRLfile "$W/crl.pem" -CAfile "$W/ca.pem" "$W/svc2.pem" 2>&1)"
	auth_json POST /ca/api/v2/certificates "{\"serial\":\"$serial\"}"
	assert_json_eq '.result[0].status' revoked
	assert_json_eq '.result[0].reason' keycompromise
}

test_revoke_unknown_serial_is_404() {
	auth_json POST $C/revoke '{"serial":"12345","authority_key_id":"abcd","reason":"superseded"}'
	assert_status 404
	assert_schema cfssl-error.json
}

test_certinfo_by_serial_and_aki_reads_the_record() {
	local serial aki
	auth_json POST $C/certinfo "$(jq -n --rawfile c "$W/svc2.pem" '{certificate: $c}')"
	serial=$(jq -r .result.serial_number "$BODY_FILE")
	aki=$(jq -r .result.authority_key_id "$BODY_FILE")
	auth_json POST $C/certinfo "{\"serial\":\"$serial\",\"authority_key_id\":\"$aki\"}"
	assert_status 200
	assert_json_eq .result.serial_number "$serial"
	assert_json_eq .result.sigalg ECDSAWithSHA256
}

test_crl_is_get_only() {
	auth_json POST $C/crl '{}'
	assert_status 405
	assert_header Allow GET
}

. /usr/share/shunit2/shunit2
