#!/usr/bin/env bash
# The web server's own refusals under Coffer's prefixes: a body over the
# server's backstop limit (413) and a malformed chunked body (400) are
# answered in the JSON error shape of the prefix's dialect
# (apache-conf/errors/), not as the server's HTML page.
# Runs behind each server (COFFER_SERVER).  What stays HTML: lighttpd
# answers a request it cannot parse (400, 411, 431, a dot segment) before
# its per-URL settings apply; Apache refuses a dot segment (400) and a
# request line or header it cannot parse before any <LocationMatch>
# applies.  No server answers 404 itself under these prefixes: every path
# reaches a program.
# run-all: backend-free
# run-all: sanitizers-every-server
. "$(dirname "$0")/../lib.sh"

# Over both servers' 4 MiB backstop: refused before any body is read.
OVER_BACKSTOP=5000000

# prefix of each dialect, the route to send to, and its error schema
ERROR_ROUTES=(
	"PUT /secrets/v1/secret/default/big dcos-error.json"
	"POST /acs/api/v1/auth/login dcos-error.json"
	"PUT /api/v1/secrets/big path-error.json"
	"POST /coffer/v1/import/default path-error.json"
	"POST /v1.0/secrets/default/big dapr-error.json"
	"PUT /api/enterprise/secrets/v1/namespaces/default/secrets/big sensu-error.json"
	"POST /api/core/v2/apikeys sensu-error.json"
	"POST /api/v1/cfssl/newcert cfssl-error.json"
	"POST /ca/api/v2/newcert cfssl-error.json"
)

oneTimeSetUp() {
	coffer_server_start && coffer_init_unseal
}

oneTimeTearDown() {
	coffer_server_stop
}

test_a_body_over_the_servers_limit_is_refused_in_the_dialects_json() {
	local row method path schema
	for row in "${ERROR_ROUTES[@]}"; do
		read -r method path schema <<<"$row"
		# One byte sent of the announced length: the server refuses
		# on the header alone.
		auth_req "$method" "$path" -H 'Content-Type: application/json' \
		    -H "Content-Length: $OVER_BACKSTOP" --data-binary x
		assert_status 413 "$method $path"
		assert_header Content-Type '^application/json' "$method $path"
		assert_schema "$schema" "$method $path"
	done
}

# raw_req REQUEST: send REQUEST (printf escapes) as it is on a new
# connection; sets STATUS, HEADERS and BODY_FILE like req.
raw_req() {
	local fd out=$COFFER_STATE/.raw.out
	LAST_REQ=$(printf '%s' "$1" | head -n 1 | tr -d '\r')
	exec {fd}<>"/dev/tcp/127.0.0.1/${COFFER_ADDR##*:}" || return 0
	printf "$1" >&"$fd"
	timeout 10 cat <&"$fd" >"$out"
	exec {fd}>&-
	HEADERS=$(tr -d '\r' <"$out" | sed '/^$/q')
	STATUS=$(awk 'NR == 1 { print $2 }' <<<"$HEADERS")
	BODY_FILE=$COFFER_STATE/.raw.body
	tr -d '\r' <"$out" | sed '1,/^$/d' >"$BODY_FILE"
}

test_a_malformed_chunked_body_is_refused_in_the_dialects_json() {
	local row method path schema
	for row in "${ERROR_ROUTES[@]}"; do
		read -r method path schema <<<"$row"
		raw_req "$method $path HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: token=$COFFER_TOKEN\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\n{}\r\n0\r\n\r\n"
		# mod_fcgid hands the program what it could read: the
		# program's own 4xx, JSON as well.
		assert_status 4xx "$method $path"
		assert_header Content-Type '^application/json' "$method $path"
		assert_schema "$schema" "$method $path"
	done
}

. /usr/share/shunit2/shunit2
