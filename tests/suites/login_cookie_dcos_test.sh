#!/usr/bin/env bash
# The login cookie (dcos-acs-auth-cookie) is a bearer credential: it is
# never sent along with a request another site starts (SameSite=Strict),
# and, when the login came over TLS, never over plain HTTP (Secure).
# The stack's TLS port is terminated by the web server, which tells the
# program so (HTTPS=on).
# run-all: sanitizers-every-server
. "$(dirname "$0")/../lib.sh"

A=/acs/api/v1

oneTimeSetUp() {
	STACK_TLS=1 coffer_server_start login_max_failures=1000 || return 1
	coffer_init_unseal
	auth_json PUT $A/users/alice '{"password":"pw-alice"}'
}
oneTimeTearDown() { coffer_server_stop; }

# cookie NAME: the Set-Cookie line of the last answer for NAME.
cookie() { grep -i "^set-cookie: $1=" <<<"$HEADERS"; }

login() {
	json_req POST "$1$A/auth/login" '{"uid":"alice","password":"pw-alice"}' \
	    --cacert "$COFFER_CA"
}

test_a_login_over_tls_sets_a_secure_strict_cookie() {
	login "$COFFER_TLS_ADDR"
	assert_status 200
	assertContains "auth cookie" "$(cookie dcos-acs-auth-cookie)" \
	    "; Secure"
	assertContains "auth cookie" "$(cookie dcos-acs-auth-cookie)" \
	    "; SameSite=Strict"
	assertContains "auth cookie" "$(cookie dcos-acs-auth-cookie)" \
	    "; HttpOnly"
	assertContains "info cookie" "$(cookie dcos-acs-info-cookie)" \
	    "; Secure"
	assertContains "info cookie" "$(cookie dcos-acs-info-cookie)" \
	    "; SameSite=Strict"
}

test_a_login_over_plain_loopback_http_sets_a_strict_cookie_without_secure() {
	# A browser would drop a Secure cookie set over plain HTTP.
	login "$COFFER_ADDR"
	assert_status 200
	assertContains "$(cookie dcos-acs-auth-cookie)" "; SameSite=Strict"
	assertNotContains "$(cookie dcos-acs-auth-cookie)" "Secure"
}

test_logout_over_tls_clears_the_cookie_with_the_same_attributes() {
	req GET "$COFFER_TLS_ADDR$A/auth/logout" --cacert "$COFFER_CA"
	assert_status 200
	assertContains "$(cookie dcos-acs-auth-cookie)" "2000"
	assertContains "$(cookie dcos-acs-auth-cookie)" "; Secure"
	assertContains "$(cookie dcos-acs-auth-cookie)" "; SameSite=Strict"
}

. /usr/share/shunit2/shunit2
