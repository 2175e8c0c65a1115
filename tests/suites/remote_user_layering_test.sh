#!/usr/bin/env bash
# Layering under the web server's own access control
# (docs/security.md#authentication):
# with trust_remote_user on, the subject the server authenticated itself
# (REMOTE_USER, from Basic auth or a TLS client certificate's CN) is the
# request's subject and goes through common/identity/acl like any other, so only a
# user that exists in the store gets in (today: admin); with it off,
# REMOTE_USER is ignored.  Runs behind each server; tools/stack.sh adds a
# port behind the server's Basic auth (STACK_HTPASSWD) and a TLS port whose
# optional client certificates set REMOTE_USER (apache-conf/*/tls.conf).
# Server and client certificates come from the stack's own CA (cgi-bin/ca,
# CFSSL's newcert): tools/stack.sh stack_pki and stack_client_cert.
# run-all: sanitizers-every-server
. "$(dirname "$0")/../lib.sh"

S=/secrets/v1/secret/default

oneTimeSetUp() {
	AUTHDIR=$(mktemp -d "${TMPDIR:-/tmp}/coffer-auth.XXXXXX") || return 1
	# Apache's workers (www-data) read the password file.
	chmod 0755 "$AUTHDIR"
	printf 'pw-admin' | htpasswd -c -i -m "$AUTHDIR/htpasswd" admin \
	    2>/dev/null &&
	    printf 'pw-mallory' | htpasswd -i -m "$AUTHDIR/htpasswd" mallory \
		2>/dev/null || return 1
	chmod 0644 "$AUTHDIR/htpasswd"
	STACK_TLS=1 STACK_HTPASSWD=$AUTHDIR/htpasswd \
	    coffer_server_start trust_remote_user=yes || return 1
	coffer_init_unseal || return 1
	local name
	for name in admin mallory; do
		stack_client_cert "$COFFER_STATE/tls" "$name" || return 1
	done
	auth_json PUT "$S/layered" '{"value":"behind-the-server"}'
	[ "$STATUS" = 201 ]
}

oneTimeTearDown() {
	coffer_server_stop
	rm -rf "$AUTHDIR"
}

basic() { # basic USER:PASSWORD METHOD PATH [curl args...]
	local cred=$1 method=$2 path=$3
	shift 3
	req "$method" "$COFFER_AUTH_ADDR$path" -u "$cred" "$@"
}

cert() { # cert NAME METHOD PATH [curl args...]
	local name=$1 method=$2 path=$3
	shift 3
	req "$method" "$COFFER_TLS_ADDR$path" --cacert "$COFFER_CA" \
	    --cert "$COFFER_STATE/tls/$name.pem" \
	    --key "$COFFER_STATE/tls/$name.key" "$@"
}

test_basic_auth_user_known_to_the_store_is_the_subject() {
	basic admin:pw-admin GET "$S/layered"
	assert_status 200
	assert_json_eq .value behind-the-server
	assertEquals "audited subject" admin \
	    "$(tail -n 1 "$COFFER_STATE/audit.log" | jq -r .subject)"
}

test_basic_auth_subject_can_write_through_the_acl() {
	basic admin:pw-admin PUT "$S/by-basic" \
	    -H 'Content-Type: application/json' --data-binary '{"value":"b"}'
	assert_status 201
	auth_req GET "$S/by-basic"
	assert_json_eq .author admin
}

test_basic_auth_user_unknown_to_the_store_answers_401() {
	basic mallory:pw-mallory GET "$S/layered"
	assert_status 401
	assert_schema dcos-error.json
	assert_body_lacks behind-the-server
}

test_wrong_basic_password_is_refused_by_the_server_itself() {
	basic admin:wrong GET "$S/layered"
	assert_status 401
	assert_body_lacks behind-the-server
}

test_client_certificate_of_a_known_user_is_the_subject() {
	cert admin GET "$S/layered"
	assert_status 200
	assert_json_eq .value behind-the-server
}

test_client_certificate_of_an_unknown_user_answers_401() {
	cert mallory GET "$S/layered"
	assert_status 401
	assert_schema dcos-error.json
}

test_tls_without_client_certificate_needs_a_token() {
	req GET "$COFFER_TLS_ADDR$S/layered" --cacert "$COFFER_CA"
	assert_status 401
	auth_req GET "$COFFER_TLS_ADDR$S/layered" --cacert "$COFFER_CA"
	assert_status 200
}

test_a_remote_user_header_from_the_client_is_not_remote_user() {
	req GET "$S/layered" -H 'Remote-User: admin' -H 'REMOTE_USER: admin'
	assert_status 401
	assert_body_lacks behind-the-server
}

test_with_trust_remote_user_off_remote_user_is_ignored() {
	local state
	state=$(mktemp -d "${TMPDIR:-/tmp}/coffer-test.XXXXXX")
	[ -n "${COFFER_RUN_STATES:-}" ] && echo "$state" >>"$COFFER_RUN_STATES"
	if ! STACK_TLS=1 STACK_HTPASSWD=$AUTHDIR/htpasswd stack_start \
	    "$state" "$COFFER_BUILD" "" trust_remote_user=no ||
	    ! stack_client_cert "$state/tls" admin; then
		fail "second server did not start"
		stack_stop "$state"
		stack_pg_down "$state"
		rm -rf "$state"
		return
	fi
	req GET "$STACK_AUTH_ADDR$S/none" -u admin:pw-admin
	assert_status 401 "Basic auth admin, trust off"
	req GET "$STACK_TLS_ADDR$S/none" --cacert "$state/tls/ca.pem" \
	    --cert "$state/tls/admin.pem" --key "$state/tls/admin.key"
	assert_status 401 "client certificate admin, trust off"
	# A token still works behind the server's Basic auth (layered: both).
	req GET "$STACK_TLS_ADDR$S/none" --cacert "$state/tls/ca.pem" \
	    -H "Authorization: token=$STACK_TOKEN"
	assert_status 404 "token, trust off"
	stack_stop "$state"
	stack_pg_down "$state" # its cluster, with PostgreSQL
	rm -rf "$state"
}

. /usr/share/shunit2/shunit2
