#!/usr/bin/env bash
# The web server in front of the programs: what apache-conf/ promises,
# whatever the programs do.
. "$(dirname "$0")/../lib.sh"

oneTimeSetUp() {
	coffer_server_start
}

oneTimeTearDown() {
	coffer_server_stop
}

test_hello_answers_a_small_json_body() {
	req GET /hello
	assert_status 200
	assert_header Content-Type '^application/json'
	assert_json_eq .hello coffer
}

test_each_program_gets_one_pool_of_two_processes() {
	# secrets answers two prefixes; they must share one pool, not get one
	# pool each (DESIGN.md section 8; apache-conf/lighttpd/coffer.conf).
	req GET /secrets/v1/seal-status/default
	req GET /api/v1/secrets/any
	req GET /hello
	local counts
	counts=$(stack_workers "$COFFER_STATE" | awk '{ print $3 }' | sort |
	    uniq -c | awk '{ printf "%s=%s ", $2, $1 }')
	assertEquals "workers per program" "hello=2 secrets=2 " "$counts"
}

test_both_secrets_prefixes_reach_the_secrets_program() {
	# lighttpd's own answers (404 and the like) are HTML; hello's JSON has
	# a "hello" member.  (A fresh store may answer 503: not initialized.)
	req GET /secrets/v1/seal-status/default
	assert_header Content-Type '^application/json'
	assert_json_eq .hello null
	req GET /api/v1/secrets/no/such/secret
	assert_header Content-Type '^application/json'
	assert_json_eq .hello null
}

test_dot_segments_are_refused_before_reaching_a_program() {
	local p
	for p in /secrets/v1/secret/default/a/../b /secrets/v1/secret/default/./b \
	    /api/v1/secrets/a/%2e%2e/b /secrets/v1/secret/default/a//b \
	    /hello/../secrets/v1/seal-status/default; do
		req GET "$p" --path-as-is
		assert_status 400 "GET $p"
	done
}

test_request_uri_reaches_the_program_with_its_query_string() {
	# The programs route on REQUEST_URI; /hello ignores it, so only check
	# that a query string or encoded bytes are not refused on the way.
	req GET '/hello/a%2Fb?list=true&x=%20'
	assert_status 200
}

test_credentials_never_reach_the_error_log() {
	local sentinel=coffer-sentinel-$$-$RANDOM
	req GET /secrets/v1/secret/default/x -H "Authorization: token=$sentinel"
	req GET /api/v1/secrets/x -H "dapr-api-token: $sentinel"
	req GET /hello -H "Authorization: Bearer $sentinel"
	if grep -qF -- "$sentinel" "$COFFER_STATE/error.log"; then
		fail "a credential was written to the web server's error log"
	fi
}

test_server_refuses_a_body_far_over_the_limit() {
	# Coffer answers 413 itself up to lighttpd's backstop (4 MiB); past it
	# lighttpd does, before any byte reaches a program.
	head -c 5000000 /dev/zero >"$COFFER_STATE/big"
	req PUT /secrets/v1/secret/default/big \
	    -H 'Content-Type: application/json' --data-binary @"$COFFER_STATE/big"
	assert_status 413
}

. /usr/share/shunit2/shunit2
