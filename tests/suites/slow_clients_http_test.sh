#!/usr/bin/env bash
# Slow clients: a request that announces a body and sends only part of it
# must not hold a worker of any program.  Runs behind each server
# (COFFER_SERVER); each test opens twice as many such connections to one
# program as it has workers (lighttpd and spawn-fcgi: 2, secrets and ca 8;
# mod_fcgid: up to 8 each), with and without a valid token and with a
# length over Coffer's body limit (answered 401 or 413 before any body is
# read), then checks that an ordinary request to the same program is still
# answered within SLOW_ANSWER_SECONDS.  What holds a worker here is the
# web server and the request loop, above the store: the PostgreSQL pass
# skips it.
# run-all: backend-free
# run-all: sanitizers-every-server
. "$(dirname "$0")/../lib.sh"

S=/secrets/v1/secret/default
# An ordinary request must be answered this fast with the slow clients
# holding their connections (the issue asks for 1 s; the margin is the
# shared, loaded test machine's).
SLOW_ANSWER_SECONDS=1.5
# Announced by a slow request that fits the body limit, and one over it
# (Coffer's body_limit is 1 MiB in the test stack; the servers' own
# backstop is 4 MiB).
SLOW_LENGTH=1000
SLOW_OVER_LIMIT=2000000
# The deadline the shipped configs give a body that stopped arriving
# (lighttpd's server.max-read-idle, Apache's RequestReadTimeout body=),
# plus a margin for a loaded machine.
SLOW_DEADLINE_SECONDS=10
SLOW_DEADLINE_MARGIN=5

SLOW_FDS=()

oneTimeSetUp() {
	coffer_server_start && coffer_init_unseal
}

oneTimeTearDown() {
	slow_close_all
	coffer_server_stop
}

tearDown() {
	slow_close_all
}

# slow_open METHOD PATH LENGTH [HEADER]: a connection that sends the
# request line, HEADER and Content-Length: LENGTH, then one byte of the
# body, and nothing more while it stays open.  Its fd joins SLOW_FDS.
slow_open() {
	local method=$1 path=$2 len=$3 hdr=${4:-} port=${COFFER_ADDR##*:} fd
	exec {fd}<>"/dev/tcp/127.0.0.1/$port" || return 1
	SLOW_FDS+=("$fd")
	printf '%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\n%sContent-Type: application/json\r\nContent-Length: %s\r\n\r\n{' \
	    "$method" "$path" "${hdr:+$hdr$'\r\n'}" "$len" >&"$fd"
}

slow_close_all() {
	local fd
	for fd in "${SLOW_FDS[@]}"; do
		exec {fd}>&-
	done
	SLOW_FDS=()
}

# slow_storm N METHOD PATH: N slow requests to PATH, a third with the
# superuser's token, a third without one, a third announcing a body over
# the limit (with the token).
slow_storm() {
	local n=$1 method=$2 path=$3 i tok="Authorization: token=$COFFER_TOKEN"
	for ((i = 0; i < n; i++)); do
		case $((i % 3)) in
		0) slow_open "$method" "$path" "$SLOW_LENGTH" "$tok" ;;
		1) slow_open "$method" "$path" "$SLOW_LENGTH" ;;
		2) slow_open "$method" "$path" "$SLOW_OVER_LIMIT" "$tok" ;;
		esac || return 1
	done
	# Let the server hand them to the programs, where it would.
	sleep 1
}

