#!/usr/bin/env bash
# The CA's own key: made at init with the configured algorithm (ca_key),
# signing with CFSSL's digest for it (docs/apis.md#cfssl), or
# imported from an operator's PEM files with cofferctl ca-import.  openssl
# and certtool judge every certificate.
. "$(dirname "$0")/../lib.sh"

C=/api/v1/cfssl

tearDown() { coffer_server_stop; }

# ca_server [KEY=VALUE...]: a fresh server whose store is initialized but
# still sealed; W is a work folder the programs' user can read.
ca_server() {
	coffer_server_start "$@" || return 1
	stack_init "$COFFER_ADDR" 1 1 "$COFFER_STATE/init.json" || return 1
	COFFER_TOKEN=$STACK_TOKEN
	COFFER_SHARES=$STACK_SHARES
	W=$COFFER_STATE/ca
	mkdir -p "$W" && chmod 0755 "$W"
}

unseal() {
	stack_unseal "$COFFER_ADDR" $COFFER_SHARES
}

# ca_pem: the CA certificate as served, into $W/ca.pem.
ca_pem() {
	req GET /ca/dcos-ca.crt
	printf '%s\n' "$BODY" >"$W/ca.pem"
}

# sign_leaf NAME: an ECDSA P-256 CSR for NAME signed by Coffer, into
# $W/NAME.pem; STATUS is the sign's.
sign_leaf() {
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -subj "/CN=$1" -keyout "$W/$1.key" -out "$W/$1.csr" 2>/dev/null
	auth_json POST $C/sign "$(jq -n --rawfile csr "$W/$1.csr" \
	    --arg h "$1" '{certificate_request: $csr, hosts: [$h]}')"
	jq -r '.result.certificate // empty' "$BODY_FILE" >"$W/$1.pem"
}

sigalg() {
	openssl x509 -in "$1" -noout -text |
	    awk '/Signature Algorithm/ { print $3; exit }'
}

verifies() {
	assertEquals "openssl verifies $1" "$W/$1.pem: OK" \
	    "$(openssl verify -CAfile "$W/ca.pem" "$W/$1.pem" 2>&1)"
	certtool --verify --load-ca-certificate "$W/ca.pem" \
	    --infile "$W/$1.pem" >/dev/null 2>&1
	assertEquals "certtool verifies $1" 0 $?
}

# ctl ARGS...: cofferctl as the store's owner, as an operator runs it.
ctl() { coffer_ctl "$@"; }

# openssl_ca ALGO NAME: a self-signed CA made by openssl (NAME.pem, .key).
openssl_ca() {
	openssl req -x509 -newkey "$1" -nodes -days 30 -subj "/CN=$2" \
	    -addext basicConstraints=critical,CA:TRUE \
	    -addext keyUsage=critical,keyCertSign,cRLSign \
	    -keyout "$W/$2.key" -out "$W/$2.pem" 2>/dev/null
	chmod 0644 "$W/$2.key"
}

# Sealed, nothing can make a CA on first use: info answering one proves
# init made it.
test_default_ca_exists_right_after_init_as_ecdsa_p256() {
	ca_server || return 1
	json_req POST $C/info '{}'
	assert_status 200
	assert_schema cfssl-info-response.json
	jq -r .result.certificate "$BODY_FILE" >"$W/ca.pem"
	assertContains "$(openssl x509 -in "$W/ca.pem" -noout -text)" \
	    "ASN1 OID: prime256v1"
	assertEquals "ecdsa-with-SHA256" "$(sigalg "$W/ca.pem")"
	unseal
	sign_leaf p256.example.com
	assert_status 200
	verifies p256.example.com
	assertEquals "the CA made at init signs" "ecdsa-with-SHA256" \
	    "$(sigalg "$W/p256.example.com.pem")"
	assertContains "issued by the CA info answered" \
	    "$(openssl x509 -in "$W/p256.example.com.pem" -noout -issuer)" \
	    "Coffer CA"
}

test_rsa_2048_ca_is_made_at_init_and_signs_certificates_that_verify() {
	ca_server ca_key=rsa-2048 || return 1
	ca_pem
	assert_status 200
	assertContains "$(openssl x509 -in "$W/ca.pem" -noout -text)" \
	    "Public-Key: (2048 bit)"
	assertEquals "sha256WithRSAEncryption" "$(sigalg "$W/ca.pem")"
	unseal
	sign_leaf rsa.example.com
	assert_status 200
	verifies rsa.example.com
	assertEquals "sha256WithRSAEncryption" "$(sigalg "$W/rsa.example.com.pem")"
}

