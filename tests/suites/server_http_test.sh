#!/usr/bin/env bash
# The web server in front of the programs: what apache-conf/ promises,
# whatever the programs do.  Runs behind each server (COFFER_SERVER):
# lighttpd, Apache + mod_proxy_fcgi, Apache + mod_fcgid; the differences
# between them (Authorization passing, status lines, chunking, who answers
# an oversized body) are pinned down here.
# run-all: backend-free
# run-all: sanitizers-every-server
. "$(dirname "$0")/../lib.sh"

S=/secrets/v1/secret/default

oneTimeSetUp() {
	coffer_server_start && coffer_init_unseal
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

test_each_program_gets_one_pool_of_processes() {
	# secrets answers two prefixes; they must share one pool, not get one
	# pool each (apache-conf/).  lighttpd and
	# spawn-fcgi start 2 processes per program (secrets: up to 8);
	# mod_fcgid starts them on demand, so sequential requests to both
	# prefixes find its first one idle: one process, one pool.
	req GET /secrets/v1/seal-status/default
	req GET /api/v1/secrets/any
	req GET /secrets/v1/seal-status/default
	req GET /api/v1/secrets/any
	req GET /hello
	local hello secrets
	hello=$(stack_workers "$COFFER_STATE" | awk '$3 == "hello"' | wc -l)
	secrets=$(stack_workers "$COFFER_STATE" | awk '$3 == "secrets"' | wc -l)
	if [ "$COFFER_SERVER" = apache-fcgid ]; then
		assertEquals "hello processes" 1 "$hello"
		assertEquals "secrets processes" 1 "$secrets"
	else
		assertEquals "hello processes" 2 "$hello"
		assertTrue "secrets processes: $secrets, one pool of at most 8" \
		    "[ $secrets -ge 1 ] && [ $secrets -le 8 ]"
	fi
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
	req GET /v1.0/secrets/default/x -H "dapr-api-token: $sentinel"
	req GET /hello -H "Authorization: Bearer $sentinel"
	if grep -qF -- "$sentinel" "$COFFER_STATE/error.log"; then
		fail "a credential was written to the web server's error log"
	fi
}

test_server_refuses_a_body_far_over_the_limit() {
	# 413 whoever answers: lighttpd past its backstop (4 MiB) before any
	# byte reaches a program; mod_fcgid past LimitRequestBody as it
	# buffers the body; with mod_proxy_fcgi the program, from the
	# announced length, before it reads.
	head -c 5000000 /dev/zero >"$COFFER_STATE/big"
	auth_req PUT "$S/big" \
	    -H 'Content-Type: application/json' --data-binary @"$COFFER_STATE/big"
	assert_status 413
	auth_req GET "$S/big"
	assert_status 404
}

test_authorization_header_reaches_the_program() {
	# Apache keeps Authorization from FastCGI programs unless told
	# (CGIPassAuth On in apache-conf/apache/coffer-*.conf).
	auth_json PUT "$S/auth-passing" '{"value":"a"}'
	assert_status 201
	auth_req GET "$S/auth-passing"
	assert_status 200
	req GET "$S/auth-passing"
	assert_status 401
	COFFER_AUTH_HEADER="Authorization: Bearer $COFFER_TOKEN" \
	    auth_req GET "$S/auth-passing"
	assert_status 200
}

test_status_lines_carry_the_programs_code_and_reason() {
	auth_req GET "$S/no-such-secret"
	assertEquals "404 status line" "HTTP/1.1 404 Not Found" \
	    "$(head -n 1 <<<"$HEADERS")"
	auth_json PUT "$S/status-line" '{"value":"s"}'
	assertEquals "201 status line" "HTTP/1.1 201 Created" \
	    "$(head -n 1 <<<"$HEADERS")"
	auth_req DELETE "$S/status-line"
	assert_status 204
	assertEquals "204 has no body" 0 "$(stat -c %s "$BODY_FILE")"
}

test_405_keeps_its_allow_header_through_the_server() {
	auth_req POST /secrets/v1/seal-status/default -d ''
	assert_status 405
	assert_header Allow 'GET'
}

test_program_headers_pass_through_unchanged() {
	auth_req GET "$S/no-such-secret"
	assert_header Cache-Control '^no-store$'
	assert_header Content-Type '^application/json'
}

test_http_1_0_client_gets_a_whole_unchunked_body() {
	# Apache chunks a response without Content-Length for HTTP/1.1
	# clients; an HTTP/1.0 client must get the plain body instead.
	auth_json PUT "$S/one-oh" '{"value":"for-an-old-client"}'
	auth_req GET "$S/one-oh" --http1.0
	assert_status 200
	assert_json_eq .value for-an-old-client
	if header Transfer-Encoding >/dev/null; then
		fail "HTTP/1.0 answer is chunked"
	fi
}

test_large_value_round_trips_intact_through_the_server() {
	# ~700 KiB of JSON, under the 1 MiB body limit: streamed in, and back
	# out chunked or with a length, byte for byte.
	local v
	v=$(head -c 540000 /dev/urandom | base64 -w0)
	printf '{"value":"%s"}' "$v" >"$COFFER_STATE/large.json"
	auth_req PUT "$S/large" -H 'Content-Type: application/json' \
	    --data-binary @"$COFFER_STATE/large.json"
	assert_status 201
	auth_req GET "$S/large"
	assert_status 200
	assertEquals "value length" "${#v}" "$(jq -r '.value | length' "$BODY_FILE")"
	assertEquals "value" "$v" "$(jq -r .value "$BODY_FILE")"
}

test_head_answers_the_get_status() {
	auth_json PUT "$S/head" '{"value":"h"}'
	auth_req HEAD "$S/head"
	assert_status 200
	assert_header Content-Type '^application/json'
	auth_req HEAD "$S/no-such-head"
	assert_status 404
}

. /usr/share/shunit2/shunit2