# assert_answered_soon WHAT METHOD PATH [curl args...]: the request gets an
# answer from its program within SLOW_ANSWER_SECONDS.
assert_answered_soon() {
	local what=$1 method=$2 path=$3 out code secs
	shift 3
	out=$(curl -sS -o /dev/null -m "$SLOW_ANSWER_SECONDS" -X "$method" \
	    -w '%{http_code} %{time_total}' "$@" "$COFFER_ADDR$path" 2>/dev/null)
	code=${out%% *}
	secs=${out#* }
	echo "  $what: $method $path answered ${code:-000} in ${secs:-?} s" \
	    "beside ${#SLOW_FDS[@]} slow clients ($COFFER_SERVER)"
	assertTrue "$what: $method $path not answered within $SLOW_ANSWER_SECONDS s (status ${code:-000}, ${secs:-?} s)" \
	    "[[ '${code:-000}' =~ ^[1-5][0-9][0-9]$ ]]"
}

test_slow_logins_leave_auth_answering() {
	slow_storm 4 POST /acs/api/v1/auth/login
	assert_answered_soon auth GET /acs/api/v1/auth/jwks
}

test_slow_api_key_requests_leave_auth_answering() {
	slow_storm 4 POST /api/core/v2/apikeys
	assert_answered_soon auth GET /acs/api/v1/auth/jwks
}

test_slow_imports_leave_bulk_answering() {
	slow_storm 4 POST /coffer/v1/import/default
	assert_answered_soon bulk GET /coffer/v1/no-such-route
}

test_slow_certificate_requests_leave_ca_answering() {
	slow_storm 16 POST /api/v1/cfssl/newcert
	assert_answered_soon ca GET /ca/dcos-ca.crt
}

test_slow_secret_writes_leave_secrets_answering() {
	slow_storm 16 PUT $S/slow
	assert_answered_soon secrets GET $S/ordinary \
	    -H "Authorization: token=$COFFER_TOKEN"
}

test_slow_writes_to_every_program_at_once_leave_all_answering() {
	slow_storm 4 POST /acs/api/v1/auth/login
	slow_storm 4 POST /coffer/v1/import/default
	slow_storm 16 POST /api/v1/cfssl/newcert
	slow_storm 16 PUT $S/slow
	assert_answered_soon auth GET /acs/api/v1/auth/jwks
	assert_answered_soon bulk GET /coffer/v1/no-such-route
	assert_answered_soon ca GET /ca/dcos-ca.crt
	assert_answered_soon secrets GET $S/ordinary \
	    -H "Authorization: token=$COFFER_TOKEN"
}

# assert_program_lets_go PROGRAM METHOD PATH LENGTH STATUS: PROGRAM, asked
# directly on its socket by a web server that streams the body and stalls
# after one byte, still sends its whole STATUS answer within
# SLOW_ANSWER_SECONDS: it never waits for a body it refused unread.  The
# sockets are run/PROGRAM.sock (spawn-fcgi) or run/PROGRAM.sock-N
# (lighttpd); mod_fcgid keeps its own, so behind it this is skipped.
assert_program_lets_go() {
	local prog=$1 method=$2 path=$3 len=$4 want=$5 sock out
	sock=$(ls "$COFFER_STATE/run/$prog.sock"* 2>/dev/null | head -n 1)
	if [ -z "$sock" ]; then
		startSkipping
		return 0
	fi
	out=$("$STACK_PYTHON" "$COFFER_TOP/tests/fcgi_stall.py" "$sock" \
	    "$method" "$path" "$len" "$SLOW_ANSWER_SECONDS")
	echo "  $prog: $method $path with 1 of $len bytes: $out"
	assertEquals "$prog: $method $path answered while its body stalled" \
	    "$want" "${out%% *}"
}

test_a_program_answers_a_body_it_refuses_without_waiting_for_it() {
	assert_program_lets_go secrets PUT $S/x "$SLOW_LENGTH" 401
	assert_program_lets_go auth POST /acs/api/v1/auth/login \
	    "$SLOW_OVER_LIMIT" 413
	assert_program_lets_go ca POST /api/v1/cfssl/newcert "$SLOW_LENGTH" 401
	assert_program_lets_go bulk POST /coffer/v1/import/default "$SLOW_LENGTH" 401
}

# slow_wait_end FD SECONDS: read FD until the server answers or closes, at
# most SECONDS; SLOW_END is the status line's code, "closed", or
# "open" if neither happened in time.
slow_wait_end() {
	local fd=$1 secs=$2 line
	SLOW_END=open
	if IFS= read -r -t "$secs" line <&"$fd"; then
		SLOW_END=$(awk '{ print $2 }' <<<"$line")
	elif [ $? -le 128 ]; then
		# EOF before a whole line: closed (with whatever came).
		SLOW_END=${line:+$(awk '{ print $2 }' <<<"$line")}
		SLOW_END=${SLOW_END:-closed}
	fi
}

test_a_body_that_stops_arriving_is_cut_within_the_deadline() {
	local start end
	slow_open PUT $S/stalled "$SLOW_LENGTH" \
	    "Authorization: token=$COFFER_TOKEN"
	start=$(date +%s)
	slow_wait_end "${SLOW_FDS[0]}" \
	    $((SLOW_DEADLINE_SECONDS + SLOW_DEADLINE_MARGIN))
	end=$(date +%s)
	echo "  stalled body: $SLOW_END after $((end - start)) s ($COFFER_SERVER)"
	# mod_fcgid 2.3.9 answers its client read timeout with 500 ("can't
	# get data from http client"), not 408; still cut in time, and no
	# worker saw it.
	local want='^(4[0-9][0-9]|closed)$'
	[ "$COFFER_SERVER" = apache-fcgid ] && want='^(4[0-9][0-9]|500|closed)$'
	assertTrue "a stalled body got '$SLOW_END' within $((SLOW_DEADLINE_SECONDS + SLOW_DEADLINE_MARGIN)) s, expected 4xx or a close" \
	    "[[ '$SLOW_END' =~ $want ]]"
	# And nothing was written.
	auth_req GET $S/stalled
	assert_status 404
}

. /usr/share/shunit2/shunit2