test_rsa_3072_ca_signs_with_sha384_as_cfssl() {
	ca_server ca_key=rsa-3072 || return 1
	ca_pem
	unseal
	sign_leaf rsa3.example.com
	assert_status 200
	verifies rsa3.example.com
	assertEquals "sha384WithRSAEncryption" "$(sigalg "$W/rsa3.example.com.pem")"
}

test_ecdsa_384_ca_signs_with_sha384_as_cfssl() {
	ca_server ca_key=ecdsa-384 || return 1
	ca_pem
	assertContains "$(openssl x509 -in "$W/ca.pem" -noout -text)" \
	    "ASN1 OID: secp384r1"
	unseal
	sign_leaf p384.example.com
	assert_status 200
	verifies p384.example.com
	assertEquals "ecdsa-with-SHA384" "$(sigalg "$W/p384.example.com.pem")"
}

test_ed25519_ca_signs_certificates_and_crls_that_verify() {
	ca_server ca_key=ed25519 || return 1
	ca_pem
	assertEquals "ED25519" "$(sigalg "$W/ca.pem")"
	unseal
	sign_leaf ed.example.com
	assert_status 200
	verifies ed.example.com
	assertEquals "ED25519" "$(sigalg "$W/ed.example.com.pem")"
	auth_req GET $C/crl
	assert_status 200
	jq -r .result "$BODY_FILE" | base64 -d >"$W/crl.der"
	assertEquals "the CRL verifies" "verify OK" \
	    "$(openssl crl -inform DER -in "$W/crl.der" -CAfile "$W/ca.pem" \
	        -noout 2>&1)"
}

test_init_request_ca_key_chooses_the_cas_algorithm() {
	coffer_server_start || return 1
	json_req PUT /secrets/v1/init/default \
	    '{"shares":1,"threshold":1,"ca_key":"ed25519"}'
	assert_status 200
	W=$COFFER_STATE/ca
	mkdir -p "$W" && chmod 0755 "$W"
	ca_pem
	assertEquals "the config says ecdsa-256; the request ed25519" ED25519 \
	    "$(sigalg "$W/ca.pem")"
}

test_init_request_with_an_unknown_ca_key_is_a_400_and_initializes_nothing() {
	coffer_server_start || return 1
	json_req PUT /secrets/v1/init/default \
	    '{"shares":1,"threshold":1,"ca_key":"rsa-1024"}'
	assert_status 400
	assert_schema dcos-error.json
	assertContains "$BODY" "ca_key must be one of"
	json_req PUT /secrets/v1/init/default '{"shares":1,"threshold":1,"ca_key":7}'
	assert_status 400
	req GET /secrets/v1/init/default
	assert_json_eq .initialized false
}

test_an_unknown_ca_key_stops_the_program() {
	local dir out rc
	dir=$(mktemp -d "${TMPDIR:-/tmp}/coffer-cakey.XXXXXX")
	printf 'store = %s/none.db\nca_key = rsa-1024\n' "$dir" >"$dir/c.conf"
	out=$(COFFER_CONFIG=$dir/c.conf timeout 5 "$COFFER_BUILD/cgi-bin/ca" \
	    </dev/null 2>&1)
	rc=$?
	rm -rf "$dir"
	assertNotEquals "exit status" 0 "$rc"
	assertContains "$out" "bad setting 'ca_key'"
}

test_import_refuses_to_replace_a_ca_without_force() {
	local out before
	ca_server || return 1
	unseal
	ca_pem
	before=$(openssl x509 -in "$W/ca.pem" -noout -fingerprint)
	openssl_ca rsa:2048 ops-ca
	out=$(ctl ca-import --cert "$W/ops-ca.pem" --key "$W/ops-ca.key" 2>&1)
	assertNotEquals "refused" 0 $?
	assertContains "$out" "a CA exists already"
	ca_pem
	assertEquals "the CA is unchanged" "$before" \
	    "$(openssl x509 -in "$W/ca.pem" -noout -fingerprint)"
}

