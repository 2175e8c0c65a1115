#!/usr/bin/env bash
# Transport: Coffer refuses a request that did not come over TLS unless it
# came from loopback or the config says allow_plain_http
# (docs/security.md#tls), behind each web server, which terminates TLS
# (certificates issued by the stack's own CA, cgi-bin/ca: tools/stack.sh
# stack_pki).
#
# A client that is not loopback: a network namespace joined by a veth pair
# (tests/lib.sh coffer_netns_up).  The server listens on the veth's address
# too, and curl runs inside the namespace, so REMOTE_ADDR is the
# namespace's own address, set by the web server from the real connection.
# run-all: backend-free
# run-all: sanitizers-every-server
. "$(dirname "$0")/../lib.sh"

S=/secrets/v1/secret/default

oneTimeSetUp() {
	coffer_netns_up || return 1
	STACK_TLS=1 STACK_BIND_EXTRA=$COFFER_NS_HOST_IP \
	    coffer_server_start allow_plain_http=no || return 1
	PORT=$(cat "$COFFER_STATE/port")
	TLS_PORT=${COFFER_TLS_ADDR##*:}
	FAR=http://$COFFER_NS_HOST_IP:$PORT
	FAR_TLS=https://$COFFER_NS_HOST_IP:$TLS_PORT
	coffer_init_unseal
}

oneTimeTearDown() {
	coffer_server_stop
	coffer_netns_down
}

# far METHOD URL [curl args...]: a request from the namespace, with the
# superuser's token.
far() {
	local method=$1 url=$2
	shift 2
	REQ_NETNS=$COFFER_NETNS req "$method" "$url" --cacert "$COFFER_CA" \
	    -H "Authorization: token=$COFFER_TOKEN" "$@"
}

test_the_namespace_client_is_not_loopback() {
	# What the rest rests on: the server sees the namespace's address.
	far GET "$FAR_TLS$S/none"
	assert_status 404
	assertEquals "remote_addr of the last audit line" "$COFFER_NS_CLIENT_IP" \
	    "$(tail -n 1 "$COFFER_STATE/audit.log" | jq -r .remote_addr)"
}

test_plain_request_from_afar_answers_403_in_the_dcos_shape() {
	far GET "$FAR$S/none"
	assert_status 403
	assert_schema dcos-error.json
	assert_json_eq .code ERR_TLS_REQUIRED
}

test_plain_request_from_afar_answers_403_in_the_path_api_shape() {
	far GET "$FAR/api/v1/secrets/none"
	assert_status 403
	assert_schema path-error.json
}

test_plain_write_from_afar_is_refused_and_changes_nothing() {
	far PUT "$FAR$S/plain" -H 'Content-Type: application/json' \
	    --data-binary '{"value":"sent-in-clear"}'
	assert_status 403
	auth_req GET "$S/plain"
	assert_status 404
}

test_public_routes_from_afar_need_tls_too() {
	REQ_NETNS=$COFFER_NETNS req GET "$FAR/secrets/v1/seal-status/default"
	assert_status 403
}

test_tls_request_from_afar_is_served() {
	far PUT "$FAR_TLS$S/tls" -H 'Content-Type: application/json' \
	    --data-binary '{"value":"over-tls"}'
	assert_status 201
	far GET "$FAR_TLS$S/tls"
	assert_status 200
	assert_json_eq .value over-tls
}

test_tls_request_from_loopback_is_served() {
	auth_req GET "$COFFER_TLS_ADDR/api/v1/secrets/tls" --cacert "$COFFER_CA"
	assert_status 200
	assert_json_eq .data.value over-tls
}

test_plain_request_from_loopback_is_served() {
	auth_req GET "$S/tls"
	assert_status 200
}

test_the_served_certificate_was_issued_and_recorded_by_coffers_ca() {
	local cert=$COFFER_STATE/tls/server.pem served serial
	served=$(openssl s_client -connect "127.0.0.1:$TLS_PORT" \
	    -servername localhost </dev/null 2>/dev/null |
	    openssl x509 -noout -fingerprint -sha256)
	assertEquals "the listener serves the issued certificate" \
	    "$(openssl x509 -in "$cert" -noout -fingerprint -sha256)" "$served"
	req GET /ca/dcos-ca.crt
	assertEquals "it chains to the CA Coffer serves" "$cert: OK" \
	    "$(openssl verify -CAfile "$BODY_FILE" "$cert" 2>&1)"
	auth_json POST /api/v1/cfssl/certinfo \
	    "$(jq -n --rawfile c "$cert" '{certificate: $c}')"
	serial=$(jq -r .result.serial_number "$BODY_FILE")
	auth_json POST /ca/api/v2/certificates "{\"serial\":\"$serial\"}"
	assert_status 200
	assert_json_eq '.result | length' 1
}

test_tls_listener_refuses_an_unknown_certificate_authority() {
	# curl's own check, but it shows the listener speaks TLS with our CA.
	req GET "$COFFER_TLS_ADDR$S/tls"
	assert_status 000
}

test_allow_plain_http_lets_a_plain_request_from_afar_through() {
	local state other
	state=$(mktemp -d "${TMPDIR:-/tmp}/coffer-test.XXXXXX")
	[ -n "${COFFER_RUN_STATES:-}" ] && echo "$state" >>"$COFFER_RUN_STATES"
	if ! STACK_BIND_EXTRA=$COFFER_NS_HOST_IP stack_start "$state" \
	    "$COFFER_BUILD" "" allow_plain_http=yes; then
		fail "second server did not start"
		rm -rf "$state"
		return
	fi
	other=http://$COFFER_NS_HOST_IP:$STACK_PORT
	# A fresh store: 503 (not initialized) means the transport passed.
	REQ_NETNS=$COFFER_NETNS req GET "$other/secrets/v1/secret/default/x"
	assert_status 503
	assert_json_eq .code ERR_NOT_INITIALIZED
	stack_stop "$state"
	stack_pg_down "$state" # its cluster, with PostgreSQL
	rm -rf "$state"
}

. /usr/share/shunit2/shunit2
