#!/usr/bin/env bash
# The CA's OCSP responder at /ca/ocsp (RFC 6960; docs/apis.md#ocsp), with
# openssl ocsp and GnuTLS's ocsptool as the clients, certificates issued
# through CFSSL's sign and revoked through its revoke.
. "$(dirname "$0")/../lib.sh"

C=/api/v1/cfssl

oneTimeSetUp() {
	# ca_url: the base URL certificates point at for OCSP; a name of
	# its own, since the stack's port is known only once it runs.
	coffer_server_start ca_url=http://coffer.example.test/ &&
	    coffer_init_unseal || return 1
	W=$COFFER_STATE/ocsp
	mkdir -p "$W"
	req GET /ca/dcos-ca.crt
	printf '%s\n' "$BODY" >"$W/ca.pem"
	URL=$COFFER_ADDR/ca/ocsp
}
oneTimeTearDown() { coffer_server_stop; }

# issue NAME: a certificate for NAME.example.com, signed by the CA, in
# $W/NAME.pem.
issue() {
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -subj "/CN=$1.example.com" -keyout "$W/$1.key" -out "$W/$1.csr" \
	    2>/dev/null
	auth_json POST $C/sign "$(jq -n --rawfile c "$W/$1.csr" \
	    '{certificate_request: $c, hosts: []}')"
	assert_status 200 "sign $1"
	jq -r .result.certificate "$BODY_FILE" >"$W/$1.pem"
}

# revoke NAME REASON: revoke NAME's certificate through CFSSL's revoke.
revoke() {
	local serial aki
	auth_json POST $C/certinfo "$(jq -n --rawfile c "$W/$1.pem" '{certificate: $c}')"
	serial=$(jq -r .result.serial_number "$BODY_FILE")
	aki=$(jq -r .result.authority_key_id "$BODY_FILE" | tr -d : | tr A-F a-f)
	auth_json POST $C/revoke "{\"serial\":\"$serial\",\"authority_key_id\":\"$aki\",\"reason\":\"$2\"}"
	assert_status 200 "revoke $1"
}

# ask NAME [openssl ocsp args...]: OUT is what openssl ocsp says of NAME's
# certificate, its diagnostics included.
ask() {
	local name=$1
	shift
	OUT=$(openssl ocsp -issuer "$W/ca.pem" -cert "$W/$name.pem" \
	    -CAfile "$W/ca.pem" -url "$URL" "$@" 2>&1)
}

test_an_issued_certificate_is_good_and_the_answer_verifies_against_the_ca() {
	issue good
	ask good
	assertContains "$OUT" "$W/good.pem: good"
	assertContains "$OUT" "Response verify OK"
	assertContains "$OUT" "This Update:"
	assertContains "$OUT" "Next Update:"
}

test_certificates_point_at_the_responder_under_ca_url() {
	issue aia
	assertContains "$(openssl x509 -in "$W/aia.pem" -noout -ext authorityInfoAccess)" \
	    "OCSP - URI:http://coffer.example.test/ca/ocsp"
}

test_the_nonce_is_echoed() {
	issue nonce
	ask nonce -resp_text
	assertContains "$OUT" "OCSP Nonce"
	assertNotContains "no nonce warning" "$OUT" "WARNING: no nonce"
	assertContains "$OUT" "$W/nonce.pem: good"
}

test_the_answer_is_signed_by_a_delegated_responder_the_ca_issued() {
	issue deleg
	ask deleg -resp_text
	assertContains "$OUT" "Responder Id: "
	assertContains "$OUT" "OCSP Signing"
	assertContains "$OUT" "OCSP No Check"
	assertContains "$OUT" "Subject: CN=Coffer OCSP responder"
	assertContains "$OUT" "Response verify OK"
}

test_a_revoked_certificate_is_revoked_with_its_time_and_reason() {
	issue rev
	# Without a nonce the answer is kept; the revocation must replace it.
	ask rev -no_nonce
	assertContains "$OUT" "$W/rev.pem: good"
	ask rev -no_nonce
	assertContains "$OUT" "$W/rev.pem: good"
	revoke rev keyCompromise
	ask rev -no_nonce
	assertContains "$OUT" "$W/rev.pem: revoked"
	assertContains "$OUT" "Reason: keyCompromise"
	assertContains "$OUT" "Revocation Time:"
	assertContains "$OUT" "Response verify OK"
	ask rev
	assertContains "$OUT" "$W/rev.pem: revoked"
}

