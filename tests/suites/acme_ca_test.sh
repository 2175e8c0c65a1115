#!/usr/bin/env bash
# The CA's ACME server under /acme/ (RFC 8555; docs/apis.md#acme): certbot
# obtains, renews and revokes a certificate end to end, and curl checks the
# refusals certbot never provokes, with tests/acme_jws.py signing the
# bodies.  The name is "localhost", the one name the resolver answers with
# loopback here (certbot refuses IP identifiers); certbot's standalone
# server answers the http-01 challenge on a free port, which the stack's
# acme_http_port names; tests/acme_alpn.py answers tls-alpn-01 on another
# (acme_tls_port).
. "$(dirname "$0")/../lib.sh"

JWS=("$STACK_PYTHON" "$COFFER_TOP/tests/acme_jws.py")

oneTimeSetUp() {
	command -v certbot >/dev/null || {
		echo "certbot is not installed (tools/dev setup)" >&2
		return 1
	}
	PORT=$("$STACK_PYTHON" -c 'import socket; s = socket.socket();
s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	TLSPORT=$("$STACK_PYTHON" -c 'import socket; s = socket.socket();
s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	coffer_server_start acme_dns_suffixes=localhost \
	    acme_http_port="$PORT" acme_tls_port="$TLSPORT" &&
	    coffer_init_unseal || return 1
	W=$COFFER_STATE/acme
	mkdir -p "$W"
	DIR=$COFFER_ADDR/acme/directory
	req GET /ca/dcos-ca.crt
	printf '%s\n' "$BODY" >"$W/ca.pem"
}
oneTimeTearDown() { coffer_server_stop; }

# certbot ARGS...: certbot with its state in $W (its accounts and
# certificates in ${CB_ETC:-$W/etc}), against Coffer.
certbot_run() {
	OUT=$(certbot --non-interactive --server "$DIR" \
	    --config-dir "${CB_ETC:-$W/etc}" --work-dir "$W/work" \
	    --logs-dir "$W/logs" "$@" 2>&1)
}

# nonce: a fresh nonce in NONCE.
nonce() {
	req HEAD /acme/new-nonce
	NONCE=$(header Replay-Nonce)
}

# post_jws PATH: POST $W/last.jws to PATH.
post_jws() {
	req POST "$1" -H 'Content-Type: application/jose+json' \
	    --data-binary "@$W/last.jws"
}

# signed PATH PAYLOAD [KID]: POST the JWS of PAYLOAD to PATH, signed by
# ${KEY:-$W/client.key}, with a fresh nonce (or $USE_NONCE).
signed() {
	local url=$COFFER_ADDR$1 body
	if [ -n "${USE_NONCE:-}" ]; then NONCE=$USE_NONCE; else nonce; fi
	body=$("${JWS[@]}" "${KEY:-$W/client.key}" "$url" "$NONCE" "$2" \
	    ${3:+"$3"})
	printf '%s' "$body" >"$W/last.jws"
	post_jws "$1"
}

# key_change OLDKEY NEWKEY KID: keyChange from OLDKEY to NEWKEY.
key_change() {
	nonce
	"${JWS[@]}" --key-change "$1" "$2" "$COFFER_ADDR/acme/key-change" \
	    "$NONCE" "$3" >"$W/last.jws"
	post_jws /acme/key-change
}

# account: register ${KEY:-$W/client.key}; its URL in KID.
account() {
	signed /acme/new-account '{"termsOfServiceAgreed":true}'
	KID=$(header Location)
}

# assert_problem STATUS TYPE: an ACME problem document.
assert_problem() {
	assert_status "$1"
	assert_header Content-Type '^application/problem\+json'
	assert_json_eq .type "urn:ietf:params:acme:error:$2"
	assert_json_eq .status "$1"
}

test_the_directory_names_every_endpoint_as_an_absolute_url() {
	req GET /acme/directory
	assert_status 200
	assert_json_eq .newNonce "$COFFER_ADDR/acme/new-nonce"
	assert_json_eq .newAccount "$COFFER_ADDR/acme/new-account"
	assert_json_eq .newOrder "$COFFER_ADDR/acme/new-order"
	assert_json_eq .revokeCert "$COFFER_ADDR/acme/revoke-cert"
	assert_json_eq .keyChange "$COFFER_ADDR/acme/key-change"
}

test_new_nonce_answers_a_fresh_replay_nonce_to_head_and_get() {
	req HEAD /acme/new-nonce
	assert_status 200
	assert_header Replay-Nonce '^[A-Za-z0-9_-]{30}$'
	a=$(header Replay-Nonce)
	req GET /acme/new-nonce
	assert_status 204
	assert_header Cache-Control no-store
	assertNotEquals "two nonces" "$a" "$(header Replay-Nonce)"
}

test_certbot_standalone_obtains_a_certificate_that_verifies_against_the_ca() {
	certbot_run certonly --standalone --http-01-port "$PORT" \
	    -d localhost --agree-tos --register-unsafely-without-email
	assertEquals "certbot: $OUT" 0 $?
	live=$W/etc/live/localhost
	assertTrue "no certificate: $OUT" "[ -s $live/cert.pem ]"
	out=$(openssl verify -CAfile "$W/ca.pem" "$live/cert.pem" 2>&1)
	assertEquals "verify" "$live/cert.pem: OK" "$out"
	# The chain certbot saved is the CA's certificate.
	assertEquals "chain" "$(openssl x509 -in "$W/ca.pem" -noout -fingerprint)" \
	    "$(openssl x509 -in "$live/chain.pem" -noout -fingerprint)"
	san=$(openssl x509 -in "$live/cert.pem" -noout -ext subjectAltName)
	assertContains "$san" "DNS:localhost"
}

test_an_acme_certificate_is_an_ordinary_ca_record_that_ocsp_answers() {
	live=$W/etc/live/localhost
	[ -s "$live/cert.pem" ] || certbot_run certonly --standalone \
	    --http-01-port "$PORT" -d localhost --agree-tos \
	    --register-unsafely-without-email
	out=$(openssl ocsp -issuer "$W/ca.pem" -cert "$live/cert.pem" \
	    -CAfile "$W/ca.pem" -url "$COFFER_ADDR/ca/ocsp" 2>&1)
	assertContains "$out" "$live/cert.pem: good"
}

test_certbot_revokes_its_certificate_and_ocsp_says_revoked() {
	certbot_run certonly --standalone --http-01-port "$PORT" \
	    -d localhost --agree-tos --register-unsafely-without-email \
	    --cert-name revokeme
	assertEquals "certbot certonly: $OUT" 0 $?
	cert=$W/etc/live/revokeme/cert.pem
	certbot_run revoke --cert-path "$cert" --no-delete-after-revoke \
	    --reason keycompromise
	assertEquals "certbot revoke: $OUT" 0 $?
	out=$(openssl ocsp -issuer "$W/ca.pem" -cert "$cert" \
	    -CAfile "$W/ca.pem" -url "$COFFER_ADDR/ca/ocsp" 2>&1)
	assertContains "$out" "$cert: revoked"
}

test_a_second_revocation_answers_already_revoked_and_changes_nothing() {
	local cert acct kid der before after
	certbot_run certonly --standalone --http-01-port "$PORT" \
	    -d localhost --agree-tos --register-unsafely-without-email \
	    --cert-name twice
	assertEquals "certbot certonly: $OUT" 0 $?
	cert=$W/etc/live/twice/cert.pem
	certbot_run revoke --cert-path "$cert" --no-delete-after-revoke \
	    --reason superseded
	assertEquals "certbot revoke: $OUT" 0 $?
	before=$(openssl ocsp -issuer "$W/ca.pem" -cert "$cert" \
	    -CAfile "$W/ca.pem" -url "$COFFER_ADDR/ca/ocsp" 2>&1 |
	    grep -E 'Revocation Time|Reason')
	acct=$(find "$W/etc/accounts" -name regr.json -printf '%h\n' | head -1)
	kid=$(jq -r .uri "$acct/regr.json")
	der=$(openssl x509 -in "$cert" -outform DER | basenc --base64url -w0 |
	    tr -d '=')
	KEY=$acct/private_key.json signed /acme/revoke-cert \
	    "{\"certificate\":\"$der\",\"reason\":4}" "$kid"
	assert_problem 400 alreadyRevoked
	# keyCompromise replaces an earlier reason; the time never moves.
	KEY=$acct/private_key.json signed /acme/revoke-cert \
	    "{\"certificate\":\"$der\",\"reason\":1}" "$kid"
	assert_status 200
	after=$(openssl ocsp -issuer "$W/ca.pem" -cert "$cert" \
	    -CAfile "$W/ca.pem" -url "$COFFER_ADDR/ca/ocsp" 2>&1 |
	    grep -E 'Revocation Time|Reason')
	assertContains "$before" superseded
	assertContains "$after" keyCompromise
	assertEquals "the revocation time" \
	    "$(grep 'Revocation Time' <<<"$before")" \
	    "$(grep 'Revocation Time' <<<"$after")"
}

test_certbot_webroot_obtains_a_certificate_served_by_another_web_server() {
	mkdir -p "$W/webroot"
	"$STACK_PYTHON" -m http.server "$PORT" --bind 127.0.0.1 \
	    --directory "$W/webroot" >"$W/webroot.log" 2>&1 &
	local pid=$!
	sleep 1
	certbot_run certonly --webroot -w "$W/webroot" -d localhost \
	    --agree-tos --register-unsafely-without-email --cert-name webroot
	local rc=$?
	kill "$pid"
	wait "$pid" 2>/dev/null
	assertEquals "certbot --webroot: $OUT" 0 "$rc"
	out=$(openssl verify -CAfile "$W/ca.pem" \
	    "$W/etc/live/webroot/cert.pem" 2>&1)
	assertEquals "verify" "$W/etc/live/webroot/cert.pem: OK" "$out"
}

# A host that takes the connection and never answers: the validator gives
# up at its deadline (ACME_FETCH_MS, 10 s), the challenge and its order
# are invalid, and the worker is free again.
test_a_silent_host_fails_the_challenge_at_the_deadline_without_hanging() {
	"$STACK_PYTHON" -c 'import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(8); time.sleep(60)' \
	    "$PORT" &
	local pid=$! t0 t1
	sleep 1
	account
	signed /acme/new-order \
	    '{"identifiers":[{"type":"dns","value":"localhost"}]}' "$KID"
	order=$(header Location)
	authz=$(jq -r '.authorizations[0]' "$BODY_FILE")
	signed "${authz#"$COFFER_ADDR"}" '' "$KID"
	chall=$(jq -r '.challenges[0].url' "$BODY_FILE")
	t0=$(date +%s)
	signed "${chall#"$COFFER_ADDR"}" '{}' "$KID"
	t1=$(date +%s)
	kill "$pid"
	wait "$pid" 2>/dev/null
	assert_status 200
	assert_json_eq .status invalid
	assert_json_eq .error.type urn:ietf:params:acme:error:connection
	assertTrue "gave up in $((t1 - t0)) s" "[ $((t1 - t0)) -ge 9 ] && [ $((t1 - t0)) -le 20 ]"
	signed "${order#"$COFFER_ADDR"}" '' "$KID"
	assert_json_eq .status invalid
}

test_certbot_revokes_with_the_certificate_key_and_no_account() {
	certbot_run certonly --standalone --http-01-port "$PORT" \
	    -d localhost --agree-tos --register-unsafely-without-email \
	    --cert-name bykey
	assertEquals "certbot certonly: $OUT" 0 $?
	live=$W/etc/live/bykey
	# A config dir of its own: certbot has no account there, and signs
	# with the certificate's key (a jwk, RFC 8555 7.6).
	CB_ETC=$W/etc-bykey certbot_run revoke --cert-path "$live/cert.pem" \
	    --key-path "$live/privkey.pem" --no-delete-after-revoke
	assertEquals "certbot revoke --key-path: $OUT" 0 $?
	out=$(openssl ocsp -issuer "$W/ca.pem" -cert "$live/cert.pem" \
	    -CAfile "$W/ca.pem" -url "$COFFER_ADDR/ca/ocsp" 2>&1)
	assertContains "$out" "$live/cert.pem: revoked"
}

test_a_revocation_signed_by_a_key_not_the_certificates_is_unauthorized() {
	certbot_run certonly --standalone --http-01-port "$PORT" \
	    -d localhost --agree-tos --register-unsafely-without-email \
	    --cert-name notmine
	assertEquals "certbot certonly: $OUT" 0 $?
	cert=$W/etc/live/notmine/cert.pem
	der=$(openssl x509 -in "$cert" -outform DER | basenc --base64url -w0 |
	    tr -d =)
	rm -f "$W/stranger.key"
	KEY=$W/stranger.key signed /acme/revoke-cert "{\"certificate\":\"$der\"}"
	assert_problem 403 unauthorized
	out=$(openssl ocsp -issuer "$W/ca.pem" -cert "$cert" \
	    -CAfile "$W/ca.pem" -url "$COFFER_ADDR/ca/ocsp" 2>&1)
	assertContains "$out" "$cert: good"
}

test_an_account_replaces_its_contact_and_a_bad_one_changes_nothing() {
	account
	signed "${KID#"$COFFER_ADDR"}" '{"contact":["mailto:ops@example.org"]}' \
	    "$KID"
	assert_status 200
	assert_json_eq '.contact[0]' mailto:ops@example.org
	signed "${KID#"$COFFER_ADDR"}" '{"contact":["tel:+15550100"]}' "$KID"
	assert_problem 400 invalidContact
	signed "${KID#"$COFFER_ADDR"}" '' "$KID"
	assert_status 200
	assert_json_eq '.contact[0]' mailto:ops@example.org
	assert_json_eq .status valid
}

test_a_deactivated_account_is_unauthorized_for_every_request() {
	rm -f "$W/gone.key"
	KEY=$W/gone.key account
	KEY=$W/gone.key signed "${KID#"$COFFER_ADDR"}" '{"status":"revoked"}' \
	    "$KID"
	assert_problem 400 malformed
	KEY=$W/gone.key signed "${KID#"$COFFER_ADDR"}" \
	    '{"status":"deactivated"}' "$KID"
	assert_status 200
	assert_json_eq .status deactivated
	KEY=$W/gone.key signed /acme/new-order \
	    '{"identifiers":[{"type":"dns","value":"localhost"}]}' "$KID"
	assert_problem 401 unauthorized
	KEY=$W/gone.key signed "${KID#"$COFFER_ADDR"}" '' "$KID"
	assert_problem 401 unauthorized
	KEY=$W/gone.key signed /acme/new-account '{"termsOfServiceAgreed":true}'
	assert_problem 401 unauthorized
}

test_certbot_updates_the_account_email_and_unregister_deactivates_it() {
	local acct
	export CB_ETC=$W/etc-unreg
	certbot_run register -m first@example.org --agree-tos --no-eff-email
	assertEquals "certbot register: $OUT" 0 $?
	certbot_run update_account -m second@example.org --no-eff-email
	assertEquals "certbot update_account: $OUT" 0 $?
	certbot_run show_account
	assertContains "show_account: $OUT" "$OUT" second@example.org
	acct=$(find "$CB_ETC/accounts" -name regr.json -printf '%h\n')
	cp "$acct/private_key.json" "$W/unreg.json"
	kid=$(jq -r .uri "$acct/regr.json")
	certbot_run unregister
	assertEquals "certbot unregister: $OUT" 0 $?
	unset CB_ETC
	KEY=$W/unreg.json signed "${kid#"$COFFER_ADDR"}" '' "$kid"
	assert_problem 401 unauthorized
}

test_key_change_rekeys_the_account_and_the_old_key_signs_no_more() {
	local old
	rm -f "$W/old.key" "$W/new.key"
	KEY=$W/old.key account
	old=$KID
	key_change "$W/old.key" "$W/new.key" "$KID"
	assert_status 200
	assert_json_eq .status valid
	KEY=$W/new.key signed /acme/new-order \
	    '{"identifiers":[{"type":"dns","value":"localhost"}]}' "$KID"
	assert_status 201
	KEY=$W/old.key signed /acme/new-order \
	    '{"identifiers":[{"type":"dns","value":"localhost"}]}' "$KID"
	assert_problem 400 malformed
	KEY=$W/new.key signed /acme/new-account '{"onlyReturnExisting":true}'
	assert_status 200
	assertEquals "the account URL stays" "$old" "$(header Location)"
	# Behind mod_fcgid the program sends it under another name, which
	# mod_headers renames back (apache-conf/apache/coffer-fcgid.conf).
	assertEquals "no stand-in header reaches the client" "" \
	    "$(header X-Coffer-Location)"
	KEY=$W/old.key signed /acme/new-account '{"onlyReturnExisting":true}'
	assert_problem 400 accountDoesNotExist
	# The old key is free again: it registers a new account, at another URL.
	KEY=$W/old.key signed /acme/new-account '{"termsOfServiceAgreed":true}'
	assert_status 201
	assertNotEquals "a new account" "$old" "$(header Location)"
}

test_key_change_to_another_accounts_key_answers_409_with_its_location() {
	local mine
	rm -f "$W/mine.key" "$W/theirs.key"
	KEY=$W/theirs.key account
	theirs=$KID
	KEY=$W/mine.key account
	mine=$KID
	key_change "$W/mine.key" "$W/theirs.key" "$mine"
	assert_problem 409 malformed
	assert_header Location "^$theirs\$"
	KEY=$W/mine.key signed "${mine#"$COFFER_ADDR"}" '' "$mine"
	assert_status 200
}

test_key_change_whose_inner_jws_the_new_key_did_not_sign_changes_nothing() {
	local mine
	rm -f "$W/k1.key" "$W/k2.key"
	KEY=$W/k1.key account
	mine=$KID
	nonce
	ACME_JWS_BAD_SIG=1 "${JWS[@]}" --key-change "$W/k1.key" "$W/k2.key" \
	    "$COFFER_ADDR/acme/key-change" "$NONCE" "$mine" >"$W/last.jws"
	post_jws /acme/key-change
	assert_problem 400 malformed
	assert_json_eq .detail "the inner JWS signature does not verify"
	KEY=$W/k1.key signed "${mine#"$COFFER_ADDR"}" '' "$mine"
	assert_status 200
	KEY=$W/k2.key signed /acme/new-account '{"onlyReturnExisting":true}'
	assert_problem 400 accountDoesNotExist
}

# alpn_challenge: an account and an order for localhost; the order's URL
# in ORDER, its tls-alpn-01 challenge's URL and token in CHALL, TOKEN.
alpn_challenge() {
	account
	signed /acme/new-order \
	    '{"identifiers":[{"type":"dns","value":"localhost"}]}' "$KID"
	ORDER=$(header Location)
	authz=$(jq -r '.authorizations[0]' "$BODY_FILE")
	signed "${authz#"$COFFER_ADDR"}" '' "$KID"
	assert_json_eq '.challenges | map(.type) | join(",")' \
	    http-01,tls-alpn-01
	CHALL=$(jq -r '.challenges[] | select(.type == "tls-alpn-01") | .url' \
	    "$BODY_FILE")
	TOKEN=$(jq -r '.challenges[] | select(.type == "tls-alpn-01") |
	    .token' "$BODY_FILE")
}

# alpn_try KEYAUTH: POST the challenge while tests/acme_alpn.py answers
# with a certificate for KEYAUTH.
alpn_try() {
	local pid
	"$STACK_PYTHON" "$COFFER_TOP/tests/acme_alpn.py" "$TLSPORT" localhost \
	    "$1" >"$W/alpn.out" 2>"$W/alpn.log" &
	pid=$!
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		[ -s "$W/alpn.out" ] && break
		sleep 0.5
	done
	signed "${CHALL#"$COFFER_ADDR"}" '{}' "$KID"
	kill "$pid"
	wait "$pid" 2>/dev/null
}

test_tls_alpn_01_validates_a_name_that_shows_the_acme_identifier() {
	local thumb
	alpn_challenge
	thumb=$("${JWS[@]}" --thumbprint "$W/client.key")
	alpn_try "$TOKEN.$thumb"
	assert_status 200
	assert_json_eq .type tls-alpn-01
	assert_json_eq .status valid
	signed "${ORDER#"$COFFER_ADDR"}" '' "$KID"
	assert_json_eq .status ready
}

test_tls_alpn_01_with_another_key_authorization_is_an_incorrect_response() {
	alpn_challenge
	alpn_try "$TOKEN.not-this-accounts-thumbprint"
	assert_status 200
	assert_json_eq .status invalid
	assert_json_eq .error.type urn:ietf:params:acme:error:incorrectResponse
	signed "${ORDER#"$COFFER_ADDR"}" '' "$KID"
	assert_json_eq .status invalid
}

# csr NAME...: a DER CSR for the names (SANs), base64url, in CSR.
csr() {
	local sans
	sans=$(printf 'DNS:%s,' "$@")
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -subj "/CN=$1" -addext "subjectAltName=${sans%,}" \
	    -keyout "$W/csr.key" -outform DER -out "$W/csr.der" 2>/dev/null
	CSR=$(basenc --base64url -w0 "$W/csr.der" | tr -d =)
}

test_a_csr_for_other_names_answers_bad_csr_and_the_order_stays_ready() {
	mkdir -p "$W/web/.well-known/acme-challenge"
	"$STACK_PYTHON" -m http.server "$PORT" --bind 127.0.0.1 \
	    --directory "$W/web" >"$W/web.log" 2>&1 &
	local pid=$! token thumb
	sleep 1
	account
	signed /acme/new-order \
	    '{"identifiers":[{"type":"dns","value":"localhost"}]}' "$KID"
	order=$(header Location)
	fin=$(jq -r .finalize "$BODY_FILE")
	authz=$(jq -r '.authorizations[0]' "$BODY_FILE")
	signed "${authz#"$COFFER_ADDR"}" '' "$KID"
	chall=$(jq -r '.challenges[0].url' "$BODY_FILE")
	token=$(jq -r '.challenges[0].token' "$BODY_FILE")
	thumb=$("${JWS[@]}" --thumbprint "$W/client.key")
	printf '%s.%s' "$token" "$thumb" \
	    >"$W/web/.well-known/acme-challenge/$token"
	signed "${chall#"$COFFER_ADDR"}" '{}' "$KID"
	kill "$pid"
	wait "$pid" 2>/dev/null
	assert_json_eq .status valid
	signed "${order#"$COFFER_ADDR"}" '' "$KID"
	assert_json_eq .status ready
	csr localhost www.example.org
	signed "${fin#"$COFFER_ADDR"}" "{\"csr\":\"$CSR\"}" "$KID"
	assert_problem 400 badCSR
	signed "${order#"$COFFER_ADDR"}" '' "$KID"
	assert_json_eq .status ready
	csr localhost
	signed "${fin#"$COFFER_ADDR"}" "{\"csr\":\"$CSR\"}" "$KID"
	assert_status 200
	assert_json_eq .status valid
	cert=$(jq -r .certificate "$BODY_FILE")
	signed "${cert#"$COFFER_ADDR"}" '' "$KID"
	assert_status 200
	assert_header Content-Type '^application/pem-certificate-chain'
	assertEquals "leaf and CA" 2 "$(grep -c 'BEGIN CERTIFICATE' "$BODY_FILE")"
	signed "${fin#"$COFFER_ADDR"}" "{\"csr\":\"$CSR\"}" "$KID"
	assert_problem 403 orderNotReady
}

test_a_nonce_past_its_expiry_answers_bad_nonce() {
	account
	USE_NONCE=00000001AAAAAAAAAAAAAAAAAAAAAA signed /acme/new-order \
	    '{"identifiers":[{"type":"dns","value":"localhost"}]}' "$KID"
	assert_problem 400 badNonce
}

test_a_name_outside_acme_dns_suffixes_is_refused_with_rejected_identifier() {
	account
	signed /acme/new-order \
	    '{"identifiers":[{"type":"dns","value":"www.example.org"}]}' "$KID"
	assert_problem 400 rejectedIdentifier
	assert_header Replay-Nonce '^[A-Za-z0-9_-]{30}$'
}

test_a_name_that_only_ends_like_an_allowed_suffix_is_refused() {
	account
	signed /acme/new-order \
	    '{"identifiers":[{"type":"dns","value":"notlocalhost"}]}' "$KID"
	assert_problem 400 rejectedIdentifier
}

test_a_replayed_nonce_answers_bad_nonce_and_changes_nothing() {
	account
	nonce
	USE_NONCE=$NONCE signed /acme/new-order \
	    '{"identifiers":[{"type":"dns","value":"localhost"}]}' "$KID"
	assert_status 201
	USE_NONCE=$NONCE signed /acme/new-order \
	    '{"identifiers":[{"type":"dns","value":"localhost"}]}' "$KID"
	assert_problem 400 badNonce
	assert_header Replay-Nonce '^[A-Za-z0-9_-]{30}$'
}

test_a_nonce_the_server_never_issued_answers_bad_nonce() {
	account
	USE_NONCE=AAAAAAAAAAAAAAAAAAAAAA signed /acme/new-order \
	    '{"identifiers":[{"type":"dns","value":"localhost"}]}' "$KID"
	assert_problem 400 badNonce
}

test_a_bad_signature_answers_malformed_and_registers_nothing() {
	rm -f "$W/bad.key"
	nonce
	body=$(ACME_JWS_BAD_SIG=1 "${JWS[@]}" "$W/bad.key" \
	    "$COFFER_ADDR/acme/new-account" "$NONCE" '{"termsOfServiceAgreed":true}')
	req POST /acme/new-account -H 'Content-Type: application/jose+json' \
	    --data-binary "$body"
	assert_problem 400 malformed
	assert_json_eq .detail "the JWS signature does not verify"
	nonce
	body=$("${JWS[@]}" "$W/bad.key" "$COFFER_ADDR/acme/new-account" \
	    "$NONCE" '{"onlyReturnExisting":true}')
	req POST /acme/new-account -H 'Content-Type: application/jose+json' \
	    --data-binary "$body"
	assert_problem 400 accountDoesNotExist
}

test_a_jws_naming_another_url_is_unauthorized() {
	account
	nonce
	body=$("${JWS[@]}" "$W/client.key" "$COFFER_ADDR/acme/new-account" \
	    "$NONCE" '{"identifiers":[{"type":"dns","value":"localhost"}]}' "$KID")
	req POST /acme/new-order -H 'Content-Type: application/jose+json' \
	    --data-binary "$body"
	assert_problem 403 unauthorized
}

test_a_body_that_is_not_a_jws_answers_malformed() {
	req POST /acme/new-account -H 'Content-Type: application/jose+json' \
	    --data-binary '{"hello":"world"}'
	assert_problem 400 malformed
	req POST /acme/new-account -H 'Content-Type: application/json' \
	    --data-binary '{}'
	assert_problem 415 malformed
}

test_an_unknown_kid_answers_account_does_not_exist() {
	signed /acme/new-order \
	    '{"identifiers":[{"type":"dns","value":"localhost"}]}' \
	    "$COFFER_ADDR/acme/acct/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	assert_problem 400 accountDoesNotExist
}

test_another_account_cannot_read_an_order() {
	account
	signed /acme/new-order \
	    '{"identifiers":[{"type":"dns","value":"localhost"}]}' "$KID"
	assert_status 201
	order=$(header Location)
	cp "$W/client.key" "$W/owner.key"
	rm -f "$W/client.key"
	account
	signed "${order#"$COFFER_ADDR"}" '' "$KID"
	assert_problem 403 unauthorized
	mv "$W/owner.key" "$W/client.key"
}

test_finalize_before_validation_answers_order_not_ready() {
	account
	signed /acme/new-order \
	    '{"identifiers":[{"type":"dns","value":"localhost"}]}' "$KID"
	fin=$(jq -r .finalize "$BODY_FILE")
	signed "${fin#"$COFFER_ADDR"}" '{"csr":"AAAA"}' "$KID"
	assert_problem 403 orderNotReady
}

. /usr/share/shunit2/shunit2
