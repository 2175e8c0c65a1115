#!/usr/bin/env bash
# Brute force (docs/security.md#the-login-and-unseal-throttles): failed
# logins are counted per account and per client address in every worker
# process, and answer 429 past the limit.
. "$(dirname "$0")/../lib.sh"

A=/acs/api/v1

oneTimeSetUp() {
	coffer_server_start login_max_failures=3 login_window=600 &&
	    coffer_init_unseal || return 1
	auth_json PUT $A/users/tess '{"password":"pw-tess"}'
	auth_json PUT $A/users/uma '{"password":"pw-uma"}'
	auth_json PUT $A/users/carol '{"password":"pw-carol"}'
}
oneTimeTearDown() { coffer_server_stop; }

login() { json_req POST $A/auth/login "{\"uid\":\"$1\",\"password\":\"$2\"}" "${@:3}"; }

# from IP UID PASSWORD: a login from another loopback address (all of
# 127/8 is the loopback interface), so the per-address count of one
# address never decides a test about an account's count.
from() { login "$2" "$3" --interface "$1"; }

# same_window UID N: N names, none of them a user, whose unkeyed hash
# sha256("u:"+name) puts them in UID's window of a 1,024-slot table, as
# an attacker who knew the hash would choose them.
same_window() {
	python3 - "$1" "$2" <<'PY'
import hashlib, sys
def idx(uid):
    h = hashlib.sha256(b"u:" + uid.encode()).digest()
    return int.from_bytes(h[:8], "little") % 1024
want, n, i, out = idx(sys.argv[1]), int(sys.argv[2]), 0, []
while len(out) < n:
    name = "ghost%d" % i
    if idx(name) == want:
        out.append(name)
    i += 1
print("\n".join(out))
PY
}

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

test_failures_under_other_names_cannot_erase_an_accounts_count() {
	local i=0 name
	for i in 1 2 3; do
		from 127.0.1.$i carol wrong
		assert_status 401 "carol's failure $i"
	done
	from 127.0.2.1 carol pw-carol
	assert_status 429 "carol is throttled"
	i=0
	for name in $(same_window carol 16); do
		i=$((i + 1))
		from 127.0.3.$i "$name" wrong
		assert_status 401 "failure for $name"
	done
	from 127.0.4.1 carol pw-carol
	assert_status 429 "still throttled after 16 failures in her window"
}

test_the_throttle_file_names_no_account_by_a_hash_anyone_can_compute() {
	local h
	from 127.0.5.1 uma wrong
	assert_status 401
	h=$(printf 'u:uma' | sha256sum | cut -c1-32)
	assertFalse "sha256(\"u:uma\") is in the file" \
	    "od -An -v -tx1 '$COFFER_STATE'/*.throttle | tr -d ' \n' | grep -q $h"
}

. /usr/share/shunit2/shunit2
