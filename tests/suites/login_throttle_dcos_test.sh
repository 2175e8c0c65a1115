#!/usr/bin/env bash
# Brute force (DESIGN.md §8): failed logins are counted per account and per
# client address in every worker process, and answer 429 past the limit.
. "$(dirname "$0")/../lib.sh"

A=/acs/api/v1

oneTimeSetUp() {
	coffer_server_start login_max_failures=3 login_window=600 &&
	    coffer_init_unseal || return 1
	auth_json PUT $A/users/tess '{"password":"pw-tess"}'
	auth_json PUT $A/users/uma '{"password":"pw-uma"}'
}
oneTimeTearDown() { coffer_server_stop; }

login() { json_req POST $A/auth/login "{\"uid\":\"$1\",\"password\":\"$2\"}" "${@:3}"; }

test_a_success_does_not_count() {
	login tess pw-tess
	assert_status 200
}

test_failures_past_the_limit_answer_429_even_with_the_right_password() {
	local i
	for i in 1 2 3; do
		# Distinct forwarded addresses are not trusted: the limit is
		# the account's here, reached from one address.
		login tess wrong
		assert_status 401 "failure $i"
	done
	login tess pw-tess
	assert_status 429
	assert_schema dcos-error.json
	assert_json_eq .code ERR_TOO_MANY_LOGIN_ATTEMPTS
	assert_body_lacks pw-tess
}

test_the_client_address_is_limited_across_accounts() {
	# The address already has three failures from the test above.
	login uma pw-uma
	assert_status 429 "same address, another account"
	req GET /auth -u uma:pw-uma
	assert_status 429 "Sensu's login shares the counts"
}

. /usr/share/shunit2/shunit2