test_a_serial_never_issued_is_unknown() {
	OUT=$(openssl ocsp -issuer "$W/ca.pem" -serial 0x1234567890 \
	    -CAfile "$W/ca.pem" -url "$URL" 2>&1)
	assertContains "$OUT" "0x1234567890: unknown"
	assertContains "$OUT" "Response verify OK"
}

test_a_certificate_of_another_issuer_is_unknown() {
	issue other
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -subj "/CN=Another CA" -days 1 -keyout "$W/other-ca.key" \
	    -out "$W/other-ca.pem" 2>/dev/null
	OUT=$(openssl ocsp -issuer "$W/other-ca.pem" -cert "$W/other.pem" \
	    -CAfile "$W/ca.pem" -url "$URL" 2>&1)
	assertContains "$OUT" "$W/other.pem: unknown"
}

test_several_certificates_are_answered_in_one_request() {
	issue multi1
	issue multi2
	revoke multi2 superseded
	OUT=$(openssl ocsp -issuer "$W/ca.pem" -cert "$W/multi1.pem" \
	    -cert "$W/multi2.pem" -CAfile "$W/ca.pem" -url "$URL" 2>&1)
	assertContains "$OUT" "$W/multi1.pem: good"
	assertContains "$OUT" "$W/multi2.pem: revoked"
	assertContains "$OUT" "Reason: superseded"
}

test_the_get_form_answers_the_same() {
	local b64
	issue get
	openssl ocsp -issuer "$W/ca.pem" -cert "$W/get.pem" -no_nonce \
	    -reqout "$W/get.req" >/dev/null 2>&1
	b64=$(base64 -w0 "$W/get.req")
	req GET "/ca/ocsp/$b64"
	assert_status 200
	assert_header Content-Type application/ocsp-response
	OUT=$(openssl ocsp -respin "$BODY_FILE" -issuer "$W/ca.pem" \
	    -cert "$W/get.pem" -CAfile "$W/ca.pem" 2>&1)
	assertContains "$OUT" "$W/get.pem: good"
	assertContains "$OUT" "Response verify OK"
}