test_imported_openssl_rsa_ca_signs_and_openssl_verifies() {
	ca_server || return 1
	unseal
	openssl_ca rsa:2048 ops-ca
	ctl ca-import --force --cert "$W/ops-ca.pem" --key "$W/ops-ca.key" \
	    >/dev/null 2>&1
	assertEquals "imported" 0 $?
	ca_pem
	assertEquals "the CA served is the imported one" \
	    "$(openssl x509 -in "$W/ops-ca.pem" -noout -fingerprint)" \
	    "$(openssl x509 -in "$W/ca.pem" -noout -fingerprint)"
	sign_leaf imp.example.com
	assert_status 200
	verifies imp.example.com
	assertEquals "sha256WithRSAEncryption" "$(sigalg "$W/imp.example.com.pem")"
	assertContains "the issuer is the operator's CA" \
	    "$(openssl x509 -in "$W/imp.example.com.pem" -noout -issuer)" "ops-ca"
}

test_imported_certtool_ed25519_ca_signs_and_openssl_verifies() {
	ca_server || return 1
	unseal
	certtool --generate-privkey --key-type ed25519 --outfile "$W/ed-ca.key" \
	    2>/dev/null
	chmod 0644 "$W/ed-ca.key"
	printf 'cn = "Ops Ed25519 CA"\nca\ncert_signing_key\ncrl_signing_key\nexpiration_days = 30\n' \
	    >"$W/ed-ca.tmpl"
	certtool --generate-self-signed --load-privkey "$W/ed-ca.key" \
	    --template "$W/ed-ca.tmpl" --outfile "$W/ed-ca.pem" 2>/dev/null
	ctl ca-import --force --cert "$W/ed-ca.pem" --key "$W/ed-ca.key" \
	    >/dev/null 2>&1
	assertEquals "imported" 0 $?
	ca_pem
	sign_leaf edimp.example.com
	assert_status 200
	verifies edimp.example.com
	assertEquals "ED25519" "$(sigalg "$W/edimp.example.com.pem")"
}

test_import_refuses_a_key_that_is_not_the_certificates() {
	local out before
	ca_server || return 1
	unseal
	ca_pem
	before=$(openssl x509 -in "$W/ca.pem" -noout -fingerprint)
	openssl_ca ec:<(openssl ecparam -name prime256v1) ca-one
	openssl_ca ec:<(openssl ecparam -name prime256v1) ca-two
	out=$(ctl ca-import --force --cert "$W/ca-one.pem" --key "$W/ca-two.key" 2>&1)
	assertNotEquals "refused" 0 $?
	assertContains "$out" "the key does not match the certificate"
	ca_pem
	assertEquals "the CA is unchanged" "$before" \
	    "$(openssl x509 -in "$W/ca.pem" -noout -fingerprint)"
}

test_import_refuses_a_certificate_that_is_not_a_ca() {
	local out
	ca_server || return 1
	unseal
	openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj /CN=leaf \
	    -addext basicConstraints=critical,CA:FALSE \
	    -keyout "$W/leaf.key" -out "$W/leaf.pem" 2>/dev/null
	chmod 0644 "$W/leaf.key"
	out=$(ctl ca-import --force --cert "$W/leaf.pem" --key "$W/leaf.key" 2>&1)
	assertNotEquals "refused" 0 $?
	assertContains "$out" "not a CA certificate"
}

test_import_into_a_sealed_store_needs_a_share_and_then_signs() {
	local out
	ca_server || return 1
	openssl_ca ec:<(openssl ecparam -name secp384r1) sealed-ca
	out=$(ctl ca-import --force --cert "$W/sealed-ca.pem" \
	    --key "$W/sealed-ca.key" 2>&1)
	assertNotEquals "refused while sealed" 0 $?
	assertContains "$out" "the store is sealed"
	echo "$COFFER_SHARES" >"$W/share"
	chmod 0644 "$W/share"
	ctl ca-import --force --share-file "$W/share" \
	    --cert "$W/sealed-ca.pem" --key "$W/sealed-ca.key" >/dev/null 2>&1
	assertEquals "imported with a share" 0 $?
	unseal
	ca_pem
	sign_leaf sealed.example.com
	assert_status 200
	verifies sealed.example.com
	assertEquals "ecdsa-with-SHA384" "$(sigalg "$W/sealed.example.com.pem")"
}

. /usr/share/shunit2/shunit2