# slashed NAME: issue certificates NAME (NAME1, NAME2...) until the
# base64 of one's request (no nonce) holds a '/', as base64 does about
# one time in three here: B64 is that base64, CERT the certificate's name.
slashed() {
	local i
	for ((i = 1; i <= 40; i++)); do
		issue "$1$i"
		openssl ocsp -issuer "$W/ca.pem" -cert "$W/$1$i.pem" -no_nonce \
		    -reqout "$W/$1$i.req" >/dev/null 2>&1
		B64=$(base64 -w0 "$W/$1$i.req")
		CERT=$1$i
		[[ $B64 != */* ]] || return 0
	done
	fail "no request's base64 held a '/'"
	return 1
}

# urlenc B64: as RFC 6960 A.1 sends it, '/', '+' and '=' percent-encoded.
urlenc() { sed -e 's|/|%2F|g' -e 's|+|%2B|g' -e 's|=|%3D|g' <<<"$1"; }

# says CERT: OUT is what openssl makes of the last answer about CERT.
says() {
	OUT=$(openssl ocsp -respin "$BODY_FILE" -issuer "$W/ca.pem" \
	    -cert "$W/$1.pem" -CAfile "$W/ca.pem" 2>&1)
}

test_a_get_whose_base64_holds_a_slash_is_answered_encoded_or_raw() {
	slashed slash || return
	req GET "/ca/ocsp/$(urlenc "$B64")"
	assert_status 200 "GET, URL-encoded"
	says "$CERT"
	assertContains "$OUT" "$W/$CERT.pem: good"
	assertContains "$OUT" "Response verify OK"
	req GET "/ca/ocsp/$B64"
	assert_status 200 "GET, raw"
	says "$CERT"
	assertContains "$OUT" "$W/$CERT.pem: good"
	# "%2F" elsewhere is still refused, in the API's own shape.
	req GET "/ca/dcos-ca%2Fcrt"
	assert_status 400
}

# "//" in the base64 (a serial of all ones makes it): Apache passes it,
# encoded or raw (standalone.conf lets such a GET through its refusal of
# empty segments); lighttpd's url-path-dotseg-reject refuses it either way
# before Coffer sees it (README: OCSP).
test_a_get_whose_base64_holds_two_slashes() {
	local b64 want=200
	openssl ocsp -issuer "$W/ca.pem" -serial 0x7FFFFFFFFFFFFFFF -no_nonce \
	    -reqout "$W/ones.req" >/dev/null 2>&1
	b64=$(base64 -w0 "$W/ones.req")
	assertTrue "the base64 holds //" "[[ $b64 == *//* ]]"
	[ "${COFFER_SERVER:-lighttpd}" != lighttpd ] || want=400
	req GET "/ca/ocsp/$(urlenc "$b64")"
	assert_status $want "GET, URL-encoded"
	req GET "/ca/ocsp/$b64"
	assert_status $want "GET, raw"
	[ $want = 200 ] || return 0
	OUT=$(openssl ocsp -respin "$BODY_FILE" -issuer "$W/ca.pem" \
	    -serial 0x7FFFFFFFFFFFFFFF -CAfile "$W/ca.pem" 2>&1)
	assertContains "$OUT" "0x7FFFFFFFFFFFFFFF: unknown"
}

# epoch DATE: seconds since 1970 of an HTTP-date or openssl's date.
epoch() { date -u -d "$1" +%s; }

test_a_get_answer_says_how_long_caches_may_keep_it() {
	local age etag tu nu
	slashed cache || return
	req GET "/ca/ocsp/$(urlenc "$B64")"
	assert_status 200
	assert_header Cache-Control \
	    '^max-age=[0-9]+, public, no-transform, must-revalidate$'
	age=$(header Cache-Control | sed 's/^max-age=\([0-9]*\),.*/\1/')
	says "$CERT"
	tu=$(sed -n 's/^[[:space:]]*This Update: //p' <<<"$OUT")
	nu=$(sed -n 's/^[[:space:]]*Next Update: //p' <<<"$OUT")
	assert_header Last-Modified ' GMT$'
	assert_header Expires ' GMT$'
	assertEquals "Last-Modified is thisUpdate" "$(epoch "$tu")" \
	    "$(epoch "$(header Last-Modified)")"
	assertEquals "Expires is nextUpdate" "$(epoch "$nu")" \
	    "$(epoch "$(header Expires)")"
	assertTrue "max-age $age: the seconds to nextUpdate" \
	    "[ $age -gt 0 ] && [ $age -le $(($(epoch "$nu") - $(date +%s) + 1)) ]"
	assert_header ETag '^"[0-9a-f]{32}"$'
	etag=$(header ETag)
	req GET "/ca/ocsp/$(urlenc "$B64")"
	assert_header ETag "^$etag\$" "the kept answer's ETag"
	# A revocation shows at once, in a new answer with a new ETag.
	revoke "$CERT" superseded
	req GET "/ca/ocsp/$B64"
	says "$CERT"
	assertContains "$OUT" "$W/$CERT.pem: revoked"
	assertNotEquals "a new ETag" "$etag" "$(header ETag)"
}

test_an_answer_with_a_nonce_or_to_a_post_is_not_for_caches() {
	issue nocache
	openssl ocsp -issuer "$W/ca.pem" -cert "$W/nocache.pem" \
	    -reqout "$W/nocache.req" >/dev/null 2>&1
	req GET "/ca/ocsp/$(urlenc "$(base64 -w0 "$W/nocache.req")")"
	assert_status 200 "GET with a nonce"
	assert_header Cache-Control '^no-store$'
	header ETag >/dev/null && fail "an ETag on a nonce's answer"
	header Expires >/dev/null && fail "Expires on a nonce's answer"
	openssl ocsp -issuer "$W/ca.pem" -cert "$W/nocache.pem" -no_nonce \
	    -reqout "$W/nocache.req" >/dev/null 2>&1
	req POST /ca/ocsp -H 'Content-Type: application/ocsp-request' \
	    --data-binary "@$W/nocache.req"
	assert_status 200 "POST"
	assert_header Cache-Control '^no-store$'
	header ETag >/dev/null && fail "an ETag on a POST's answer"
	req GET /ca/ocsp/bm90IGEgcmVxdWVzdA==
	assert_status 400
	assert_header Cache-Control '^no-store$'
}

test_the_post_answer_is_application_ocsp_response_without_a_token() {
	issue post
	openssl ocsp -issuer "$W/ca.pem" -cert "$W/post.pem" \
	    -reqout "$W/post.req" >/dev/null 2>&1
	req POST /ca/ocsp -H 'Content-Type: application/ocsp-request' \
	    --data-binary "@$W/post.req"
	assert_status 200
	assert_header Content-Type application/ocsp-response
}

test_garbage_answers_malformed_request_with_400() {
	req POST /ca/ocsp -H 'Content-Type: application/ocsp-request' \
	    --data-binary 'not an OCSP request'
	assert_status 400
	assert_header Content-Type application/ocsp-response
	OUT=$(openssl ocsp -respin "$BODY_FILE" -resp_text -noverify 2>&1)
	assertContains "$OUT" "Responder Error: malformedrequest (1)"
	req GET /ca/ocsp/bm90IGEgcmVxdWVzdA==
	assert_status 400
	OUT=$(openssl ocsp -respin "$BODY_FILE" -resp_text -noverify 2>&1)
	assertContains "$OUT" "Responder Error: malformedrequest"
	req GET '/ca/ocsp/%%%'
	assert_status 400
}

test_a_request_of_another_media_type_answers_malformed_request_with_415() {
	req POST /ca/ocsp -H 'Content-Type: application/json' --data-binary '{}'
	assert_status 415
	OUT=$(openssl ocsp -respin "$BODY_FILE" -resp_text -noverify 2>&1)
	assertContains "$OUT" "Responder Error: malformedrequest"
}

test_gnutls_ocsptool_says_good_then_revoked() {
	issue gnu
	OUT=$(ocsptool --ask="$URL" --load-issuer "$W/ca.pem" \
	    --load-cert "$W/gnu.pem" --load-trust "$W/ca.pem" 2>&1)
	assertContains "$OUT" "Certificate Status: good"
	assertContains "$OUT" "Verifying OCSP Response: Success."
	revoke gnu cessationOfOperation
	OUT=$(ocsptool --ask="$URL" --load-issuer "$W/ca.pem" \
	    --load-cert "$W/gnu.pem" --load-trust "$W/ca.pem" 2>&1)
	assertContains "$OUT" "Certificate Status: revoked"
}

test_a_sealed_store_answers_try_later_with_503() {
	issue sealed
	# Without a nonce, so that the workers keep the answer: sealed, they
	# must not give it.
	openssl ocsp -issuer "$W/ca.pem" -cert "$W/sealed.pem" -no_nonce \
	    -reqout "$W/sealed.req" >/dev/null 2>&1
	req POST /ca/ocsp -H 'Content-Type: application/ocsp-request' \
	    --data-binary "@$W/sealed.req"
	assert_status 200 "before the seal"
	req GET "/ca/ocsp/$(urlenc "$(base64 -w0 "$W/sealed.req")")"
	assert_status 200 "before the seal, GET"
	auth_req PUT /secrets/v1/seal/default
	req POST /ca/ocsp -H 'Content-Type: application/ocsp-request' \
	    --data-binary "@$W/sealed.req"
	assert_status 503
	OUT=$(openssl ocsp -respin "$BODY_FILE" -resp_text -noverify 2>&1)
	assertContains "$OUT" "Responder Error: trylater (3)"
	req GET "/ca/ocsp/$(urlenc "$(base64 -w0 "$W/sealed.req")")"
	assert_status 503 "sealed, GET"
	assert_header Cache-Control '^no-store$'
	json_req PUT /secrets/v1/unseal/default "{\"key\":\"${COFFER_SHARES%% *}\"}"
	assert_status 200 "unseal"
	ask sealed
	assertContains "$OUT" "$W/sealed.pem: good"
}

. /usr/share/shunit2/shunit2
